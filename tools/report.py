#!/usr/bin/python3
"""Image report: what a packed image puts where, like Microkit's report.txt.

Usage: report.py image.bin [--board NAME] [--out report.txt]
                 [--map memory_map.svg]
Builds the report from the image alone (its table and boot info, decoded
as tools/inspect_image.py does) and the board's board.toml: the board's
physical memory map as a table with its free gaps, the devices, and per
container its regions, program size against region size, stack,
capabilities, budgets and their kernel-memory cost (tools/manifest.py's
kernel_memory), CPU budget and cores, devices and IRQs, restart policy.
The build writes it next to image.bin (report.txt, memory_map.svg);
`inspect_image.py --report image.bin` prints the same text.
"""
import argparse
import os
import sys
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import board as boardmod  # noqa: E402
import captab  # noqa: E402
import image_format as fmt  # noqa: E402
import inspect_image  # noqa: E402
import manifest as manifestmod  # noqa: E402
import version as versionmod  # noqa: E402

PAGE = manifestmod.PAGE
# what a row of the memory map is: a free gap, something the image puts
# there, or a range reserved but not (all) filled
FREE, USED, RESERVED = 'free', 'used', 'reserved'


class ReportError(Exception):
    pass


@dataclass
class Row:
    start: int
    end: int
    what: str
    kind: str = USED
    owner: str = ''  # the container it belongs to ('' for the system)

    @property
    def size(self):
        return self.end - self.start


@dataclass
class ContainerInfo:
    index: int
    desc: dict          # inspect_image's boot-info descriptor
    program_size: int   # the program part's mem_size (ELF loaded size)
    physmem: list = field(default_factory=list)   # physmem caps
    virtmem: list = field(default_factory=list)
    devices: list = field(default_factory=list)   # devmem caps
    budget: dict = field(default_factory=dict)
    kernel_memory: int = 0


@dataclass
class Report:
    board: dict
    img: object
    ram: list       # Rows tiling the board's RAM, in address order
    devices: list   # Rows outside RAM: the kernel's devices, peripherals
    containers: list


def _up(n):
    return (n + PAGE - 1) & ~(PAGE - 1)


def size_text(n):
    """In the largest unit it reaches: 0x100000 -> '1 MiB', 0xed3000 ->
    '14.82 MiB', 836 -> '836 B'."""
    for unit, shift in (('GiB', 30), ('MiB', 20), ('KiB', 10)):
        if n >= 1 << shift:
            if n % (1 << shift) == 0:
                return f'{n >> shift} {unit}'
            return f'{n / (1 << shift):.{1 if shift == 10 else 2}f} {unit}'
    return f'{n} B'


def board_for(img, name=None):
    """The board an image was built for: `name`, or the one whose
    image_base and kernel_phys match the image's table."""
    if name:
        try:
            return boardmod.load(name)
        except boardmod.BoardError as e:
            raise ReportError(str(e)) from None
    kernel = img.parts[img.kernel_part]['load_addr']
    found = []
    for n in boardmod.names():
        try:
            b = boardmod.load(n)
        except boardmod.BoardError:
            continue
        if (b['memory']['image_base'], b['memory']['kernel_phys']) == (
                img.image_base, kernel):
            found.append(b)
    if len(found) != 1:
        raise ReportError(
            f'image base 0x{img.image_base:08x}, kernel at 0x{kernel:08x}: '
            f'{"no board" if not found else "several boards"} match '
            '(give --board)')
    return found[0]


def _peripheral_of(board, base, size):
    for name, p in board.get('peripherals', {}).items():
        if p['phys'] <= base and base + size <= p['phys'] + p['size']:
            return name
    return None


