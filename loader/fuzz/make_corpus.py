#!/usr/bin/python3
"""Write the seed corpus of the host fuzz targets (loader/fuzz/corpus/).

usage: loader/fuzz/make_corpus.py [--image build/fz/image.bin]

Every seed is made here, deterministically, from python3-lz4 frames and the
layouts of tools/image_format.py; with --image, the seeds taken from a real
build (the whole image, the image trimmed to its table and frames, its
boot-info part) are rewritten too, otherwise they are left as they are.
Each target's input starts with the prefix its source file describes.
"""
import argparse
import os
import struct
import sys

import lz4.frame

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, 'tools'))

import image_format as fmt  # noqa: E402
from xxh32 import xxh32  # noqa: E402

CORPUS = os.path.join(HERE, 'corpus')
RAM_BASE, RAM_SIZE = 0x40000000, 0x10000000  # qemu_virt
IMAGE_BASE = 0x48000000


def rng_bytes(n, seed):
    """Deterministic pseudo-random bytes (xorshift32)."""
    x, out = seed or 1, bytearray()
    for _ in range(n):
        x ^= (x << 13) & 0xffffffff
        x ^= x >> 17
        x ^= (x << 5) & 0xffffffff
        out.append(x & 0xff)
    return bytes(out)


def frame(data, checksum=True, size=False, block_checksum=False,
          linked=False, block=lz4.frame.BLOCKSIZE_MAX64KB, level=0):
    return lz4.frame.compress(data, content_checksum=checksum,
                              store_size=size, block_checksum=block_checksum,
                              block_linked=linked, block_size=block,
                              compression_level=level)


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# ---------------------------------------------------------------- lz4
def lz4_prefix(cap, require=True, out_mis=0, in_mis=0):
    return struct.pack('<I', cap & 0xFFFFF | (int(require) | out_mis << 1 |
                                               in_mis << 3) << 24)


TEXT = b'Tessera loader: image table and lz4 frames. ' * 6
SAMPLES = {
    'empty': b'',
    'byte': b'x',
    'text': TEXT,
    'zeros': bytes(700),
    'period3': b'abc' * 150,
    'period7': b'0123456' * 90,
    'random': rng_bytes(300, 7),
    'mixed': rng_bytes(40, 3) + b'ab' * 40 + rng_bytes(20, 5) + TEXT[:90],
}


