#!/usr/bin/python3
"""Image inspector: list and verify the parts of a packed image.bin.

Usage: inspect_image.py image.bin
       inspect_image.py --report [--board NAME] image.bin
Prints the table and, for every part, whether its lz4 frame decodes to
raw_size bytes with the recorded checksum; then, from the boot info, every
container with its regions and the capabilities it starts with. Exit
status 1 if anything is bad; each problem names the part, as the target
loader does. With --report it prints the image report instead
(tools/report.py, the build's report.txt beside image.bin).
"""
import argparse
import os
import struct
import sys

import lz4.frame

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import captab  # noqa: E402
import image_format as fmt  # noqa: E402
import version as versionmod  # noqa: E402
from xxh32 import xxh32  # noqa: E402


class ImageError(Exception):
    pass


class Image:
    """A parsed image.bin (starting at the loader, i.e. image_base)."""

    def __init__(self, blob, table_offset):
        self.blob = blob
        self.table_offset = table_offset
        if table_offset + fmt.HEADER.size > len(blob):
            raise ImageError('image table: truncated')
        h = fmt.HEADER.unpack_from(blob, table_offset)
        (self.magic, self.version, self.header_size, self.part_size,
         self.nr_parts, self.image_base, self.hdr_table_offset,
         self.image_size, self.kernel_part, self.bootinfo_part,
         self.product_version, self.header_checksum) = h
        if self.magic != fmt.IMAGE_MAGIC:
            raise ImageError('image table: bad magic')
        if self.version != fmt.IMAGE_VERSION:
            raise ImageError(f'image table: format version {self.version}, '
                             f'this inspector reads {fmt.IMAGE_VERSION}')
        self.parts = []
        for i in range(self.nr_parts):
            off = table_offset + fmt.HEADER.size + i * fmt.PART.size
            (kind, name, load, entry, mem, raw, foff, fsize,
             csum) = fmt.PART.unpack_from(blob, off)
            self.parts.append(dict(
                index=i, kind=kind, name=name.rstrip(b'\0').decode(
                    errors='replace'),
                load_addr=load, entry=entry, mem_size=mem, raw_size=raw,
                frame_offset=foff, frame_size=fsize, checksum=csum,
                entry_offset=off, file_offset=table_offset + foff))

    def table_bytes(self):
        end = (self.table_offset + fmt.HEADER.size +
               self.nr_parts * fmt.PART.size)
        return self.blob[self.table_offset:end]

    def check(self):
        """Problems found, each naming the table or a part."""
        problems = []
        table = bytearray(self.table_bytes())
        struct.pack_into('<I', table, fmt.HEADER.size - 4, 0)
        if xxh32(bytes(table)) != self.header_checksum:
            problems.append('image table: header checksum mismatch')
        end = self.image_size - fmt.END.size
        if (len(self.blob) < self.image_size or
                fmt.END.unpack_from(self.blob, end) !=
                (fmt.IMAGE_END_MAGIC, self.image_size)):
            problems.append('image table: truncated (end marker missing)')
        for p in self.parts:
            frame = self.blob[p['file_offset']:p['file_offset'] +
                              p['frame_size']]
            try:
                data = lz4.frame.decompress(frame)
            except RuntimeError as e:
                problems.append(f"part {p['index']} '{p['name']}': lz4 frame:"
                                f" {e}")
                continue
            if len(data) != p['raw_size'] or xxh32_fast(data) != p['checksum']:
                problems.append(f"part {p['index']} '{p['name']}': content "
                                'checksum mismatch')
        return problems


    def part_data(self, p):
        """A part's decompressed bytes (lz4's error when it does not
        decode)."""
        return lz4.frame.decompress(self.blob[p['file_offset']:
                                              p['file_offset'] +
                                              p['frame_size']])

    def bootinfo(self):
        """The boot info's containers: a list of dicts with the descriptor's
        fields, 'regions' and 'caps' (each a dict of BI_CAP's fields)."""
        data = self.part_data(self.parts[self.bootinfo_part])
        (magic, version, size, n, csize, capsize, caps_offset,
         nr_caps) = fmt.BI_HEADER.unpack_from(data)
        if (magic, version, csize, capsize) != (
                fmt.BOOTINFO_MAGIC, fmt.BOOTINFO_VERSION,
                fmt.BI_CONTAINER_SIZE, fmt.BI_CAP.size) or size > len(data) \
                or caps_offset + nr_caps * capsize > size:
            raise ImageError('bootinfo: bad header (magic, version, sizes)')
        caps = [dict(zip(CAP_FIELDS, fmt.BI_CAP.unpack_from(
            data, caps_offset + i * capsize))) for i in range(nr_caps)]
        out = []
        for i in range(n):
            off = fmt.BI_HEADER.size + i * csize
            c = dict(zip(('name', 'program_part', 'entry', 'stack_top', 'utcb',
                          'priority', 'nr_regions'),
                         fmt.BI_CONTAINER.unpack_from(data, off)))
            c['name'] = c['name'].rstrip(b'\0').decode(errors='replace')
            off += fmt.BI_CONTAINER.size
            c['regions'] = [dict(zip(('kind', 'phys', 'virt', 'size',
                                      'flags'),
                                     fmt.BI_REGION.unpack_from(
                                         data, off + r * fmt.BI_REGION.size)))
                            for r in range(min(c['nr_regions'],
                                               fmt.BOOTINFO_MAX_REGIONS))]
            off += fmt.BOOTINFO_MAX_REGIONS * fmt.BI_REGION.size
            (c['restart'], c['restart_limit'], first, count,
             c['cpu_budget_us'], c['cpu_period_us'], c['cpu_mask']) = \
                fmt.BI_CONTAINER_TAIL.unpack_from(data, off)
            c['caps'] = caps[first:first + count]
            out.append(c)
        return out