def _containers(img):
    descs = img.bootinfo()
    out = []
    for i, c in enumerate(descs):
        part = img.parts[c['program_part']]
        info = ContainerInfo(i, c, part['mem_size'])
        for cap in c['caps']:
            res = cap['resource']
            name = captab.RESOURCE_NAMES.get(res)
            if name == 'physmem':
                info.physmem.append(cap)
            elif name == 'virtmem':
                info.virtmem.append(cap)
            elif name == 'devmem':
                info.devices.append(cap)
            elif name in captab.BUDGETS:
                info.budget[name] = info.budget.get(name, 0) + cap['size']
        info.budget = {k: info.budget.get(k, 0) for k in captab.BUDGETS}
        # the manifest tool's figure, from the budgets the image grants
        info.kernel_memory = manifestmod.kernel_memory(
            manifestmod.Container(index=i, name=c['name'], program='',
                                  phys=0, virt=0, size=0,
                                  budget=dict(info.budget)))
        out.append(info)
    return out


def _tile(start, end, rows, gap_what, gap_kind):
    """rows (inside start..end, not overlapping) plus rows of gap_kind
    for what lies between them: together exactly start..end."""
    out, at = [], start
    for r in sorted(rows, key=lambda r: r.start):
        if r.start < at:
            raise ReportError(f'{r.what} 0x{r.start:08x}..0x{r.end:08x} '
                              f'overlaps the row before it')
        if r.start > at:
            out.append(Row(at, r.start, gap_what, gap_kind))
        out.append(r)
        at = r.end
    if at > end:
        raise ReportError(f'{out[-1].what} ends past 0x{end:08x}')
    if at < end:
        out.append(Row(at, end, gap_what, gap_kind))
    return out


def build(img, board):
    """The report of a decoded image (inspect_image.Image) on its board."""
    mem = board['memory']
    ram_start, ram_end = mem['ram_base'], mem['ram_base'] + mem['ram_size']
    containers = _containers(img)
    kpart = img.parts[img.kernel_part]
    bpart = img.parts[img.bootinfo_part]
    kres_end = mem['kernel_phys'] + mem['kernel_reserve']
    kernel = [Row(kpart['load_addr'], kpart['load_addr'] +
                  _up(kpart['mem_size']), 'kernel image (code, data, bss)'),
              Row(bpart['load_addr'], max(kres_end, bpart['load_addr'] +
                                          _up(bpart['mem_size'])),
                  f'boot info ({bpart["mem_size"]} bytes)')]
    top = _tile(mem['kernel_phys'], kres_end, kernel,
                'kernel reserve (rest: free for kernel memory)', RESERVED)
    image_end = img.image_base + _up(img.image_size)
    boot = [Row(img.image_base, img.image_base + img.table_offset,
                'loader (code, data, bss, stack)'),
            Row(img.image_base + img.table_offset, image_end,
                f'packed image (table and {img.nr_parts} lz4 parts)')]
    top += _tile(img.image_base, ram_end, boot,
                 'boot image reserve (unused)', RESERVED)
    for info in containers:
        name = info.desc['name']
        mapped = {(r['phys'], r['size']): r for r in info.desc['regions']}
        for n, cap in enumerate(info.physmem):
            r = mapped.get((cap['base'], cap['size']))
            if n == 0:
                what = f'{name}: program region'
            elif r is not None:
                what = f'{name}: memory at virt 0x{r["virt"]:08x}'
            else:
                what = f'{name}: memory (not mapped at boot)'
            top.append(Row(cap['base'], cap['base'] + cap['size'], what,
                           owner=name))
    ram = _tile(ram_start, ram_end, top, 'free', FREE)
    # devices: the kernel's own pages, every peripheral (who holds it),
    # container devices that are part of a peripheral
    holders = {}
    extra = []
    for info in containers:
        for cap in info.devices:
            p = _peripheral_of(board, cap['base'], cap['size'])
            pp = board.get('peripherals', {}).get(p)
            if pp and (pp['phys'], pp['size']) == (cap['base'], cap['size']):
                holders.setdefault(p, []).append(info.desc['name'])
            else:
                extra.append(Row(cap['base'], cap['base'] + cap['size'],
                                 f'{info.desc["name"]}: device (part of '
                                 f'peripheral {p or "?"})',
                                 owner=info.desc['name']))
    devices = [Row(s, e, f'kernel device {n}', RESERVED)
               for n, s, e in boardmod.kernel_device_pages(board)]
    for n, p in board.get('peripherals', {}).items():
        who = holders.get(n)
        devices.append(Row(p['phys'], p['phys'] + p['size'],
                           f'{who[0]}: device {n}' if who else
                           f'peripheral {n} (unassigned)',
                           USED if who else FREE,
                           owner=who[0] if who else ''))
    devices = sorted(devices + extra, key=lambda r: (r.start, -r.size))
    return Report(board, img, ram, devices, containers)


