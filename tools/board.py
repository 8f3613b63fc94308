"""Board descriptions: kernel/platform/<board>/board.toml.

One source for a board's memory map and QEMU command line; the build turns
it into generated/board.h for C and assembly.
"""
import os
import re
import tomllib

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BoardError(Exception):
    pass


def names():
    """Every board: the folders of kernel/platform that hold a board.toml."""
    base = os.path.join(TOP, 'kernel', 'platform')
    return sorted(d for d in os.listdir(base)
                  if os.path.isfile(os.path.join(base, d, 'board.toml')))


def board_path(name):
    return os.path.join(TOP, 'kernel', 'platform', name, 'board.toml')


def load(name):
    path = board_path(name)
    try:
        with open(path, 'rb') as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise BoardError(f'{path}: no such board description '
                         f'(CONFIG_BOARD="{name}")') from None
    except tomllib.TOMLDecodeError as e:
        raise BoardError(f'{path}: {e}') from None
    for section, keys in (('board', ('name', 'cpu')),
                          ('memory', ('ram_base', 'ram_size', 'kernel_phys',
                                      'kernel_virt', 'kernel_reserve',
                                      'image_base')),
                          ('qemu', ('binary', 'args'))):
        for key in keys:
            if key not in data.get(section, {}):
                raise BoardError(f'{path}: missing key {section}.{key}')
    drivers = data['board'].get('drivers', [])
    if not isinstance(drivers, list) or not drivers:
        raise BoardError(f'{path}: board.drivers: expected a list of the '
                         'shared drivers (kernel/platform/common/<name>.c) '
                         'the board uses')
    for d in drivers:
        if not os.path.isfile(driver_path(d)):
            raise BoardError(f'{path}: board.drivers: no driver "{d}" '
                             f'({os.path.relpath(driver_path(d), TOP)} '
                             'does not exist)')
    _check_peripherals(path, data)
    _check_smp(path, data)
    return data


PAGE = 4096
PERIPHERAL_NAME_RE = re.compile(r'^[a-z][a-z0-9_]{0,31}$')
PERIPHERAL_KEYS = {'compatible': str, 'phys': int, 'size': int, 'irqs': list}


def kernel_device_pages(data):
    """[(name, start, end)]: the page at each [devices] address (values
    that are not addresses, such as timer_irq, are left out)."""
    return [(k, v & ~(PAGE - 1), (v & ~(PAGE - 1)) + PAGE)
            for k, v in data.get('devices', {}).items()
            if isinstance(v, int) and not isinstance(v, bool) and v >= PAGE]


SMP_STARTS = ('none', 'psci', 'spin_table')
PSCI_CONDUITS = ('hvc', 'smc')


def _check_smp(path, data):
    """[smp]: cpus (the board's core count, 1-8) and how the kernel starts
    the others: start = "psci" (with psci_conduit "hvc" or "smc"),
    "spin_table" (the loader holds them, loader/spin_table.h) or "none".
    A board without the section has one core."""
    smp = data.setdefault('smp', {'cpus': 1, 'start': 'none'})
    where = f'{path}: smp'
    for key in smp:
        if key not in ('cpus', 'start', 'psci_conduit'):
            raise BoardError(f'{where}.{key}: unknown key (expected one of: '
                             'cpus, start, psci_conduit)')
    cpus = smp.get('cpus')
    if not isinstance(cpus, int) or isinstance(cpus, bool) or \
            not 1 <= cpus <= 8:
        raise BoardError(f'{where}.cpus: expected the number of cores, 1-8')
    if smp.get('start') not in SMP_STARTS:
        raise BoardError(f'{where}.start: expected one of: '
                         f'{", ".join(SMP_STARTS)}')
    if smp['start'] == 'psci' and smp.get('psci_conduit') not in \
            PSCI_CONDUITS:
        raise BoardError(f'{where}.psci_conduit: expected one of: '
                         f'{", ".join(PSCI_CONDUITS)} (start = "psci")')


def smp_problem(board, nr_cpus):
    """Why a kernel for nr_cpus cores cannot be built for board, or None."""
    smp, name = board['smp'], board['board']['name']
    if nr_cpus > smp['cpus']:
        return (f'CONFIG_NR_CPUS={nr_cpus}: board {name} has '
                f'{smp["cpus"]} core(s) ([smp] cpus)')
    if nr_cpus > 1 and smp['start'] == 'none':
        return (f'CONFIG_NR_CPUS={nr_cpus}: the kernel cannot start the '
                f'other cores of board {name} yet ([smp] start = "none")')
    return None