CAP_FIELDS = ('resource', 'ops', 'flags', 'target_kind', 'target', 'base',
              'size', 'irq', 'list')
RESTART_NAMES = {fmt.BI_RESTART_NEVER: 'never',
                 fmt.BI_RESTART_ALWAYS: 'always',
                 fmt.BI_RESTART_ON_FAILURE: 'on-failure',
                 fmt.BI_RESTART_CORE: 'core'}
REGION_NAMES = {fmt.BI_REGION_PROGRAM: 'program',
                fmt.BI_REGION_MEMORY: 'memory'}


def region_text(r):
    access = ''.join(c if r['flags'] & b else '-' for c, b in (
        ('r', fmt.BI_REGION_READ), ('w', fmt.BI_REGION_WRITE),
        ('x', fmt.BI_REGION_EXEC)))
    return (f"region {REGION_NAMES.get(r['kind'], '?'):<8} phys "
            f"0x{r['phys']:08x} virt 0x{r['virt']:08x} size "
            f"0x{r['size']:08x} {access}")


def cap_text(cap, names):
    """One capability as a line: what, on what, with which rights."""
    res = cap['resource']
    kind = captab.kind(res)
    text = f"{captab.RESOURCE_NAMES.get(res, f'0x{res:x}'):<18} "
    if kind == 'quantity':
        text += f"{cap['size']} units"
    elif kind == 'memory':
        text += (f"0x{cap['base']:08x}..0x{cap['base'] + cap['size']:08x} "
                 f"{captab.access_text(cap['ops'])}")
        if cap['irq'] != captab.CAP_NO_IRQ:
            text += f" irq {cap['irq']}"
    else:
        target = captab.TARGET_NAMES.get(cap['target_kind'],
                                         str(cap['target_kind']))
        text += f"ops {captab.ops_text(res, cap['ops'])} on {target} " \
                f"{cap['target']}"
        if cap['target_kind'] == captab.CAP_TGT_CONTAINER and \
                cap['target'] < len(names):
            text += f" ({names[cap['target']]})"
    flags = captab.bits_text(cap['flags'], captab.FLAGS, captab.FLAGS_ALL)
    lst = captab.LIST_NAMES.get(cap['list'], str(cap['list']))
    return f'{text}; flags {flags}; list {lst}'