# ------------------------------------------------------------------ text
def _row_line(r):
    return (f'  0x{r.start:08x}  0x{r.end:08x}  0x{r.size:08x} '
            f'{size_text(r.size):>10}  {r.kind:<8}  {r.what}')


def _access(flags):
    return ''.join(c if flags & b else '-' for c, b in (
        ('r', fmt.BI_REGION_READ), ('w', fmt.BI_REGION_WRITE),
        ('x', fmt.BI_REGION_EXEC)))


def text(rep):
    """The report as text (report.txt)."""
    img, board = rep.img, rep.board
    mem = board['memory']
    out = []
    add = out.append
    add(f'Tessera {versionmod.from_code(img.product_version)} image report')
    add('')
    add(f'board        {board["board"]["name"]}: '
        f'{board["board"].get("description", "")}')
    add(f'cores        {board["smp"]["cpus"]} on the board')
    ram_end = mem['ram_base'] + mem['ram_size']
    add(f'RAM          0x{mem["ram_base"]:08x}..0x{ram_end:08x} '
        f'({size_text(mem["ram_size"])})')
    add(f'image        base 0x{img.image_base:08x}, {img.image_size} bytes,'
        f' table at +0x{img.table_offset:x}, table format {img.version},'
        f' {img.nr_parts} parts')
    add(f'kernel       0x{img.parts[img.kernel_part]["load_addr"]:08x}, '
        f'{img.parts[img.kernel_part]["mem_size"]} bytes loaded, entry '
        f'0x{img.parts[img.kernel_part]["entry"]:08x}; reserve '
        f'{size_text(mem["kernel_reserve"])}')
    add('')
    head = (f'  {"start":<10}  {"end":<10}  {"size":<10} {"":>10}  '
            f'{"kind":<8}  what')
    add('Physical memory map (RAM)')
    add(head)
    for r in rep.ram:
        add(_row_line(r))
    free = [r for r in rep.ram if r.kind == FREE]
    used = sum(r.size for r in rep.ram if r.kind != FREE)
    add(f'  total: {size_text(mem["ram_size"])} = '
        f'{size_text(used)} used or reserved + '
        f'{size_text(sum(r.size for r in free))} free')
    add('')
    add('Free gaps (RAM no part, container or reserve claims; the kernel '
        'allocates its memory from them at run time)')
    for r in free:
        add(f'  0x{r.start:08x}..0x{r.end:08x}  {size_text(r.size)}')
    if not free:
        add('  none')
    add('')
    add('Devices (outside RAM)')
    add(head)
    for r in rep.devices:
        add(_row_line(r))
    add('')
    pool = mem['kernel_reserve'] - manifestmod.KERNEL_STATIC
    total = sum(c.kernel_memory for c in rep.containers)
    add(f'Containers: {len(rep.containers)}; their budgets may cost the '
        f'kernel {size_text(total)} of its {size_text(pool)} pool '
        f'(kernel_reserve - {size_text(manifestmod.KERNEL_STATIC)})')
    names = [c.desc['name'] for c in rep.containers]
    for info in rep.containers:
        out += _container_text(info, names)
    return '\n'.join(out) + '\n'