def _check_peripherals(path, data):
    """[peripherals.<name>]: the devices a manifest may give a container.
    Each: compatible, phys and size (page aligned, non-empty, below 4 GiB),
    irqs (ids below devices.irq_count, not the kernel's timer or console
    UART, each used by one peripheral); none in RAM, on a kernel device or on another."""
    periph = data.get('peripherals', {})
    if not isinstance(periph, dict):
        raise BoardError(f'{path}: peripherals: expected tables '
                         '[peripherals.<name>]')
    devices = data.get('devices', {})
    irq_count = devices.get('irq_count')
    timer = devices.get('timer_irq')
    mem = data['memory']
    ram = (mem['ram_base'], mem['ram_base'] + mem['ram_size'])
    seen, irqs = [], {}
    for name, p in periph.items():
        where = f'{path}: peripherals.{name}'
        if not PERIPHERAL_NAME_RE.match(name):
            raise BoardError(f'{where}: expected a name of 1-32 characters '
                             '[a-z0-9_] starting with a letter (it becomes '
                             'BOARD_PERIPHERAL_<NAME>)')
        if not isinstance(p, dict):
            raise BoardError(f'{where}: expected a table')
        for key in p:
            if key not in PERIPHERAL_KEYS:
                raise BoardError(f'{where}.{key}: unknown key (expected one '
                                 f'of: {", ".join(PERIPHERAL_KEYS)})')
        for key, kind in PERIPHERAL_KEYS.items():
            if key not in p:
                raise BoardError(f'{where}: missing key {key}')
            if not isinstance(p[key], kind) or isinstance(p[key], bool):
                raise BoardError(f'{where}.{key}: expected '
                                 f'{"a list of irq ids" if kind is list else kind.__name__}')
        phys, size = p['phys'], p['size']
        for key, value in (('phys', phys), ('size', size)):
            if value % PAGE:
                raise BoardError(f'{where}.{key}: 0x{value:x} is not a '
                                 f'multiple of the page size (0x{PAGE:x})')
        if size == 0:
            raise BoardError(f'{where}.size: must not be 0')
        if phys < 0 or phys + size > 1 << 32:
            raise BoardError(f'{where}: 0x{phys:x} + 0x{size:x} is not '
                             'below 4 GiB')
        end = phys + size
        if phys < ram[1] and ram[0] < end:
            raise BoardError(f'{where}: 0x{phys:08x}..0x{end:08x} lies in '
                             f'RAM (0x{ram[0]:08x}..0x{ram[1]:08x})')
        for dev, start, dend in kernel_device_pages(data):
            if phys < dend and start < end:
                raise BoardError(f'{where}: 0x{phys:08x}..0x{end:08x} '
                                 f'covers the kernel\'s device {dev} '
                                 f'(0x{start:08x})')
        for other, start, oend in seen:
            if phys < oend and start < end:
                raise BoardError(f'{where}: 0x{phys:08x}..0x{end:08x} '
                                 f'overlaps peripherals.{other} '
                                 f'(0x{start:08x}..0x{oend:08x})')
        seen.append((name, phys, end))
        for irq in p['irqs']:
            if not isinstance(irq, int) or isinstance(irq, bool) or irq < 0:
                raise BoardError(f'{where}.irqs: expected interrupt ids, '
                                 f'got {irq!r}')
            if irq_count is None or irq >= irq_count:
                raise BoardError(f'{where}.irqs: irq {irq} is not below '
                                 f'devices.irq_count ({irq_count})')
            if irq == timer:
                raise BoardError(f'{where}.irqs: irq {irq} is the kernel\'s '
                                 'timer (devices.timer_irq)')
            if irq == devices.get('uart_irq'):
                raise BoardError(f'{where}.irqs: irq {irq} is the kernel\'s '
                                 'console UART (devices.uart_irq)')
            if irq in irqs:
                raise BoardError(f'{where}.irqs: irq {irq} is also '
                                 f'peripherals.{irqs[irq]}\'s')
            irqs[irq] = name


def peripherals(board):
    """{name: table} of a loaded board's peripherals (maybe empty)."""
    return board.get('peripherals', {})


def driver_path(name):
    return os.path.join(TOP, 'kernel', 'platform', 'common', f'{name}.c')


def driver_sources(board):
    """The shared driver sources a board's kernel is built with, relative
    to the top directory."""
    return [os.path.relpath(driver_path(d), TOP)
            for d in board['board']['drivers']]


def c_header(board):
    """The generated/board.h text for a loaded board description."""
    lines = ['/* Generated from board.toml by tools/board.py: do not edit. */',
             '#ifndef GENERATED_BOARD_H', '#define GENERATED_BOARD_H',
             f'#define BOARD_NAME "{board["board"]["name"]}"']
    for section in ('memory', 'devices', 'clock'):
        for key, value in board.get(section, {}).items():
            lines.append(f'#define BOARD_{key.upper()} 0x{value:08x}'
                         if isinstance(value, int) and value > 255 else
                         f'#define BOARD_{key.upper()} {value}')
    for name, p in peripherals(board).items():
        n = name.upper()
        lines += [f'#define BOARD_HAS_PERIPHERAL_{n} 1',
                  f'#define BOARD_PERIPHERAL_{n}_PHYS 0x{p["phys"]:08x}',
                  f'#define BOARD_PERIPHERAL_{n}_SIZE 0x{p["size"]:x}']
        if p['irqs']:
            lines.append(f'#define BOARD_PERIPHERAL_{n}_IRQ {p["irqs"][0]}')
        lines.append(f'#define BOARD_PERIPHERAL_{n}_IRQ_COUNT '
                     f'{len(p["irqs"])}')
    smp = board['smp']
    lines.append(f'#define BOARD_CPUS {smp["cpus"]}')
    lines.append(f'#define BOARD_SMP_START_{smp["start"].upper()} 1')
    if smp['start'] == 'psci':
        lines.append(f'#define BOARD_PSCI_CONDUIT_'
                     f'{smp["psci_conduit"].upper()} 1')
    lines.append('#endif')
    return '\n'.join(lines) + '\n'