def cpus_text(mask):
    """A cpu_mask as the CPUs it names: 0x5 -> '0,2' ('none' for 0)."""
    return ','.join(str(n) for n in range(32) if mask >> n & 1) or 'none'


def print_containers(img):
    containers = img.bootinfo()
    names = [c['name'] for c in containers]
    for i, c in enumerate(containers):
        restart = RESTART_NAMES.get(c['restart'], str(c['restart']))
        if c['restart'] == fmt.BI_RESTART_ON_FAILURE:
            restart += f" (limit {c['restart_limit']})"
        cpu = (f"cpu {c['cpu_budget_us']}/{c['cpu_period_us']} us, "
               if c['cpu_period_us'] else '')
        print(f"container {i} '{c['name']}': priority {c['priority']}, "
              f"cpus {cpus_text(c['cpu_mask'])}, {cpu}entry 0x{c['entry']:08x}, restart {restart}, "
              f"{len(c['regions'])} region(s), {len(c['caps'])} "
              'capabilities')
        for r in c['regions']:
            print(f'    {region_text(r)}')
        for n, cap in enumerate(c['caps']):
            print(f'    cap {n:>2} {cap_text(cap, names)}')


def xxh32_fast(data):
    """xxh32 of data, via a fresh lz4 frame's content checksum (fast)."""
    frame = lz4.frame.compress(data, content_checksum=True)
    return struct.unpack('<I', frame[-4:])[0]


def find_table(blob):
    """The table offset: the first page boundary holding the image magic."""
    for off in range(0, len(blob) - 4, 4096):
        if struct.unpack_from('<I', blob, off)[0] == fmt.IMAGE_MAGIC:
            return off
    raise ImageError('image table: not found (no magic on a page boundary)')


def load(path):
    with open(path, 'rb') as f:
        blob = f.read()
    return Image(blob, find_table(blob))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('image')
    ap.add_argument('--report', action='store_true',
                    help="print the image report (the build's report.txt: "
                    'memory map, free gaps, containers; tools/report.py)')
    ap.add_argument('--board', help='with --report: the board (default: the '
                    "one whose image_base and kernel_phys match the image's)")
    args = ap.parse_args(argv)
    if args.report:
        import report
        return report.main([args.image] + (['--board', args.board]
                                           if args.board else []))
    try:
        img = load(args.image)
    except (ImageError, OSError) as e:
        print(f'inspect: {args.image}: {e}', file=sys.stderr)
        return 1
    print(f'image {args.image}: Tessera '
          f'{versionmod.from_code(img.product_version)}, table format '
          f'{img.version}, base '
          f'0x{img.image_base:08x}, table at +0x{img.table_offset:x}, '
          f'{img.image_size} bytes, {img.nr_parts} parts')
    print(f'  {"#":>2} {"kind":<9} {"name":<16} {"load":>10} {"entry":>10} '
          f'{"raw":>9} {"frame":>9} {"checksum":>10}')
    for p in img.parts:
        print(f"  {p['index']:>2} {fmt.PART_KIND_NAMES.get(p['kind'], '?'):<9}"
              f" {p['name']:<16} 0x{p['load_addr']:08x} 0x{p['entry']:08x} "
              f"{p['raw_size']:>9} {p['frame_size']:>9} 0x{p['checksum']:08x}")
    problems = img.check()
    if not problems:
        try:
            print_containers(img)
        except (ImageError, RuntimeError, struct.error) as e:
            problems.append(f'bootinfo: {e}')
    for p in problems:
        print(f'inspect: {p}', file=sys.stderr)
    print('image ok' if not problems else f'{len(problems)} problem(s)')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