def lz4frame_corpus():
    t = 'fuzz_lz4frame'
    for name, data in SAMPLES.items():
        write(t, f'{name}', lz4_prefix(len(data)) + frame(data))
    text = SAMPLES['text']
    write(t, 'text-size-blockcsum',
          lz4_prefix(len(text), out_mis=1, in_mis=2) +
          frame(text, size=True, block_checksum=True))
    write(t, 'text-no-checksum', lz4_prefix(len(text), require=False) +
          frame(text, checksum=False))
    write(t, 'text-hc', lz4_prefix(len(text) + 9, out_mis=3) +
          frame(text, level=12))
    # several blocks, linked and independent (70 KB of a long pattern)
    big = (b'0123456789abcdef' * 41 + b'!') * 100
    write(t, 'blocks-linked', lz4_prefix(len(big)) +
          frame(big, linked=True, size=True))
    write(t, 'blocks-independent', lz4_prefix(len(big)) + frame(big))
    write(t, 'random-stored', lz4_prefix(300) + frame(SAMPLES['random'],
                                                      block_checksum=True))
    # edges: short of room, truncated, bad magic, trailing byte
    f = frame(text)
    write(t, 'cap-short', lz4_prefix(len(text) - 1) + f)
    write(t, 'cut-header', lz4_prefix(len(text)) + f[:6])
    write(t, 'cut-block', lz4_prefix(len(text)) + f[:len(f) // 2])
    write(t, 'cut-checksum', lz4_prefix(len(text)) + f[:-2])
    write(t, 'trailing', lz4_prefix(len(text)) + f + b'\0')
    write(t, 'bad-magic', lz4_prefix(len(text)) + b'\x05' + f[1:])
    write(t, 'prefix-only', lz4_prefix(16))


def roundtrip_corpus():
    t = 'fuzz_lz4_roundtrip'
    opts = [0x00, 0x04 | 0x08 | 0x10, 0x40 | 0x20, 0x80 | 0x04, 0xC0 | 0x1F]
    for i, (name, data) in enumerate(SAMPLES.items()):
        write(t, name, bytes([opts[i % len(opts)], i * 37 & 0xff]) + data)


# -------------------------------------------------------- image table
def image(parts, table_offset=0, loader=b'', base=IMAGE_BASE,
          kernel=0, bootinfo=1):
    """An image as tools/pack.py lays it out: parts are (kind, name,
    load_addr, mem_size, data)."""
    table_size = fmt.HEADER.size + len(parts) * fmt.PART.size
    offset = (table_size + 3) & ~3
    entries, frames = [], bytearray()
    for kind, name, addr, mem, data in parts:
        fr = frame(data, size=True, block=lz4.frame.BLOCKSIZE_MAX4MB)
        entries.append([kind, name.encode(), addr, addr if kind == 1 else 0,
                        mem, len(data), offset + len(frames), len(fr),
                        xxh32(data)])
        frames += fr + b'\0' * (-len(fr) % 4)
    size = table_offset + offset + len(frames) + fmt.END.size
    header = [fmt.IMAGE_MAGIC, fmt.IMAGE_VERSION, fmt.HEADER.size,
              fmt.PART.size, len(parts), base, table_offset, size,
              kernel, bootinfo, 0x000200, 0]
    table = fmt.HEADER.pack(*header) + b''.join(fmt.PART.pack(*e)
                                                for e in entries)
    header[-1] = xxh32(table)
    table = fmt.HEADER.pack(*header) + table[fmt.HEADER.size:]
    blob = bytearray(loader) + bytes(table_offset - len(loader))
    blob += table + bytes(offset - len(table)) + frames
    blob += fmt.END.pack(fmt.IMAGE_END_MAGIC, size)
    return bytes(blob)


def image_prefix(ram_base=RAM_BASE, ram_size=RAM_SIZE, fix=0):
    return struct.pack('<III', ram_base, ram_size, fix)


def small_parts():
    return [(fmt.PART_KERNEL, 'kernel', 0x40100000, 0x2000, TEXT[:100]),
            (fmt.PART_BOOTINFO, 'bootinfo', 0x40fff000, 0x1000, bytes(32)),
            (fmt.PART_CONTAINER, 'hello', 0x41000000, 0x3000,
             b'\x01\x02\x03' * 30)]


def image_table_corpus():
    t = 'fuzz_image_table'
    small = image(small_parts())
    write(t, 'small', image_prefix() + small)
    write(t, 'small-fix', image_prefix(fix=3) + small)
    write(t, 'small-ram-window', image_prefix(0x40100000, 0xF00000) + small)
    write(t, 'small-after-loader',
          image_prefix() + image(small_parts(), table_offset=4096,
                                 loader=rng_bytes(3000, 11)))
    two = image(small_parts()[:2])
    write(t, 'two-parts', image_prefix() + two)
    write(t, 'bootinfo-first',
          image_prefix() + image(small_parts()[1::-1], kernel=1, bootinfo=0))
    write(t, 'truncated', image_prefix() + small[:-9])
    write(t, 'truncated-fix', image_prefix(fix=1) + small[:-40])
    write(t, 'overlap-fix', image_prefix(fix=2) + image(
        small_parts()[:2] + [(fmt.PART_CONTAINER, 'c', 0x40101000, 0x1000,
                              b'c')]))
    write(t, 'table-only', image_prefix() + small[:fmt.HEADER.size])


def trimmed(img):
    """A real image with its loader cut off: the table moved to offset 0."""
    off = next(o for o in range(0, len(img), 0x1000)
               if fmt.HEADER.unpack_from(img, o)[0] == fmt.IMAGE_MAGIC)
    h = list(fmt.HEADER.unpack_from(img, off))
    size = h[7] - off
    h[5] += off  # image_base: the bytes kept stay where they were
    h[6], h[7], h[-1] = 0, size, 0
    start = off + fmt.HEADER.size
    parts = img[start:start + h[4] * fmt.PART.size]
    h[-1] = xxh32(fmt.HEADER.pack(*h) + parts)
    body = bytearray(img[off:off + size])
    body[:fmt.HEADER.size] = fmt.HEADER.pack(*h)
    body[-8:] = fmt.END.pack(fmt.IMAGE_END_MAGIC, size)
    return bytes(body), h


def from_build(path):
    with open(path, 'rb') as f:
        img = f.read()
    write('fuzz_image_table', 'build-image', image_prefix() + img)
    body, h = trimmed(img)
    write('fuzz_image_table', 'build-trimmed', image_prefix() + body)
    part = fmt.PART.unpack_from(body, fmt.HEADER.size + h[9] * fmt.PART.size)
    fr = body[part[6]:part[6] + part[7]]
    bi = lz4.frame.decompress(fr)
    write('fuzz_bootinfo', 'build-bootinfo', bi)
    return bi


# ------------------------------------------------------------ boot info
def bootinfo(containers, caps):
    """containers: (name, regions, first_cap, nr_caps, (cpu budget,
    period) in us or None), laid out as tools/pack.py does (cpu_mask 1:
    CPU 0)."""
    n = len(containers)
    caps_offset = fmt.BI_HEADER.size + n * fmt.BI_CONTAINER_SIZE
    descs = b''
    for i, (name, regions, first, ncaps, cpu) in enumerate(containers):
        descs += fmt.BI_CONTAINER.pack(name.encode(), 2 + i, 0x10000000,
                                       0x10100000, 0x10200000, 10,
                                       len(regions))
        packed = [fmt.BI_REGION.pack(*r) for r in regions]
        packed += [bytes(fmt.BI_REGION.size)] * (fmt.BOOTINFO_MAX_REGIONS -
                                                 len(regions))
        descs += b''.join(packed)
        descs += fmt.BI_CONTAINER_TAIL.pack(0, 0, first, ncaps,
                                            *(cpu or (0, 0)), 1)
    blob = b''.join(fmt.BI_CAP.pack(*c) for c in caps)
    size = caps_offset  # header + descriptors, as tools/pack.py says
    header = fmt.BI_HEADER.pack(fmt.BOOTINFO_MAGIC, fmt.BOOTINFO_VERSION,
                                size, n, fmt.BI_CONTAINER_SIZE,
                                fmt.BI_CAP.size, caps_offset, len(caps))
    return header + descs + blob


def bootinfo_corpus():
    t = 'fuzz_bootinfo'
    mem = (1, 0x41000000, 0x10000000, 0x100000, 7)
    physmem = (1, 7, 0x1f, 0, 0, 0x41000000, 0x100000, 0, 1)
    physmem2 = (1, 7, 0x1f, 0, 0, 0x41100000, 0x100000, 0, 1)
    ipc = (9, 1, 0x1f, 1, 1, 0, 0, 0, 1)
    write(t, 'none', bootinfo([], []))
    write(t, 'one', bootinfo([('one', [mem], 0, 1, None)], [physmem]))
    write(t, 'two', bootinfo(
        [('a', [mem], 0, 2, (5000, 10000)),
         ('b', [(1, 0x41100000, 0x10000000, 0x100000, 7),
                (2, 0x41180000, 0x20000000, 0x1000, 3)], 2, 1, None)],
        [physmem, ipc, physmem2]))
    write(t, 'header-only', bootinfo([], [])[:fmt.BI_HEADER.size])


def known_gaps():
    """One input per way the kernel once read past the boot info (before
    kernel/generic/bootinfo_check.c): each must now be refused by it."""
    d = os.path.join(HERE, 'known', 'fuzz_bootinfo')
    os.makedirs(d, exist_ok=True)
    mem = (1, 0x41000000, 0x10000000, 0x100000, 7)
    physmem = (1, 7, 0x1f, 0, 0, 0x41000000, 0x100000, 0, 1)

    descs_end = fmt.BI_HEADER.size + fmt.BI_CONTAINER_SIZE

    def one(nr_regions=1, first_cap=0, nr_caps=1):
        blob = bytearray(bootinfo([('one', [mem], first_cap, nr_caps, None)],
                                  [physmem]))
        # nr_regions: the last field before the regions
        struct.pack_into('<I', blob, fmt.BI_HEADER.size +
                         fmt.BI_CONTAINER.size - 4, nr_regions)
        return blob

    def header(blob, **fields):
        names = ['magic', 'version', 'size', 'nr_containers',
                 'container_size', 'cap_size', 'caps_offset', 'nr_caps']
        h = list(fmt.BI_HEADER.unpack_from(blob, 0))
        for k, v in fields.items():
            h[names.index(k)] = v
        fmt.BI_HEADER.pack_into(blob, 0, *h)
        return blob

    gaps = {
        'header-past-end': b'BINF',
        'caps-past-end': header(one(), nr_caps=2),
        'caps-misaligned': header(one()[:descs_end] + b'\0\0' +
                                  one()[descs_end:],
                                  caps_offset=descs_end + 2),
        'descriptors-past-end': header(one(), nr_containers=2),
        # regions[8..] are the descriptor's tail, then past the end
        'regions-past-array': one(nr_regions=13),
        'cap-range-wraps': one(first_cap=0xFFFFFFFF, nr_caps=1),
    }
    for name, blob in gaps.items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(bytes(blob))


def main(argv=None):
    ap = argparse.ArgumentParser(
        description='Write the seed corpus of the host fuzz targets.')
    ap.add_argument('--image', help='a built image.bin to take seeds from')
    args = ap.parse_args(argv)
    lz4frame_corpus()
    roundtrip_corpus()
    image_table_corpus()
    bootinfo_corpus()
    known_gaps()
    if args.image:
        from_build(args.image)
    return 0


if __name__ == '__main__':
    sys.exit(main())