def _container_text(info, names):
    c = info.desc
    out = ['']
    add = out.append
    add(f'container {info.index} "{c["name"]}"')
    restart = inspect_image.RESTART_NAMES.get(c['restart'], str(c['restart']))
    if c['restart'] in (fmt.BI_RESTART_ON_FAILURE, fmt.BI_RESTART_ALWAYS):
        restart += (f' (limit {c["restart_limit"]})' if c['restart_limit']
                    else ' (no limit)')
    add(f'  priority     {c["priority"]}')
    add(f'  cores        {inspect_image.cpus_text(c["cpu_mask"])} '
        f'(cpu_mask 0x{c["cpu_mask"]:x})')
    if c['cpu_period_us']:
        add(f'  cpu budget   {c["cpu_budget_us"]} us every '
            f'{c["cpu_period_us"]} us '
            f'({100 * c["cpu_budget_us"] / c["cpu_period_us"]:.1f} %)')
    else:
        add('  cpu budget   none')
    add(f'  restart      {restart}')
    add(f'  entry        0x{c["entry"]:08x}')
    prog = next((r for r in c['regions']
                 if r['kind'] == fmt.BI_REGION_PROGRAM), None)
    add('  regions      (mapped for the pager at boot)')
    add(f'    {"kind":<8} {"phys":<10}  {"virt":<10}  {"size":<10} '
        f'{"":>10}  access')
    for r in c['regions']:
        add(f'    {inspect_image.REGION_NAMES.get(r["kind"], "?"):<8} '
            f'0x{r["phys"]:08x}  0x{r["virt"]:08x}  0x{r["size"]:08x} '
            f'{size_text(r["size"]):>10}  {_access(r["flags"])}')
    mapped = {(r['phys'], r['size']) for r in c['regions']}
    for cap in info.physmem:
        if (cap['base'], cap['size']) not in mapped:
            add(f'    {"memory":<8} 0x{cap["base"]:08x}  {"(unmapped)":<10}'
                f'  0x{cap["size"]:08x} {size_text(cap["size"]):>10}  '
                f'{captab.access_text(cap["ops"])}')
    if prog:
        room = c['stack_top'] - (prog['virt'] + _up(info.program_size))
        add(f'  program      {info.program_size} bytes loaded '
            f'({size_text(info.program_size)}) in a region of '
            f'{size_text(prog["size"])} '
            f'({100 * info.program_size / prog["size"]:.1f} %)')
        add(f'  stack        top 0x{c["stack_top"]:08x} (just below the '
            f'UTCB page); {size_text(room)} free between the program\'s '
            'end and it')
        add('               (holds the stack; its declared size is checked '
            'by the packer, not recorded in the image)')
    for cap in info.virtmem:
        add(f'  virtual      0x{cap["base"]:08x}..'
            f'0x{cap["base"] + cap["size"]:08x} ({size_text(cap["size"])})')
    if info.devices:
        for cap in info.devices:
            irq = ('no irq' if cap['irq'] == captab.CAP_NO_IRQ
                   else f'irq {cap["irq"]}')
            add(f'  device       0x{cap["base"]:08x}..'
                f'0x{cap["base"] + cap["size"]:08x} '
                f'({size_text(cap["size"])}), {irq}')
    else:
        add('  devices      none')
    irqs = [cap['irq'] for cap in info.devices
            if cap['irq'] != captab.CAP_NO_IRQ]
    add(f'  irqs         {", ".join(map(str, irqs)) or "none"}')
    add('  budgets      ' + ', '.join(f'{k} {v}' for k, v in
                                      info.budget.items()))
    add(f'  kernel mem   {info.kernel_memory} bytes '
        f'({size_text(info.kernel_memory)}) at most, for its budgets and '
        'its pager (tools/manifest.py kernel_memory)')
    add(f'  capabilities {len(c["caps"])}')
    for n, cap in enumerate(c['caps']):
        add(f'    {n:>2} {inspect_image.cap_text(cap, names)}')
    return out


