"""Minimal ELF32 little-endian reader and writer for the packer.

Reads what packing needs (entry, loadable segments, symbols) and writes the
one-segment ELF that QEMU's -kernel loads.
"""
import struct
from dataclasses import dataclass

PT_LOAD = 1
SHT_SYMTAB = 2
EM_ARM = 40


class ElfError(Exception):
    pass


@dataclass
class Segment:
    vaddr: int
    paddr: int
    data: bytes
    memsz: int
    flags: int


class Elf:
    def __init__(self, path):
        self.path = path
        with open(path, 'rb') as f:
            self.raw = f.read()
        if self.raw[:4] != b'\x7fELF' or self.raw[4] != 1 or self.raw[5] != 1:
            raise ElfError(f'{path}: not a 32-bit little-endian ELF file')
        (self.type, self.machine, _, self.entry, self.phoff, self.shoff, _,
         _, self.phentsize, self.phnum, self.shentsize, self.shnum,
         self.shstrndx) = struct.unpack_from('<HHIIIIIHHHHHH', self.raw, 16)
        if self.machine != EM_ARM:
            raise ElfError(f'{path}: not an ARM ELF file')

    def segments(self):
        """Loadable segments with bytes in the file (bss-only ones too)."""
        out = []
        for i in range(self.phnum):
            (ptype, off, vaddr, paddr, filesz, memsz, flags,
             _) = struct.unpack_from('<8I', self.raw,
                                     self.phoff + i * self.phentsize)
            if ptype == PT_LOAD and memsz:
                out.append(Segment(vaddr, paddr, self.raw[off:off + filesz],
                                   memsz, flags))
        if not out:
            raise ElfError(f'{self.path}: no loadable segments')
        return sorted(out, key=lambda s: s.paddr)

    def flat_image(self, use_paddr=True):
        """(base, bytes up to the last file byte, memory span) of the loadable
        segments laid out at their (physical or virtual) addresses."""
        segs = self.segments()
        addr = (lambda s: s.paddr) if use_paddr else (lambda s: s.vaddr)
        base = min(addr(s) for s in segs)
        end_file = max([addr(s) + len(s.data) for s in segs if s.data] or
                       [base])
        end_mem = max(addr(s) + s.memsz for s in segs)
        buf = bytearray(end_file - base)
        for s in segs:
            buf[addr(s) - base:addr(s) - base + len(s.data)] = s.data
        return base, bytes(buf), end_mem - base

    def symbols(self):
        syms = {}
        for i in range(self.shnum):
            (_, stype, _, _, off, size, link, _, _,
             entsize) = struct.unpack_from('<10I', self.raw,
                                           self.shoff + i * self.shentsize)
            if stype != SHT_SYMTAB:
                continue
            stroff = struct.unpack_from(
                '<10I', self.raw, self.shoff + link * self.shentsize)[4]
            for j in range(size // entsize):
                name, value = struct.unpack_from('<II', self.raw,
                                                 off + j * entsize)
                if name:
                    end = self.raw.index(b'\0', stroff + name)
                    syms[self.raw[stroff + name:end].decode()] = value
        return syms

    def symbol(self, name):
        syms = self.symbols()
        if name not in syms:
            raise ElfError(f'{self.path}: no symbol {name}')
        return syms[name]


def write_flat_elf(path, base, data, entry):
    """An ELF executable with one RWX PT_LOAD of data at base (paddr=vaddr)."""
    ehsize, phsize = 52, 32
    off = 0x1000  # page-aligned payload
    header = struct.pack('<4sBBBBB7sHHIIIIIHHHHHH', b'\x7fELF', 1, 1, 1, 0, 0,
                         b'\0' * 7, 2, EM_ARM, 1, entry, ehsize, 0,
                         0x05000200, ehsize, phsize, 1, 0, 0, 0)
    phdr = struct.pack('<8I', PT_LOAD, off, base, base, len(data), len(data),
                       7, 0x1000)
    blob = header + phdr
    blob += b'\0' * (off - len(blob)) + data
    with open(path, 'wb') as f:
        f.write(blob)
