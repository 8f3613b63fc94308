#!/usr/bin/python3
"""Pack loader, kernel, boot info and container programs into one image.

image.bin = loader | zero fill to the table | table | lz4 frames | end marker
image.elf = the same bytes as one loadable segment, for QEMU's -kernel.
Each part is an lz4 frame with a content checksum; the table records every
part's destination, sizes and xxh32 checksum (see image_format.h).
"""
import argparse
import os
import struct
import sys

import lz4.frame

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import board as boardmod  # noqa: E402
import elf  # noqa: E402
import image_format as fmt  # noqa: E402
import manifest as manifestmod  # noqa: E402
import version as versionmod  # noqa: E402
from xxh32 import xxh32  # noqa: E402


class PackError(Exception):
    pass


def compress(data):
    return lz4.frame.compress(data, content_checksum=True, store_size=True,
                              block_size=lz4.frame.BLOCKSIZE_MAX4MB,
                              compression_level=lz4.frame.COMPRESSIONLEVEL_MINHC)


class Part:
    def __init__(self, kind, name, load_addr, entry, data, mem_size):
        if len(name.encode()) >= fmt.IMAGE_NAME_LEN:
            raise PackError(f'part name "{name}" is too long')
        self.kind, self.name, self.load_addr, self.entry = (kind, name,
                                                            load_addr, entry)
        self.data, self.mem_size = data, max(mem_size, len(data))
        self.frame = compress(data)
        # the frame ends with the xxh32 of the content: the part's checksum
        self.checksum = struct.unpack('<I', self.frame[-4:])[0]


def bootinfo_blob(manifest, program_parts, programs, caps_of=None):
    """The BOOTINFO part: a header, one descriptor per container, then every
    container's capabilities (caps_of(c) -> list of BI_CAP tuples; none when
    caps_of is None)."""
    caps_of = caps_of or (lambda c: [])
    n = len(manifest.containers)
    caps_offset = fmt.BI_HEADER.size + n * fmt.BI_CONTAINER_SIZE
    descs, caps = bytearray(), []
    for c in manifest.containers:
        prog = programs[c.name]
        mine = caps_of(c)
        if len(mine) > fmt.BOOTINFO_MAX_CAPS:
            raise PackError(f'container "{c.name}": {len(mine)} capabilities,'
                            f' the boot info holds {fmt.BOOTINFO_MAX_CAPS}')
        regions = c.regions()
        if len(regions) > fmt.BOOTINFO_MAX_REGIONS:
            raise PackError(f'container "{c.name}": {len(regions)} regions, '
                            f'the boot info holds {fmt.BOOTINFO_MAX_REGIONS}')
        descs += fmt.BI_CONTAINER.pack(c.name.encode(), program_parts[c.name],
                                       prog.entry, c.stack_top, c.utcb,
                                       c.priority, len(regions))
        packed = [fmt.BI_REGION.pack(*r) for r in regions]
        packed += [b'\0' * fmt.BI_REGION.size] * (fmt.BOOTINFO_MAX_REGIONS -
                                                  len(packed))
        descs += b''.join(packed)
        descs += fmt.BI_CONTAINER_TAIL.pack(c.restart_code, c.restart_limit,
                                            len(caps), len(mine),
                                            *(c.cpu or (0, 0)), c.cpu_mask)
        caps += mine
    blob = b''.join(fmt.BI_CAP.pack(*cap) for cap in caps)
    header = fmt.BI_HEADER.pack(
        fmt.BOOTINFO_MAGIC, fmt.BOOTINFO_VERSION, caps_offset + len(blob), n,
        fmt.BI_CONTAINER_SIZE, fmt.BI_CAP.size, caps_offset, len(caps))
    return header + bytes(descs) + blob


def container_part(c, program, man=None):
    """c's program as a part; man (the Manifest) lets an error name the
    manifest's file:line."""
    def error(key, msg):
        at = f'{man.where(f"{c.path}.{key}")}: ' if man else ''
        return PackError(at + msg)
    base, data, span = program.flat_image(use_paddr=False)
    if base != c.virt:
        raise error('virt', f'container "{c.name}": program {program.path} '
                    f'is linked at 0x{base:x}, manifest says 0x{c.virt:x}')
    # the program at the region's start, stack and UTCB page at its top
    manifestmod.check_room(c, error, (span, program.path))
    return Part(fmt.PART_CONTAINER, c.name, c.phys, program.entry, data, span)


def files_part(c, man):
    """c's initial files (a memory entry's files = "./folder") as a part
    loaded at the start of that region, or None: the archive posix/fs
    reads (tools/files_archive.py). A container part by kind, so the
    loader places and verifies it as any other; its name says what it is."""
    found = manifestmod.files_archive(
        c, lambda key, msg: PackError(f'{man.where(key)}: {msg}'))
    if found is None:
        return None
    m, blob = found
    return Part(fmt.PART_CONTAINER, f'{c.name}.files', m.phys, 0, blob,
                len(blob))


def kernel_part(kernel, board):
    base, data, span = kernel.flat_image(use_paddr=True)
    mem = board['memory']
    if base != mem['kernel_phys']:
        raise PackError(f'kernel is loaded at 0x{base:x}, board says '
                        f'0x{mem["kernel_phys"]:x}')
    if span > mem['kernel_reserve']:
        raise PackError(f'kernel takes 0x{span:x} bytes, board reserves '
                        f'0x{mem["kernel_reserve"]:x}')
    entry = kernel.entry - mem['kernel_virt'] + mem['kernel_phys']
    return Part(fmt.PART_KERNEL, 'kernel', base, entry, data, span)