# ---------------------------------------------------------------- picture
def draw(rep, path):
    """The physical memory map as a picture (SVG or PNG by the suffix):
    RAM on the left, devices on the right, every row labelled with its
    range and size. Heights grow with the logarithm of the size, so a 4 KiB
    page and 128 MiB of free RAM are both readable."""
    import math

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    matplotlib.rcParams['svg.hashsalt'] = 'tessera-report'
    matplotlib.rcParams['svg.fonttype'] = 'none'  # text stays text
    owners = sorted({r.owner for r in rep.ram + rep.devices if r.owner})
    cmap = matplotlib.colormaps['tab20']
    colour = {o: cmap(i % 20) for i, o in enumerate(owners)}
    system = {FREE: '#ffffff', RESERVED: '#d9d9d9', USED: '#9ecae1'}

    def height(r):
        return 1 + math.log2(max(r.size, PAGE) / PAGE) / 4

    columns = [('RAM', rep.ram), ('devices (outside RAM)', rep.devices)]
    total = max(sum(height(r) for r in rows) for _, rows in columns)
    fig, ax = plt.subplots(figsize=(16, max(6, total * 0.42)))
    mem = rep.board['memory']
    for col, (title, rows) in enumerate(columns):
        x = col * 8
        y = 0
        ax.text(x + 1.5, -0.6, title, ha='center', va='bottom',
                fontsize=11, weight='bold')
        for r in rows:
            h = height(r)
            face = colour.get(r.owner, system[r.kind])
            ax.add_patch(Rectangle((x, y), 3, h, facecolor=face,
                                   edgecolor='black', linewidth=0.6,
                                   hatch='//' if r.kind == FREE else None))
            ax.text(x - 0.1, y, f'0x{r.start:08x}', ha='right', va='center',
                    fontsize=6, family='monospace')
            ax.text(x + 3.15, y + h / 2, f'{r.what}\n0x{r.start:08x}..'
                    f'0x{r.end:08x}, {size_text(r.size)}', ha='left',
                    va='center', fontsize=7)
            y += h
        if rows:
            ax.text(x - 0.1, y, f'0x{rows[-1].end:08x}', ha='right',
                    va='center', fontsize=6, family='monospace')
    ax.set_xlim(-2.2, 16)
    ax.set_ylim(total + 0.3, -1.2)
    ax.axis('off')
    ax.set_title(f'{rep.board["board"]["name"]}: physical memory map '
                 f'(RAM 0x{mem["ram_base"]:08x}, '
                 f'{size_text(mem["ram_size"])}; heights not to scale)',
                 fontsize=12)
    fig.tight_layout()
    fig.savefig(path, metadata={'Date': None} if path.endswith('.svg')
                else None)
    plt.close(fig)


# ----------------------------------------------------------- command line
def report_of(path, board_name=None):
    """Load an image.bin and build its report (ReportError, ImageError,
    OSError on failure)."""
    img = inspect_image.load(path)
    problems = img.check()
    if problems:
        raise ReportError('; '.join(problems))
    return build(img, board_for(img, board_name))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('image', help='a packed image.bin')
    ap.add_argument('--board', help="the image's board (default: the one "
                    "whose image_base and kernel_phys match)")
    ap.add_argument('--out', help='write the text here (default: stdout)')
    ap.add_argument('--map', help='draw the memory map here (.svg or .png)')
    args = ap.parse_args(argv)
    try:
        rep = report_of(args.image, args.board)
        body = text(rep)
        if args.out:
            with open(args.out, 'w') as f:
                f.write(body)
        else:
            sys.stdout.write(body)
        if args.map:
            draw(rep, args.map)
    except (ReportError, inspect_image.ImageError, OSError,
            RuntimeError) as e:
        print(f'report: {args.image}: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