def layout(loader, parts, board):
    """The image bytes: loader, table, frames, end marker."""
    image_base = board['memory']['image_base']
    lbase, ldata, _ = loader.flat_image(use_paddr=True)
    if lbase != image_base:
        raise PackError(f'loader linked at 0x{lbase:x}, board image_base is '
                        f'0x{image_base:x}')
    table_offset = loader.symbol('__image_table') - image_base
    table_size = fmt.HEADER.size + len(parts) * fmt.PART.size
    offset = (table_size + 3) & ~3
    entries, frames = [], bytearray()
    for p in parts:
        entries.append([p.kind, p.name.encode(), p.load_addr, p.entry,
                        p.mem_size, len(p.data), offset + len(frames),
                        len(p.frame), p.checksum])
        frames += p.frame + b'\0' * (-len(p.frame) % 4)
    image_size = table_offset + offset + len(frames) + fmt.END.size
    kinds = [p.kind for p in parts]
    header = [fmt.IMAGE_MAGIC, fmt.IMAGE_VERSION, fmt.HEADER.size,
              fmt.PART.size, len(parts), image_base, table_offset, image_size,
              kinds.index(fmt.PART_KERNEL), kinds.index(fmt.PART_BOOTINFO),
              versionmod.code(versionmod.read()), 0]
    table = fmt.HEADER.pack(*header) + b''.join(fmt.PART.pack(*e)
                                                for e in entries)
    header[-1] = xxh32(table)
    table = fmt.HEADER.pack(*header) + table[fmt.HEADER.size:]
    blob = bytearray(ldata)
    blob += b'\0' * (table_offset - len(blob))
    blob += table + b'\0' * (offset - len(table)) + frames
    blob += fmt.END.pack(fmt.IMAGE_END_MAGIC, image_size)
    ram_end = board['memory']['ram_base'] + board['memory']['ram_size']
    if image_base + len(blob) > ram_end:
        raise PackError(f'image of {len(blob)} bytes does not fit in RAM '
                        f'above 0x{image_base:x}')
    return bytes(blob)


def pack(args):
    board = boardmod.load(args.board)
    man = manifestmod.load(args.manifest, board,
                           max_threads=args.max_threads,
                           nr_cpus=args.nr_cpus)
    for note in man.notes:  # optional devices the board lacks: left out
        print(f'pack: note: {note}')
    # --files NAME DIR: pack DIR as container NAME's initial files instead
    # of its manifest folder (the build's copy of that folder with the
    # POSIX programs it built in bin/: docs/posix.md, "The C library")
    for name, folder in args.files:
        found = [m for c in man.containers if c.name == name
                 for m in c.memory if m.files is not None]
        if not found:
            raise PackError(f'--files {name}: no such container with files')
        found[0].files = os.path.abspath(folder)
    programs = dict(args.container)
    missing = [c.name for c in man.containers if c.name not in programs]
    if missing:
        raise PackError(f'no program ELF given for {", ".join(missing)}')
    programs = {name: elf.Elf(path) for name, path in programs.items()}
    # part order: kernel, bootinfo, then one program per container
    program_parts = {c.name: 2 + i for i, c in enumerate(man.containers)}
    parts = [kernel_part(elf.Elf(args.kernel), board), None]
    parts += [container_part(c, programs[c.name], man)
              for c in man.containers]
    # then each container's initial files, if any (after the programs:
    # the boot info names programs by part index)
    parts += [p for p in (files_part(c, man) for c in man.containers) if p]
    bi = bootinfo_blob(man, program_parts, programs,
                       lambda c: manifestmod.capabilities(man, c))
    bi_addr = board['memory']['kernel_phys'] + board['memory']['kernel_reserve']
    bi_addr -= (len(bi) + 0xfff) & ~0xfff
    parts[1] = Part(fmt.PART_BOOTINFO, 'bootinfo', bi_addr, 0, bi, len(bi))
    blob = layout(elf.Elf(args.loader), parts, board)
    with open(args.bin, 'wb') as f:
        f.write(blob)
    elf.write_flat_elf(args.elf, board['memory']['image_base'], blob,
                       board['memory']['image_base'])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--board', required=True)
    ap.add_argument('--manifest', required=True)
    ap.add_argument('--max-threads', type=int,
                    default=manifestmod.DEFAULT_MAX_THREADS,
                    help="CONFIG_MAX_THREADS, for the manifest's budget "
                    'check')
    ap.add_argument('--nr-cpus', type=int,
                    default=manifestmod.DEFAULT_NR_CPUS,
                    help="CONFIG_NR_CPUS, the cores the kernel starts: the "
                    "manifest's cpus must be below it; their default")
    ap.add_argument('--loader', required=True)
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--container', nargs=2, action='append', default=[],
                    metavar=('NAME', 'ELF'))
    ap.add_argument('--files', nargs=2, action='append', default=[],
                    metavar=('NAME', 'DIR'),
                    help="pack DIR as container NAME's initial files")
    ap.add_argument('--bin', required=True)
    ap.add_argument('--elf', required=True)
    args = ap.parse_args(argv)
    try:
        pack(args)
    except (PackError, manifestmod.ManifestError, boardmod.BoardError,
            elf.ElfError, OSError) as e:
        print(f'pack: error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
