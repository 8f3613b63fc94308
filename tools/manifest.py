#!/usr/bin/python3
"""Container manifests: load, validate, resolve into boot-info capabilities.

A manifest (TOML, read with the standard library's tomllib) declares the
containers packed into one image: their program regions, further memory,
virtual ranges, devices, budgets, channels, capabilities and restart
policies (docs/manifest.md). Every rejection is a ManifestError whose text
is 'file:line: key.path: message' (naming both containers where two
collide); nothing is built from a bad manifest.

capabilities(manifest, container) turns one container's entries into the
struct bootinfo_cap tuples the packer writes into the boot info.

As a script: manifest.py check FILE [--board NAME] [--max-threads N]
[--nr-cpus N] validates one manifest as the build would and prints "ok" or its errors.
"""
import argparse
import difflib
import glob
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field

import captab
import elf as elfmod
import files_archive as archivemod
import image_format as fmt

FORMAT_VERSION = 2
PAGE = 4096
U32 = 1 << 32
USER_VA_END = 0x80000000          # the kernel's range starts here
KIP_ADDRESS = captab.KIP_ADDRESS  # the kernel interface page, last user page
DEFAULT_VIRTUAL = (PAGE, KIP_ADDRESS - PAGE)  # virt, size: 0x1000..KIP
MAX_MEMORY = 6                    # [[container.memory]] entries
MAX_IRQ = 1019                    # GIC interrupt ids 0..1019
DEFAULT_MAX_THREADS = 256         # Kconfig's default for CONFIG_MAX_THREADS
DEFAULT_NR_CPUS = 1               # Kconfig's default for CONFIG_NR_CPUS
NAME_RE = re.compile(r'^[a-z][a-z0-9_-]{0,15}$')
PROGRAM_PART_RE = re.compile(r'^[a-z0-9][a-z0-9_-]*$')
# The Tessera source tree (this file is tools/manifest.py): a program
# folder named from the manifest must not lead into it, but for containers/
TREE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# a program value starting so is a folder relative to the manifest's own
MANIFEST_RELATIVE = ('./', '../', '/')
ET_EXEC = 2

# Kernel memory one budget unit may cost, an upper estimate (docs/manifest.md,
# "Fitting the board"): a thread 1 KiB (its struct thread from kmalloc;
# kernel stacks are per CPU), an address space 12 KiB (its 8 KiB user
# first-level table, its struct space and slack), a page-table page 4 KiB
# (each second-level table is allocated as a page), a capability 64 bytes;
# mutex waits (they use the waiting thread's TCB) and IRQs count nothing.
KMEM_PER_UNIT = {'threads': 1024, 'spaces': 12 * 1024, 'mutexes': 0,
                 'pt_pages': 4096, 'caps': 64, 'irqs': 0}
KERNEL_STATIC = 2 << 20  # kernel image and static data in kernel_reserve

RESTART = {'never': fmt.BI_RESTART_NEVER, 'always': fmt.BI_RESTART_ALWAYS,
           'on-failure': fmt.BI_RESTART_ON_FAILURE,
           'core': fmt.BI_RESTART_CORE}
ACCESS = ('r', 'rw', 'rx', 'rwx')
BUDGET_DEFAULTS = {'threads': 64, 'spaces': 8, 'mutexes': 64, 'pt_pages': 64,
                   'caps': 32}     # irqs: the number of devices with an irq

# Keys of each table and their kinds (see _typed).
CONTAINER_KEYS = {
    'name': 'str', 'program': 'str', 'phys': 'int', 'ram_offset': 'int',
    'virt': 'int',
    'size': 'int', 'stack': 'int', 'priority': 'int', 'restart': 'str',
    'restart_limit': 'int', 'channels': 'names', 'own_caps': 'bool',
    'budget': 'table', 'cpu': 'table', 'memory': 'tables',
    'virtual': 'tables', 'device': 'tables', 'capability': 'tables',
    'scheduler': 'str', 'forward_schedulers': 'names', 'cpus': 'array',
    'elf': 'str', 'posix': 'table',
}
# and phys or ram_offset, and program or elf
REQUIRED = ('name', 'virt', 'size')
BUDGET_KEYS = {k: 'int' for k in captab.BUDGETS}
CPU_KEYS = {'budget_us': 'int', 'period_us': 'int'}
# A CPU budget's period: long enough that enforcing it (a timer interrupt
# per period at least) costs little, short enough for the counter
# arithmetic (microseconds in 32 bits) and for a useful bound.
CPU_PERIOD_US = (100, 1000000)
CPU_BUDGET_MIN_US = 10
MEMORY_KEYS = {'phys': 'int', 'ram_offset': 'int', 'size': 'int',
               'virt': 'int', 'access': 'str', 'files': 'str'}
VIRTUAL_KEYS = {'virt': 'int', 'size': 'int'}
DEVICE_KEYS = {'name': 'str', 'peripheral': 'str', 'optional': 'bool',
               'phys': 'int', 'size': 'int', 'irq': 'int'}
# [container.posix]: a POSIX container's first process (docs/posix.md)
POSIX_KEYS = {'init': 'str'}
POSIX_INIT_WORDS = 7     # init.c's exec_etc_init: at most 7 words
POSIX_INIT_MAX = 255     # bytes of the line it reads
CAPABILITY_KEYS = {'resource': 'str', 'target': 'str', 'ops': 'all_or_names',
                   'flags': 'all_or_names', 'scope': 'str'}


class ManifestError(Exception):
    """A manifest problem; str() is 'file:line: key.path: message'."""


@dataclass
class Range:
    """An address range and where the manifest declares it."""
    what: str   # 'program region', 'memory[0]', 'device "uart1"', ...
    path: str   # key path of its start address
    start: int
    size: int
    offset: object = None  # the ram_offset it was declared with, or None

    @property
    def end(self):
        return self.start + self.size

    def text(self):
        """The physical range, with the declared ram_offset if any."""
        if self.offset is None:
            return f'0x{self.start:08x}..0x{self.end:08x}'
        return (f'0x{self.start:08x}..0x{self.end:08x} (ram_offset '
                f'0x{self.offset:08x})')

    def overlaps(self, other):
        return self.start < other.end and other.start < self.end

    def overlap_text(self, other):
        """'0x41000000..0x41001000 (0x1000 (4 KiB)) in common'."""
        lo, hi = max(self.start, other.start), min(self.end, other.end)
        return f'0x{lo:08x}..0x{hi:08x} ({size_text(hi - lo)}) in common'


@dataclass
class Memory:
    phys: int     # resolved: ram_base + ram_offset when given so
    size: int
    virt: object  # int, or None when not mapped at boot
    access: str
    path: str
    ram_offset: object = None  # as declared, or None (phys given)
    # files = "./rootfs": that folder (resolved) packed into this region
    # as the archive posix/fs reads (tools/files_archive.py), or None
    files: object = None

    @property
    def phys_key(self):
        return 'phys' if self.ram_offset is None else 'ram_offset'


@dataclass
class Device:
    name: str
    phys: int
    size: int
    irq: object  # int, or None
    path: str
    peripheral: object = None  # the board peripheral it names, or None


@dataclass
class CapEntry:
    resource: str
    target: str   # 'self' or a container name
    ops: int
    flags: int
    scope: str
    path: str


@dataclass
class Container:
    index: int
    name: str
    program: str  # as written; '' when a prebuilt elf is given instead
    phys: int   # resolved: ram_base + ram_offset when given so
    virt: int
    size: int
    ram_offset: object = None  # as declared, or None (phys given)
    stack: int = 0x4000
    priority: int = 10
    restart: str = 'never'
    restart_limit: int = 0
    channels: list = field(default_factory=list)
    own_caps: bool = True
    budget: dict = field(default_factory=dict)
    cpu: object = None  # (budget_us, period_us), or None: no CPU budget
    # the CPUs its threads may run on (default: every CPU the kernel
    # starts, 0..CONFIG_NR_CPUS-1)
    cpus: list = field(default_factory=lambda: [0])
    scheduler: object = None  # the container scheduling its threads
    # containers its scheduler may forward a thread's start to
    forward_schedulers: list = field(default_factory=list)
    memory: list = field(default_factory=list)
    virtual: list = field(default_factory=list)  # [(virt, size)]; [] = default
    devices: list = field(default_factory=list)
    capabilities: list = field(default_factory=list)
    path: str = ''
    # the keys its [[container]] table gives (the others take defaults)
    declared: frozenset = frozenset()
    # the program's folder, resolved (absolute): under containers/, or
    # relative to the manifest's folder for a program starting with ./,
    # ../ or /; None with elf
    program_dir: object = None
    elf: object = None  # a prebuilt program's ELF, resolved (absolute)
    # [container.posix] init: the command line of its first process, which
    # the files archive carries as /etc/init; None without
    posix_init: object = None

    @property
    def phys_key(self):
        """The key its program region's start was declared with."""
        return 'phys' if self.ram_offset is None else 'ram_offset'

    @property
    def program_name(self):
        """The program's ELF name: the last part of its folder's path
        (of a prebuilt ELF: its file name without .elf)."""
        if self.elf:
            name = os.path.basename(self.elf)
            return name[:-4] if name.endswith('.elf') else name
        if self.program_dir:
            return os.path.basename(self.program_dir)
        return self.program.rstrip('/').rsplit('/', 1)[-1]

    @property
    def out_of_tree(self):
        """Whether its program is named from the manifest's folder."""
        return self.program.startswith(MANIFEST_RELATIVE)

    @property
    def utcb(self):
        """The pager's UTCB: the region's last page."""
        return self.virt + self.size - PAGE

    @property
    def stack_top(self):
        """The pager's stack grows down from just below its UTCB."""
        return self.utcb

    def link_params(self):
        """What the program's link depends on (for exact rebuilds)."""
        return f'{self.program_dir or self.program}@0x{self.virt:08x}'

    def virtual_ranges(self):
        """[(virt, size)] it may map at (the default when none declared)."""
        return self.virtual or [DEFAULT_VIRTUAL]

    def regions(self):
        """struct bootinfo_region tuples: the program region, then each
        memory entry with a virt (mapped for the pager at boot)."""
        rwx = fmt.BI_REGION_READ | fmt.BI_REGION_WRITE | fmt.BI_REGION_EXEC
        out = [(fmt.BI_REGION_PROGRAM, self.phys, self.virt, self.size, rwx)]
        for m in self.memory:
            if m.virt is not None:
                flags = sum(bit for letter, bit in (
                    ('r', fmt.BI_REGION_READ), ('w', fmt.BI_REGION_WRITE),
                    ('x', fmt.BI_REGION_EXEC)) if letter in m.access)
                out.append((fmt.BI_REGION_MEMORY, m.phys, m.virt, m.size,
                            flags))
        return out

    @property
    def restart_code(self):
        return RESTART[self.restart]

    @property
    def cpu_mask(self):
        """struct bootinfo_container's cpu_mask: bit n = CPU n."""
        return sum(1 << n for n in self.cpus)


@dataclass
class Manifest:
    path: str
    containers: list = field(default_factory=list)
    # 'file:line: key.path: text' of what the build leaves out (an
    # optional device the board lacks); printed, never an error
    notes: list = field(default_factory=list)
    lines: object = None  # key path -> line (_Lines), for where()

    def where(self, keypath):
        """'file:line: key.path' of a declaration, for messages of later
        checks (the packer's) that blame a manifest key."""
        line = self.lines.line_of(keypath) if self.lines else 1
        return f'{self.path}:{line}: {keypath}'

    def index_of(self, name, me=None):
        """The index of container `name` ('self' is `me`'s own)."""
        if name == 'self':
            return me.index
        return next(c.index for c in self.containers if c.name == name)


# ---------------------------------------------------------- line finding
class _Lines:
    """Key path -> line, from a structural scan of the (valid) TOML text.

    tomllib gives no positions, so this walks the text once: table headers
    ([a.b], [[a.b]] with their array indices), keys (dotted, quoted),
    inline tables and arrays. Paths look like container[1].memory[0].phys.
    """

    def __init__(self, text):
        self.text, self.pos, self.line = text, 0, 1
        self.lines = {}
        self.arrays = {}
        self._scan()

    def line_of(self, path):
        """The line of path, else of its nearest ancestor, else 1."""
        while path not in self.lines:
            parent = re.sub(r'(\.[^.\[\]]+|\[\d+\])$', '', path)
            if parent == path:
                return 1
            path = parent
        return self.lines[path]

    # -- the scanner (assumes tomllib accepted the text)
    def _peek(self, n=1):
        return self.text[self.pos:self.pos + n]

    def _advance(self, n=1):
        chunk = self.text[self.pos:self.pos + n]
        self.line += chunk.count('\n')
        self.pos += n

    def _skip(self, newlines):
        while self.pos < len(self.text):
            c = self._peek()
            if c in ' \t\r' or (newlines and c == '\n'):
                self._advance()
            elif c == '#':
                while self.pos < len(self.text) and self._peek() != '\n':
                    self._advance()
            else:
                return

    def _string(self):
        q = self._peek()
        if self._peek(3) == q * 3:
            self._advance(3)
            while self.pos < len(self.text) and self._peek(3) != q * 3:
                self._advance(2 if q == '"' and self._peek() == '\\' else 1)
            self._advance(3)
            while self._peek() == q:  # up to two quotes may close it
                self._advance()
            return ''
        self._advance()
        start = self.pos
        while self.pos < len(self.text) and self._peek() != q:
            self._advance(2 if q == '"' and self._peek() == '\\' else 1)
        value = self.text[start:self.pos]
        self._advance()
        return value

    def _key(self):
        parts = []
        while True:
            self._skip(False)
            if self._peek() in '"\'':
                parts.append(self._string())
            else:
                m = re.compile(r'[A-Za-z0-9_-]+').match(self.text, self.pos)
                parts.append(m.group(0) if m else '')
                self._advance(len(parts[-1]) or 1)
            self._skip(False)
            if self._peek() != '.':
                return parts
            self._advance()

    def _join(self, base, key):
        return f'{base}.{key}' if base else key

    def _resolve(self, parts):
        """Header parts to a path, stepping into arrays' last elements."""
        path = ''
        for p in parts:
            path = self._join(path, p)
            if path in self.arrays:
                path = f'{path}[{self.arrays[path] - 1}]'
        return path

    def _record(self, path, line):
        self.lines.setdefault(path, line)

    def _value(self, path):
        c = self._peek()
        if c == '{':
            self._advance()
            while True:
                self._skip(False)
                if self._peek() in ('}', ''):
                    self._advance()
                    return
                line = self.line
                key = self._join(path, '.'.join(self._key()))
                self._record(key, line)
                self._advance()  # '='
                self._skip(False)
                self._value(key)
                self._skip(False)
                if self._peek() == ',':
                    self._advance()
        elif c == '[':
            self._advance()
            index = 0
            while True:
                self._skip(True)
                if self._peek() in (']', ''):
                    self._advance()
                    return
                self._record(f'{path}[{index}]', self.line)
                self._value(f'{path}[{index}]')
                index += 1
                self._skip(True)
                if self._peek() == ',':
                    self._advance()
        elif c in '"\'':
            self._string()
        else:
            while self.pos < len(self.text) and \
                    self._peek() not in ',]}\n#':
                self._advance()

    def _scan(self):
        table = ''
        while True:
            self._skip(True)
            if self.pos >= len(self.text):
                return
            line = self.line
            if self._peek(2) == '[[':
                self._advance(2)
                parts = self._key()
                parent = self._resolve(parts[:-1])
                array = self._join(parent, parts[-1])
                self._record(array, line)
                index = self.arrays.get(array, 0)
                self.arrays[array] = index + 1
                table = f'{array}[{index}]'
                self._advance(2)
                self._record(table, line)
            elif self._peek() == '[':
                self._advance()
                table = self._resolve(self._key())
                self._advance()
                self._record(table, line)
            else:
                key = self._join(table, '.'.join(self._key()))
                self._record(key, line)
                self._advance()  # '='
                self._skip(False)
                self._value(key)


# --------------------------------------------------------------- checking
class _Checker:
    def __init__(self, path, text):
        self.path = path
        self.lines = _Lines(text)
        self.notes = []

    def line(self, keypath):
        return self.lines.line_of(keypath)

    def error(self, keypath, msg):
        return ManifestError(f'{self.path}:{self.line(keypath)}: {keypath}: '
                             f'{msg}')

    def note(self, keypath, msg):
        self.notes.append(f'{self.path}:{self.line(keypath)}: {keypath}: '
                          f'{msg}')

    def where(self, r):
        """How a message names another declaration: its path and line."""
        return f'{r.path}, line {self.line(r.path)}'


def _type_name(v):
    return {bool: 'bool', int: 'int', str: 'str', list: 'array',
            dict: 'table', float: 'float'}.get(type(v), type(v).__name__)


def size_text(n):
    """A byte count for messages: '0x4000 (16 KiB)', '0x100000 (1 MiB)',
    '0x6100 (24.2 KiB)', '0x200 (512 bytes)'; negative with a '-'."""
    if n < 0:
        return '-' + size_text(-n)
    return f'0x{n:x} ({_unit(n)})'


def _unit(n):
    """'1 MiB', '16 KiB', '24.2 KiB', '512 bytes'."""
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f'{n >> 20} MiB'
    if n >= 1024 and n % 1024 == 0:
        return f'{n // 1024} KiB'
    if n >= 1024:
        return f'{n / 1024:.1f} KiB'
    return f'{n} bytes'


def did_you_mean(word, choices, cutoff=0.6):
    """': did you mean "x"?' for the choice closest to word (difflib),
    or '' when none is close."""
    if not isinstance(word, str):
        return ''
    close = difflib.get_close_matches(word, list(choices), n=1,
                                      cutoff=cutoff)
    if not close and word.lower() != word:
        close = difflib.get_close_matches(word.lower(), list(choices), n=1,
                                          cutoff=cutoff)
    return f': did you mean "{close[0]}"?' if close else ''


# Keys of one table that belong to another: a hint where the misplaced
# key goes (threads = 16 written in [[container]] instead of its budget).
ELSEWHERE = {'container': [('[container.budget]', captab.BUDGETS),
                           ('cpu = { ... }', CPU_KEYS)]}


def _typed(ck, path, value, kind):
    """Check value is of kind; returns it."""
    ok = {
        'int': isinstance(value, int) and not isinstance(value, bool),
        'str': isinstance(value, str),
        'bool': isinstance(value, bool),
        'array': isinstance(value, list),
        'names': isinstance(value, list) and
        all(isinstance(v, str) for v in value),
        'all_or_names': value == 'all' or (
            isinstance(value, list) and
            all(isinstance(v, str) for v in value)),
        'table': isinstance(value, dict),
        'tables': isinstance(value, list) and
        all(isinstance(v, dict) for v in value),
    }[kind]
    if not ok:
        want = {'names': 'an array of strings', 'array': 'an array',
                'all_or_names': '"all" or an array of strings',
                'table': f'a table ([{path.split(".")[-1]}] or {{ ... }})',
                'tables': 'an array of tables ([[...]])'}.get(kind, kind)
        raise ck.error(path, f'expected {want}, got {_type_name(value)}')
    if kind == 'int':
        if value < 0:
            raise ck.error(path, f'must not be negative (got {value})')
        if value >= U32:
            raise ck.error(path, f'0x{value:x} does not fit in 32 bits')
    return value


def _table(ck, path, raw, keys, required=(), defaults=None):
    """Check a table's keys and kinds; returns {key: value} with defaults."""
    for key in raw:
        if key not in keys:
            hint = did_you_mean(key, keys)
            kind = re.sub(r'\[\d+\]', '', path).rsplit('.', 1)[-1]
            for table, other in ELSEWHERE.get(kind, ()):
                if not hint and key in other:
                    hint = f': it is a key of {table}'
            raise ck.error(f'{path}.{key}', f'unknown key "{key}"{hint} '
                           f'(expected one of: {", ".join(keys)})')
    for key in required:
        if key not in raw:
            raise ck.error(f'{path}.{key}', f'missing required key "{key}"')
    for key, value in raw.items():
        _typed(ck, f'{path}.{key}', value, keys[key])
    return dict(defaults or {}, **raw)


def _range(ck, what, path, start_key, start, size, size_key='size',
           offset=None):
    """A page-aligned, non-empty range that does not wrap (offset: the
    ram_offset start was resolved from, checked and shown instead)."""
    shown = start if offset is None else offset
    for key, value in ((start_key, shown), (size_key, size)):
        if value % PAGE:
            raise ck.error(f'{path}.{key}', f'0x{value:x} is not a multiple '
                           f'of the page size (0x{PAGE:x})')
    if size == 0:
        raise ck.error(f'{path}.{size_key}', f'region is empty ({what} '
                       f'{size_key} = 0; expected a multiple of 0x{PAGE:x})')
    if start + size > U32:
        raise ck.error(f'{path}.{start_key}', f'0x{start:x} + '
                       f'{size_text(size)} = 0x{start + size:x} wraps past '
                       '4 GiB (0x100000000)')
    return Range(what, f'{path}.{start_key}', start, size, offset)


def _ram(board):
    mem = board['memory']
    return Range("the board's RAM", 'board', mem['ram_base'],
                 mem['ram_size'])


def _reserved_ranges(board):
    mem = board['memory']
    ram = _ram(board)
    return [Range('kernel', 'board', mem['kernel_phys'],
                  mem['kernel_reserve']),
            Range('boot image (loader and packed parts)', 'board',
                  mem['image_base'], ram.end - mem['image_base'])]


def _board_devices(board):
    """The kernel's own devices (one page each at their board.toml
    address): no container may be given them."""
    return [Range(f'board device {k}', 'board', v & ~(PAGE - 1), PAGE)
            for k, v in board.get('devices', {}).items()
            if isinstance(v, int) and v >= PAGE]


def _check_memory_range(ck, c, r, board):
    """Normal memory: inside RAM, clear of the kernel and the boot image."""
    ram = _ram(board)
    if r.start < ram.start or r.end > ram.end:
        size = (f', ram_offset 0x0..0x{ram.size:x}'
                if r.offset is not None else '')
        raise ck.error(r.path, f'container "{c.name}": {r.what} physical '
                       f'region {r.text()} is outside the board\'s RAM '
                       f'({ram.text()}{size})')
    for res in _reserved_ranges(board):
        if r.overlaps(res):
            raise ck.error(r.path, f'container "{c.name}": {r.what} physical '
                           f'region {r.text()} overlaps the {res.what} '
                           f'({res.text()}): {r.overlap_text(res)}')


def _peripherals(board):
    return board.get('peripherals', {})


def _board_name(board):
    return board.get('board', {}).get('name', '?')


def _check_device_range(ck, c, r, d, board):
    if r.overlaps(_ram(board)):
        raise ck.error(r.path, f'container "{c.name}": {r.what} '
                       f'{r.text()} lies in the board\'s RAM '
                       f'({_ram(board).text()}); devices must lie outside it')
    for dev in _board_devices(board):
        if r.overlaps(dev):
            raise ck.error(r.path, f'container "{c.name}": {r.what} '
                           f'{r.text()} overlaps the kernel\'s {dev.what} '
                           f'({dev.text()})')
    if d.peripheral is not None:
        return  # phys, size and irq are the board's (checked in _device)
    periph = _peripherals(board)
    inside = [(n, p) for n, p in periph.items()
              if p['phys'] <= r.start and r.end <= p['phys'] + p['size']]
    if not inside:
        have = ', '.join(f'{n} 0x{p["phys"]:08x}..0x{p["phys"] + p["size"]:08x}'
                         for n, p in sorted(periph.items())) or 'none'
        raise ck.error(r.path, f'container "{c.name}": {r.what} '
                       f'{r.text()} is not inside any peripheral of board '
                       f'{_board_name(board)} (it has: {have})')
    name, p = inside[0]
    if d.irq is not None and d.irq not in p['irqs']:
        raise ck.error(f'{d.path}.irq', f'container "{c.name}": {r.what}: '
                       f'irq {d.irq} is not an interrupt of peripheral '
                       f'"{name}" of board {_board_name(board)} (its irqs: '
                       f'{", ".join(map(str, p["irqs"])) or "none"})')


def _check_user_va(ck, c, r):
    """A user virtual range: not page 0, below the interface page."""
    if r.end > USER_VA_END:
        why = f'it reaches the kernel\'s range (from 0x{USER_VA_END:08x})'
    elif r.end > KIP_ADDRESS:
        why = (f'it covers the kernel interface page at '
               f'0x{KIP_ADDRESS:08x}')
    elif r.start == 0:
        why = 'it covers page 0'
    else:
        return
    raise ck.error(r.path, f'container "{c.name}": virtual region {r.text()} '
                   f'must lie in user space (0x{PAGE:08x}..'
                   f'0x{KIP_ADDRESS:08x}): {why}')


def _no_overlaps(ck, c, ranges, space):
    for i, a in enumerate(ranges):
        for b in ranges[:i]:
            if a.overlaps(b):
                raise ck.error(a.path, f'container "{c.name}": {a.what} '
                               f'{a.text()} overlaps its {b.what} '
                               f'{b.text()} ({ck.where(b)}) in {space} '
                               f'memory: {a.overlap_text(b)}')


def _placement(ck, path, t, board):
    """(phys, ram_offset) of a table that gives its physical start as
    exactly one of phys (absolute) and ram_offset (from the board's
    ram_base); ram_offset is None when phys was given."""
    base = board['memory']['ram_base']
    if 'phys' in t and 'ram_offset' in t:
        raise ck.error(f'{path}.ram_offset', 'give either phys (absolute) or '
                       'ram_offset (from the board\'s ram_base '
                       f'0x{base:08x}), not both')
    if 'ram_offset' in t:
        return base + t['ram_offset'], t['ram_offset']
    if 'phys' in t:
        return t['phys'], None
    raise ck.error(f'{path}.ram_offset', 'missing required key "ram_offset" '
                   '(the offset from the board\'s RAM base) or "phys" (an '
                   'absolute address): exactly one of them')


def _memory(ck, path, raw, board):
    t = _table(ck, path, raw, MEMORY_KEYS, ('size',), {'access': 'rw'})
    phys, offset = _placement(ck, path, t, board)
    if t['access'] not in ACCESS:
        raise ck.error(f'{path}.access', f'expected one of: '
                       f'{", ".join(ACCESS)} (got "{t["access"]}")'
                       f'{did_you_mean(t["access"], ACCESS)}')
    files = None
    if 'files' in t:
        if not t['files'].startswith(MANIFEST_RELATIVE):
            raise ck.error(f'{path}.files', f'"{t["files"]}": expected a '
                           'folder relative to the manifest\'s own, like '
                           '"./rootfs" (or "../x", or an absolute path)')
        files = _resolve(ck, t['files'])
    return Memory(phys, t['size'], t.get('virt'), t['access'], path, offset,
                  files)


def _posix(ck, path, raw, c, with_files):
    """[container.posix] init = "/bin/sh /etc/demo.sh": the command line
    the POSIX server's init execs (docs/posix.md, "The manifest"). The
    program must be in the container's files: a file of its folder, or
    /bin/<name> built from the folder's sibling bin/<name>/*.c."""
    t = _table(ck, path, raw, POSIX_KEYS, ('init',))
    who = f'container "{c.name}": posix.init'
    if not with_files:
        raise ck.error(f'{path}.init', f'{who} needs the container\'s files '
                       '(a [[container.memory]] entry with files = '
                       '"./rootfs") to hold the program')
    line, words = t['init'], t['init'].split()
    if not words or len(words) > POSIX_INIT_WORDS or \
            len(line.encode()) > POSIX_INIT_MAX or '\n' in line:
        raise ck.error(f'{path}.init', f'{who}: expected one line of 1 to '
                       f'{POSIX_INIT_WORDS} words separated by spaces, at '
                       f'most {POSIX_INIT_MAX} bytes (got "{line}")')
    prog = words[0]
    if not prog.startswith('/'):
        raise ck.error(f'{path}.init', f'{who}: "{prog}": expected an '
                       'absolute path in the container\'s files, like '
                       '"/bin/sh"')
    files = with_files[0].files
    if os.path.exists(os.path.join(files, 'etc', 'init')):
        raise ck.error(f'{path}.init', f'{who}: {files}/etc/init exists '
                       'too: give the command in one place')
    bindir = os.path.join(os.path.dirname(files), 'bin')
    built = sorted(n for n in (os.listdir(bindir) if os.path.isdir(bindir)
                               else [])
                   if glob.glob(os.path.join(bindir, n, '*.c')))
    if os.path.isfile(os.path.join(files, prog.lstrip('/'))) or \
            (os.path.dirname(prog) == '/bin' and
             os.path.basename(prog) in built):
        return line
    names = ['/bin/' + n for n in built] + [
        '/' + os.path.relpath(os.path.join(r, n), files)
        for r, _, ns in os.walk(files) for n in ns]
    raise ck.error(f'{path}.init', f'{who}: "{prog}" is not in the '
                   f'container\'s files ({files}, and the programs of '
                   f'{bindir}){did_you_mean(prog, names)}')


def files_archive(c, error, build=True):
    """(memory entry, archive bytes) of container c's files folder, or
    None without one (docs/manifest.md, "Initial files"); with build
    False, the archive's size instead of its bytes (no file is read).
    error(keypath, message) makes the exception raised when the folder
    cannot be packed or its archive does not fit the region."""
    for m in c.memory:
        if m.files is None:
            continue
        extra = {'etc/init': (c.posix_init + '\n').encode()} \
            if c.posix_init else None
        try:
            blob = (archivemod.build if build else archivemod.measure)(
                m.files, extra)
        except archivemod.ArchiveError as e:
            raise error(f'{m.path}.files', f'container "{c.name}": files: '
                        f'{e}') from None
        size = len(blob) if build else blob
        if size > m.size:
            raise error(f'{m.path}.files', f'container "{c.name}": the '
                        f'files of {m.files} pack into '
                        f'{size_text(size)}, more than the region\'s '
                        f'{size_text(m.size)} (raise its size)')
        return m, blob
    return None


def _device(ck, path, raw, board, cname):
    """A Device, or None: an optional peripheral the board lacks."""
    t = _table(ck, path, raw, DEVICE_KEYS, ('name',))
    if not NAME_RE.match(t['name']):
        raise ck.error(f'{path}.name', 'expected a name of 1-16 characters '
                       '[a-z0-9_-], starting with a letter')
    if 'irq' in t and t['irq'] > MAX_IRQ:
        raise ck.error(f'{path}.irq', f'expected an interrupt id in '
                       f'0..{MAX_IRQ} (got {t["irq"]})')
    name, bname = t['name'], _board_name(board)
    who = f'container "{cname}": device "{name}"'
    if 'peripheral' not in t:
        if 'optional' in t:
            raise ck.error(f'{path}.optional', f'{who}: optional applies '
                           'only to a device that names a peripheral '
                           '(peripheral = "<name>")')
        for key in ('phys', 'size'):
            if key not in t:
                raise ck.error(f'{path}.{key}', f'missing required key '
                               f'"{key}" (or name a board peripheral: '
                               'peripheral = "<name>")')
        return Device(name, t['phys'], t['size'], t.get('irq'), path)
    pname = t['peripheral']
    periph = _peripherals(board)
    p = periph.get(pname)
    if p is None:
        have = ', '.join(sorted(periph)) or 'none'
        if t.get('optional', False):
            ck.note(f'{path}.peripheral', f'{who} left out: no peripheral '
                    f'"{pname}" on board {bname} (optional; it has: {have})')
            return None
        raise ck.error(f'{path}.peripheral', f'{who}: no peripheral '
                       f'"{pname}" on board {bname} (it has: {have})'
                       f'{did_you_mean(pname, periph)}')
    for key in ('phys', 'size'):
        if key in t and t[key] != p[key]:
            raise ck.error(f'{path}.{key}', f'{who}: {key} 0x{t[key]:08x} '
                           f'does not match peripheral "{pname}" of board '
                           f'{bname} ({key} 0x{p[key]:08x}); leave it out '
                           'to take the board\'s')
    if 'irq' in t:
        if t['irq'] not in p['irqs']:
            raise ck.error(f'{path}.irq', f'{who}: irq {t["irq"]} is not an '
                           f'interrupt of peripheral "{pname}" of board '
                           f'{bname} (its irqs: '
                           f'{", ".join(map(str, p["irqs"])) or "none"})')
        irq = t['irq']
    else:
        irq = p['irqs'][0] if p['irqs'] else None
    return Device(name, p['phys'], p['size'], irq, path, pname)


def _names_to_bits(ck, path, value, names, what, wrong=None):
    """'all' or a list of names -> bits. wrong(name) explains a name that
    is not in names (e.g. an operation of another resource)."""
    if value == 'all':
        return sum(names.values())
    bits = 0
    for i, n in enumerate(value):
        if n not in names:
            hint = wrong(n) if wrong else None
            raise ck.error(f'{path}[{i}]', hint or f'unknown {what} "{n}" '
                           f'(expected "all" or some of: '
                           f'{", ".join(names)}){did_you_mean(n, names)}')
        if names[n] & bits:
            raise ck.error(f'{path}[{i}]', f'{what} "{n}" is listed twice')
        bits |= names[n]
    return bits


def _capability(ck, path, raw):
    t = _table(ck, path, raw, CAPABILITY_KEYS, ('resource',),
               {'target': 'self', 'ops': 'all', 'flags': 'all',
                'scope': 'container'})
    res = t['resource']
    if res not in captab.OPERATIONS:
        raise ck.error(f'{path}.resource', f'unknown resource "{res}" '
                       f'(expected one of: {", ".join(captab.OPERATIONS)})'
                       f'{did_you_mean(res, captab.OPERATIONS)}')
    _, op_names, all_ops = captab.OPERATIONS[res]

    def other_resource(op):
        owners = [r for r, (_, names, _) in captab.OPERATIONS.items()
                  if op in names]
        if owners:
            return (f'operation "{op}" is not valid for resource "{res}" '
                    f'(it is {" or ".join(owners)}\'s; "{res}" has: '
                    f'{", ".join(op_names)})')
        return None
    if t['ops'] == []:
        raise ck.error(f'{path}.ops', 'expected "all" or at least one '
                       'operation')
    ops = _names_to_bits(ck, f'{path}.ops', t['ops'], op_names, 'operation',
                         other_resource)
    flags = _names_to_bits(ck, f'{path}.flags', t['flags'], captab.FLAGS,
                           'flag')
    if t['scope'] not in captab.SCOPES:
        raise ck.error(f'{path}.scope', f'expected one of: '
                       f'{", ".join(captab.SCOPES)} (got "{t["scope"]}")'
                       f'{did_you_mean(t["scope"], captab.SCOPES)}')
    return CapEntry(res, t['target'], ops, flags, t['scope'], path)


def _restart(ck, path, t):
    if t.get('restart', 'never') not in RESTART:
        raise ck.error(f'{path}.restart', f'expected one of: '
                       f'{", ".join(RESTART)} (got "{t["restart"]}")'
                       f'{did_you_mean(t["restart"], RESTART)}')
    restart, limit = t.get('restart', 'never'), t.get('restart_limit', 0)
    if restart == 'on-failure' and limit < 1:
        where = 'restart_limit' if 'restart_limit' in t else 'restart'
        raise ck.error(f'{path}.{where}', 'restart = "on-failure" needs '
                       'restart_limit >= 1 (how many restarts are allowed)')
    if restart in ('never', 'core') and limit:
        raise ck.error(f'{path}.restart_limit', 'restart_limit applies only '
                       f'to restart = "on-failure" or "always" (restart is '
                       f'"{restart}")')
    return restart, limit


def _tables(ck, path, t, key, fn):
    return [fn(f'{path}.{key}[{i}]', raw)
            for i, raw in enumerate(t.get(key, []))]


def _check_container(ck, i, raw, board, programs_dir,
                     nr_cpus=DEFAULT_NR_CPUS, build_dir=None):
    path = f'container[{i}]'
    t = _table(ck, path, raw, CONTAINER_KEYS, REQUIRED)
    if 'program' in t and 'elf' in t:
        raise ck.error(f'{path}.elf', 'give either program (a folder of '
                       'sources the build compiles) or elf (a program built '
                       'elsewhere), not both')
    if 'program' not in t and 'elf' not in t:
        raise ck.error(f'{path}.program', 'missing required key "program" '
                       '(a folder of sources) or "elf" (a prebuilt program): '
                       'exactly one of them')
    phys, offset = _placement(ck, path, t, board)
    c = Container(index=i, path=path, phys=phys, ram_offset=offset,
                  program=t.get('program', ''), **{
                      k: t[k] for k in ('name', 'virt', 'size',
                                        'stack', 'priority', 'channels',
                                        'own_caps', 'scheduler',
                                        'forward_schedulers')
                      if k in t})
    c.declared = frozenset(t)
    if not NAME_RE.match(c.name):
        raise ck.error(f'{path}.name', 'expected a name of 1-16 characters '
                       '[a-z0-9_-], starting with a letter')
    if 'elf' in t:
        c.elf = _resolve(ck, t['elf'])
    elif c.out_of_tree:  # the folder is checked when programs_dir is given
        c.program_dir = (_check_outside_program(ck, path, c.program,
                                                programs_dir, build_dir)
                         if programs_dir else _resolve(ck, c.program))
    else:
        _check_program_path(ck, path, c.program, programs_dir)
        c.program_dir = os.path.normpath(os.path.join(
            programs_dir or os.path.join(TREE, 'containers'), c.program))
    if not 1 <= c.priority <= 255:
        raise ck.error(f'{path}.priority', 'expected a priority in 1..255 '
                       f'(got {c.priority})')
    c.restart, c.restart_limit = _restart(ck, path, t)
    c.memory = _tables(ck, path, t, 'memory',
                       lambda p, r: _memory(ck, p, r, board))
    if len(c.memory) > MAX_MEMORY:
        raise ck.error(c.memory[MAX_MEMORY].path, f'container "{c.name}": '
                       f'at most {MAX_MEMORY} [[container.memory]] entries '
                       f'per container, it declares {len(c.memory)}')
    with_files = [m for m in c.memory if m.files is not None]
    if len(with_files) > 1:
        raise ck.error(f'{with_files[1].path}.files', f'container '
                       f'"{c.name}": files in one memory region only (first '
                       f'at {ck.where(with_files[0])})')
    if 'posix' in t:
        c.posix_init = _posix(ck, f'{path}.posix', t['posix'], c, with_files)
    if with_files and programs_dir:  # checked as pack packs it
        files_archive(c, ck.error, build=False)
    c.virtual = [(v['virt'], v['size']) for v in _tables(
        ck, path, t, 'virtual',
        lambda p, r: _table(ck, p, r, VIRTUAL_KEYS, ('virt', 'size')))]
    c.devices = [d for d in _tables(
        ck, path, t, 'device',
        lambda p, r: _device(ck, p, r, board, c.name)) if d is not None]
    c.capabilities = _tables(ck, path, t, 'capability',
                             lambda p, r: _capability(ck, p, r))
    budget = _table(ck, f'{path}.budget', t.get('budget', {}), BUDGET_KEYS)
    c.budget = dict(BUDGET_DEFAULTS, irqs=sum(d.irq is not None
                                              for d in c.devices))
    c.budget.update(budget)
    c.declared |= {f'budget.{key}' for key in budget}
    c.cpu = _cpu(ck, f'{path}.cpu', t['cpu']) if 'cpu' in t else None
    c.cpus = (_cpus(ck, f'{path}.cpus', t['cpus'], board, nr_cpus, c.name)
              if 'cpus' in t else list(range(nr_cpus)))
    _check_program(ck, c)
    if c.elf and programs_dir:  # the files are checked (as the build does)
        _check_elf(ck, c, t['elf'])
    _check_regions(ck, c, board)
    return c


def _cpu(ck, path, raw):
    """[container.cpu]: budget_us of CPU time in every period_us."""
    t = _table(ck, path, raw, CPU_KEYS, ('budget_us', 'period_us'))
    budget, period = t['budget_us'], t['period_us']
    lo, hi = CPU_PERIOD_US
    if not lo <= period <= hi:
        raise ck.error(f'{path}.period_us', f'{period} is outside '
                       f'{lo}..{hi} microseconds')
    if not CPU_BUDGET_MIN_US <= budget <= period:
        raise ck.error(f'{path}.budget_us', f'{budget} is outside '
                       f'{CPU_BUDGET_MIN_US}..period_us ({period}) '
                       'microseconds')
    return budget, period


def _cpus(ck, path, value, board, nr_cpus, cname):
    """cpus = [0, 1]: the CPUs the container's threads may run on; each a
    CPU of the board ([smp] cpus) that the kernel starts (below
    CONFIG_NR_CPUS), listed once, at least one."""
    have = board.get('smp', {}).get('cpus', 1)
    bname = _board_name(board)
    who = f'container "{cname}"'
    if not value:
        raise ck.error(path, f'{who}: cpus is empty: expected at least one '
                       f'CPU (board {bname} has {have}: '
                       f'{_cpu_list(range(have))})')
    for k, n in enumerate(value):
        p = f'{path}[{k}]'
        if not isinstance(n, int) or isinstance(n, bool):
            raise ck.error(p, f'{who}: expected a CPU number (an integer), '
                           f'got {_type_name(n)}')
        if n < 0:
            raise ck.error(p, f'{who}: CPU {n} is negative (CPUs count from '
                           '0)')
        if n >= have:
            raise ck.error(p, f'{who}: no CPU {n} on board {bname} (it has '
                           f'{have}: {_cpu_list(range(have))}; [smp] cpus in '
                           'its board.toml)')
        if n >= nr_cpus:
            raise ck.error(p, f'{who}: CPU {n} is not started by the kernel:'
                           f' CONFIG_NR_CPUS={nr_cpus} starts '
                           f'{_cpu_list(range(nr_cpus))}')
        if n in value[:k]:
            raise ck.error(p, f'{who}: CPU {n} is listed twice')
    return list(value)


def _cpu_list(cpus):
    """'CPU 0' or 'CPUs 0..3'."""
    cpus = list(cpus)
    return f'CPU {cpus[0]}' if len(cpus) == 1 else \
        f'CPUs {cpus[0]}..{cpus[-1]}'


def _check_cpu_share(ck, containers):
    """CPU budgets are guarantees: together they fit one CPU."""
    shares, total = [], 0
    for c in containers:
        if c.cpu:
            budget, period = c.cpu
            total += budget / period
            shares.append(f'"{c.name}" {budget}/{period} us = '
                          f'{100 * budget / period:.1f} %')
            if total > 1 + 1e-9:
                raise ck.error(f'{c.path}.cpu', 'CPU budgets add up to more '
                               f'than one CPU: {" + ".join(shares)} = '
                               f'{100 * total:.1f} % (at most 100 %): over '
                               f'by {100 * (total - 1):.1f} %')


def program_folders(programs_dir):
    """Every program folder under programs_dir (containers/), as the paths a
    manifest names them by ('examples/hello', 'bench'): folders holding a
    .c or .S source, the user library (lib) excepted; links not followed."""
    out = []
    for top, dirs, files in os.walk(programs_dir):
        rel = os.path.relpath(top, programs_dir).replace(os.sep, '/')
        dirs[:] = sorted(d for d in dirs if not (rel == '.' and d == 'lib'))
        if rel != '.' and any(f.endswith(('.c', '.S')) for f in files):
            out.append(rel)
    return sorted(out)


def _program_hint(program, programs_dir):
    """': did you mean "examples/hello"?' for the program folder closest to
    program (as a whole path, else by its last part), or ''."""
    if not programs_dir or not os.path.isdir(programs_dir):
        return ''
    folders = program_folders(programs_dir)
    hint = did_you_mean(program, folders)
    if hint:
        return hint
    last = {}
    for f in folders:
        last.setdefault(f.rsplit('/', 1)[-1], f)
    base = program.rstrip('/').rsplit('/', 1)[-1]
    close = difflib.get_close_matches(base, list(last), n=1)
    return f': did you mean "{last[close[0]]}"?' if close else ''


def _inside(path, folder):
    """Whether path lies in folder (both resolved, links followed)."""
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder and path != folder


def _check_program_path(ck, path, program, programs_dir):
    """program names a folder under containers/ that holds a program's
    sources (examples/hello, tests/suite, bench), not the user library:
    a relative path of plain parts that stays inside containers/ (no
    absolute path, no "..", no link leading out)."""
    key = f'{path}.program'
    like = 'expected a path under containers/ like "examples/hello"'
    parts = program.split('/')
    if not all(PROGRAM_PART_RE.match(p) for p in parts):
        # Say what is wrong, and the in-tree form if the path means one.
        if program.startswith('/') or re.match(r'^[A-Za-z]:[\\/]', program):
            why = 'an absolute path'
            means = (os.path.relpath(program, programs_dir) if programs_dir
                     and _inside(program, programs_dir) else None)
            where = '' if means else ' (outside containers/)'
        elif '..' in parts:
            norm = os.path.normpath(program)
            means = norm if not norm.startswith('..') else None
            why = ('no ".." parts' if means else
                   '".." leads out of containers/')
            where = ''
        else:
            why = ('parts of [a-z0-9_-] only, separated by single "/", no '
                   '"." or ".." and no leading or trailing "/"')
            means = '/'.join(p for p in parts if p not in ('', '.'))
            where = ''
        hint = ''
        if means and programs_dir and \
                means.replace(os.sep, '/') in program_folders(programs_dir):
            hint = f': did you mean "{means.replace(os.sep, "/")}"?'
        elif programs_dir:
            hint = _program_hint(program.lower(), programs_dir)
        raise ck.error(key, f'"{program}": {why}{where}; {like}{hint}')
    if parts[0] == 'lib':
        raise ck.error(key, f'"{program}": containers/lib is the user '
                       'library, not a program')
    if not programs_dir:
        return
    where = os.path.join(programs_dir, program)
    if os.path.lexists(where) and not _inside(where, programs_dir):
        raise ck.error(key, f'"{program}": containers/{program} leads out of '
                       f'containers/ (a link to {os.path.realpath(where)}); '
                       'a program must be a folder under containers/')
    if not os.path.isdir(where):
        raise ck.error(key, f'no program "{program}" in containers/'
                       f'{_program_hint(program, programs_dir)}')
    if not any(f.endswith(('.c', '.S')) for f in os.listdir(where)):
        inner = [f[len(program) + 1:] for f in program_folders(programs_dir)
                 if f.startswith(program + '/')]
        more = f', ... ({len(inner)} in all)' if len(inner) > 8 else ''
        has = (f' (the programs in it: {", ".join(inner[:8])}{more})'
               if inner else '')
        raise ck.error(key, f'containers/{program} holds no .c or .S '
                       f'source{has}')


def _resolve(ck, value):
    """A path the manifest gives relative to its own folder (or absolute),
    made absolute."""
    return os.path.normpath(os.path.join(
        os.path.dirname(os.path.abspath(ck.path)), value))


def _within(path, folder):
    """Whether path is folder or lies in it (both resolved, links
    followed)."""
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder


def _has_sources(folder):
    try:
        return any(f.endswith(('.c', '.S')) for f in os.listdir(folder))
    except OSError:
        return False


def _check_outside_program(ck, path, program, programs_dir, build_dir):
    """program = "./driver", "../x" or "/abs/x": a folder relative to the
    manifest's own folder (docs/manifest.md, "program"), holding .c/.S
    sources, neither in the build directory nor in the Tessera source tree
    outside containers/. Returns the folder, resolved."""
    key = f'{path}.program'
    where = _resolve(ck, program)

    def bad(why, hint=''):
        return ck.error(key, f'"{program}": {why} (resolved to {where})'
                        f'{hint}')
    containers = os.path.join(TREE, 'containers')
    # the folders of the tree that hold programs: containers/, and
    # examples/ (example systems, laid out as a user's own repository)
    homes = [containers, os.path.join(TREE, 'examples'), programs_dir]
    libs = [os.path.join(d, 'lib') for d in (containers, programs_dir) if d]
    if build_dir and _within(where, build_dir):
        raise bad(f'leads into the build directory '
                  f'{os.path.abspath(build_dir)}, which holds what the build '
                  'writes: keep program sources outside it')
    if any(_within(where, lib) for lib in libs):
        raise bad('is the user library (containers/lib), not a program')
    if _within(where, TREE) and not any(
            _within(where, d) and os.path.realpath(where) !=
            os.path.realpath(d) for d in homes if d):
        raise bad('leads into the Tessera source tree outside containers/ '
                  'and examples/, the folders that hold programs: keep '
                  'yours outside the tree')
    if not os.path.lexists(where) or not os.path.exists(where):
        raise bad('no such folder' if not os.path.lexists(where) else
                  f'a link to {os.path.realpath(where)}, which does not '
                  'exist', _outside_hint(ck, program, programs_dir))
    if not os.path.isdir(where):
        raise bad('is a file, not a folder' if os.path.isfile(where) else
                  'is not a folder')
    if not _has_sources(where):
        inner = sorted(d for d in os.listdir(where)
                       if _has_sources(os.path.join(where, d)))
        has = (f': did you mean "{program.rstrip("/")}/{inner[0]}"? (folders'
               f' in it with sources: {", ".join(inner)})' if inner else '')
        raise bad('holds no .c or .S source', has)
    return where


def _outside_hint(ck, program, programs_dir):
    """': did you mean ...?' for a missing folder named from the manifest:
    a folder with sources beside it, or a program of containers/."""
    parent = os.path.dirname(_resolve(ck, program.rstrip('/')))
    prefix = program.rstrip('/').rsplit('/', 1)[0]
    try:
        near = [f'{prefix}/{d}' for d in sorted(os.listdir(parent))
                if _has_sources(os.path.join(parent, d))]
    except OSError:
        near = []
    hint = did_you_mean(program.rstrip('/'), near)
    if hint:
        return hint
    inside = program[2:].rstrip('/') if program.startswith('./') else None
    if inside and programs_dir and os.path.isdir(programs_dir) and \
            inside in program_folders(programs_dir):
        return (f': did you mean "{inside}" (a folder under containers/, '
                'named without "./")?')
    return ''


def _check_elf(ck, c, value):
    """elf = "./prog.elf": a prebuilt program (the SDK's make; docs/build.md,
    "SDK"): an ARM executable linked at the container's virt that fits its
    region."""
    key = f'{c.path}.elf'

    def bad(why):
        return ck.error(key, f'"{value}": {why} (resolved to {c.elf})')
    if not os.path.exists(c.elf):
        raise bad('no such file')
    if not os.path.isfile(c.elf):
        raise bad('is not a file' + (' but a folder (a folder of sources is '
                                     'given with program)'
                                     if os.path.isdir(c.elf) else ''))
    try:
        with open(c.elf, 'rb') as f:
            head = f.read(4)
        if head != b'\x7fELF':
            raise bad('not an ELF file (it does not start with "\\x7fELF")')
        prog = elfmod.Elf(c.elf)
        if prog.type != ET_EXEC:
            raise bad(f'not an executable ELF file (type {prog.type}, '
                      f'expected {ET_EXEC}): link the objects into a program '
                      '(the SDK\'s Makefile does)')
        base, _, span = prog.flat_image(use_paddr=False)
    except elfmod.ElfError as e:
        raise bad(str(e).replace(f'{c.elf}: ', '')) from None
    except OSError as e:
        raise bad(e.strerror) from None
    if base != c.virt:
        raise bad(f'linked at 0x{base:08x}, but container "{c.name}" has '
                  f'virt = 0x{c.virt:08x} ({c.path}.virt, line '
                  f'{ck.line(f"{c.path}.virt")}): link it at 0x{c.virt:08x} '
                  f'(the SDK\'s Makefile: make VIRT=0x{c.virt:08x})')
    check_room(c, lambda k, msg: ck.error(f'{c.path}.{k}', msg),
               (span, c.elf))


def _check_program(ck, c):
    p = c.path
    for key in (c.phys_key, 'virt', 'size', 'stack'):
        if getattr(c, key) % PAGE:
            raise ck.error(f'{p}.{key}', f'0x{getattr(c, key):x} is not a '
                           f'multiple of the page size (0x{PAGE:x})')
    if c.size == 0:
        raise ck.error(f'{p}.size', 'region is empty (program region size = '
                       f'0; expected a multiple of 0x{PAGE:x} with room for '
                       'the program, its stack and the UTCB page)')
    if c.stack == 0:
        raise ck.error(f'{p}.stack', f'container "{c.name}": stack = 0: the '
                       'pager needs a stack (leave stack out for the default '
                       f'{size_text(Container.stack)})')
    check_room(c, lambda key, msg: ck.error(f'{p}.{key}', msg))


def check_room(c, error, program=None):
    """The program region holds the program at its start, then the pager's
    stack and UTCB page at its top (docs/manifest.md, "What each entry
    becomes"): raise error(key, message) when they do not fit. program:
    (its size, its name), when known (the packer); without it at least one
    page must be left for the program. The key blamed is one the manifest
    gives: size, or stack when it is written and the program's size is not
    known (a stack that leaves no page at all)."""
    left = c.size - c.stack - PAGE
    need = PAGE if program is None else program[0]
    if left >= need:
        return
    given = 'stack' in c.declared
    key = 'stack' if given and program is None else 'size'
    stack = (f'stack {size_text(c.stack)}' if given else
             f'the default stack 0x{c.stack:x} ({_unit(c.stack)}; stack is '
             'not given: docs/manifest.md, "Keys and defaults")')
    what = (f'the program {program[1]} needs {size_text(program[0])}'
            if program is not None else
            'the program needs at least one page')
    raise error(key, f'container "{c.name}": program region '
                f'{size_text(c.size)} is too small: {stack} and the UTCB '
                f'page {size_text(PAGE)} at its top take '
                f'{size_text(c.stack + PAGE)}, leaving '
                f'{size_text(max(left, 0))} for the program, and {what} '
                f'(short by {size_text(need - left)}; raise size, or lower '
                'stack)')


def _phys_ranges(ck, c):
    """Program region, memory entries and devices, as physical Ranges."""
    out = [_range(ck, 'program region', c.path, c.phys_key, c.phys, c.size,
                  offset=c.ram_offset)]
    out += [_range(ck, f'memory[{k}]', m.path, m.phys_key, m.phys, m.size,
                   offset=m.ram_offset)
            for k, m in enumerate(c.memory)]
    out += [_range(ck, f'device "{d.name}"', d.path, 'phys', d.phys, d.size)
            for d in c.devices]
    return out


def _virt_ranges(ck, c):
    """Program virt, memory virts and declared virtual ranges."""
    out = [_range(ck, 'program region', c.path, 'virt', c.virt, c.size)]
    out += [_range(ck, f'memory[{k}]', m.path, 'virt', m.virt, m.size)
            for k, m in enumerate(c.memory) if m.virt is not None]
    out += [_range(ck, f'virtual[{k}]', f'{c.path}.virtual[{k}]', 'virt', v,
                   size) for k, (v, size) in enumerate(c.virtual)]
    return out


def _check_regions(ck, c, board):
    phys = _phys_ranges(ck, c)
    devices = {f'device "{d.name}"': d for d in c.devices}
    for r in phys:
        if r.what in devices:
            _check_device_range(ck, c, r, devices[r.what], board)
        else:
            _check_memory_range(ck, c, r, board)
    _no_overlaps(ck, c, phys, 'physical')
    virt = _virt_ranges(ck, c)
    for r in virt:
        _check_user_va(ck, c, r)
    _no_overlaps(ck, c, virt, 'virtual')
    seen = {}
    for d in c.devices:
        if d.name in seen:
            raise ck.error(f'{d.path}.name', f'container "{c.name}": '
                           f'duplicate device name "{d.name}" (first at '
                           f'{seen[d.name].path}, line '
                           f'{ck.line(seen[d.name].path)})')
        seen[d.name] = d


# ------------------------------------------------- checks across containers
def _check_names(ck, containers):
    first = {}
    for c in containers:
        if c.name in first:
            o = first[c.name]
            raise ck.error(f'{c.path}.name', f'duplicate container name '
                           f'"{c.name}" (also {o.path}, line '
                           f'{ck.line(o.path)})')
        first[c.name] = c


def _check_shared(ck, containers):
    """Physical ranges and IRQs belong to one container only."""
    owned, irqs = [], {}
    for c in containers:
        mine = _phys_ranges(ck, c)
        for r in mine:
            for o, orange in owned:
                if r.overlaps(orange):
                    raise ck.error(r.path, f'containers "{o.name}" and '
                                   f'"{c.name}" overlap in physical memory: '
                                   f'"{c.name}" {r.what} {r.text()} and '
                                   f'"{o.name}" {orange.what} '
                                   f'{orange.text()} ({ck.where(orange)}): '
                                   f'{r.overlap_text(orange)}')
        owned += [(c, r) for r in mine]
        for d in c.devices:
            if d.irq is None:
                continue
            if d.irq in irqs:
                o, od = irqs[d.irq]
                raise ck.error(f'{d.path}.irq', f'irq {d.irq} of container '
                               f'"{c.name}" device "{d.name}" is also '
                               f'container "{o.name}" device "{od.name}"\'s '
                               f'({od.path}.irq, line '
                               f'{ck.line(od.path + ".irq")}); an irq '
                               'belongs to one device')
            irqs[d.irq] = (c, d)


def _check_targets(ck, containers, board):
    names = [c.name for c in containers]

    def unknown(name, me):
        """': did you mean "x"?' (another container), else the names."""
        others = [n for n in names if n != me.name]
        return did_you_mean(name, others) or \
            f' (the containers: {", ".join(names)})'
    kernel_irqs = {board.get('devices', {}).get('timer_irq'): 'timer',
                   board.get('devices', {}).get('uart_irq'): 'console UART'}
    for c in containers:
        for d in c.devices:
            if d.irq is not None and d.irq in kernel_irqs:
                raise ck.error(f'{d.path}.irq', f'container "{c.name}": irq '
                               f'{d.irq} is the kernel\'s '
                               f'{kernel_irqs[d.irq]}')
        for k, name in enumerate(c.channels):
            p = f'{c.path}.channels[{k}]'
            if name == c.name or name == 'self':
                raise ck.error(p, f'container "{c.name}": a channel to itself'
                               ' (channels name other containers)')
            if name not in names:
                raise ck.error(p, f'container "{c.name}": channel to unknown '
                               f'container "{name}"{unknown(name, c)}')
            if name in c.channels[:k]:
                raise ck.error(p, f'container "{c.name}": channel to '
                               f'"{name}" is listed twice')
        if c.scheduler is not None:
            p = f'{c.path}.scheduler'
            if c.scheduler in (c.name, 'self'):
                raise ck.error(p, f'container "{c.name}": its own scheduler '
                               '(scheduler names another container)')
            if c.scheduler not in names:
                raise ck.error(p, f'container "{c.name}": scheduler '
                               f'"{c.scheduler}" is not a container'
                               f'{unknown(c.scheduler, c)}')
        for k, name in enumerate(c.forward_schedulers):
            p = f'{c.path}.forward_schedulers[{k}]'
            if c.scheduler is None:
                raise ck.error(p, f'container "{c.name}": forward_schedulers '
                               'without a scheduler to forward from')
            if name in (c.name, 'self'):
                raise ck.error(p, f'container "{c.name}": forwarding to '
                               'itself (forward_schedulers name other '
                               'containers)')
            if name not in names:
                raise ck.error(p, f'container "{c.name}": forward scheduler '
                               f'"{name}" is not a container'
                               f'{unknown(name, c)}')
            if name == c.scheduler:
                raise ck.error(p, f'container "{c.name}": forward scheduler '
                               f'"{name}" is its scheduler already')
            if name in c.forward_schedulers[:k]:
                raise ck.error(p, f'container "{c.name}": forward scheduler '
                               f'"{name}" is listed twice')
        for e in c.capabilities:
            if e.target != 'self' and e.target not in names:
                raise ck.error(f'{e.path}.target', f'container "{c.name}": '
                               f'capability target "{e.target}" is not a '
                               'container (expected "self" or a container '
                               'name)'
                               f'{did_you_mean(e.target, names + ["self"])}')


def kernel_memory(c):
    """Bytes of kernel memory container c's budgets could make the kernel
    allocate, plus its pager (one thread, one space)."""
    b = dict(c.budget)
    b['threads'] += 1
    b['spaces'] += 1
    return sum(KMEM_PER_UNIT[k] * v for k, v in b.items())


def _kib(n):
    """Bytes as KiB: '431 KiB', '0.1 KiB'."""
    return f'{n // 1024} KiB' if n % 1024 == 0 else f'{n / 1024:.1f} KiB'


def kernel_memory_parts(c):
    """How kernel_memory(c) adds up: 'threads (64+1) x 1 KiB = 65 KiB + ...'
    (the units that cost nothing left out)."""
    out = []
    for key, cost in KMEM_PER_UNIT.items():
        if not cost:
            continue
        n = c.budget[key]
        units = f'({n}+1)' if key in ('threads', 'spaces') else f'{n}'
        count = n + (key in ('threads', 'spaces'))
        each = _kib(cost) if cost >= 1024 else f'{cost} B'
        out.append(f'{key} {units} x {each} = {_kib(count * cost)}')
    return ' + '.join(out)


def _culprit(shares, limit):
    """shares: [(container, amount)] in boot order, adding up to more than
    limit. The container to blame: of those without which the others would
    fit, the one with the largest share (the later of equal ones); when no
    single one is the cause, the one whose addition first overflows.
    Returns (container, why)."""
    total = sum(a for _, a in shares)
    alone = [(a, c.index, c) for c, a in shares if total - a <= limit]
    if alone:
        _, _, c = max(alone, key=lambda t: t[:2])
        return c, 'without it the others would fit'
    run = 0
    for c, a in shares:
        run += a
        if run > limit:
            return c, ('no one container is the cause; it is the first that '
                       'does not fit, in boot order')
    raise AssertionError('shares fit')


def _check_fit(ck, containers, board, max_threads):
    """Budgets must fit the board: the kernel's thread table and the
    kernel memory pool (docs/manifest.md, "Fitting the board"). An
    overflow is blamed on the container that causes it (_culprit), with
    every container's share."""
    tids = max_threads - 1  # tid 0 is never used
    shares = [(c, c.budget['threads'] + 1) for c in containers]
    total = sum(a for _, a in shares)
    if total > tids:
        c, why = _culprit(shares, tids)
        listed = ' + '.join(f'"{o.name}" {o.budget["threads"]}+1'
                            for o, _ in shares)
        mine = c.budget['threads'] + 1
        if 'without' in why:
            why += f' ({total - mine} <= {tids})'
        raise ck.error(f'{c.path}.budget.threads', 'threads budgets do not '
                       'fit the kernel\'s thread '
                       f'table: {listed} (budget + pager) = {total} threads, '
                       f'CONFIG_MAX_THREADS={max_threads} holds {tids} (tid 0 '
                       f'is never used): over by {total - tids}; "{c.name}" '
                       f'takes {mine} ({_budget_origin(c, "threads")}, +1 '
                       f'for its pager): {why}')
    reserve = board['memory']['kernel_reserve']
    pool = reserve - KERNEL_STATIC
    shares = [(c, kernel_memory(c)) for c in containers]
    total = sum(a for _, a in shares)
    if total > pool:
        c, why = _culprit(shares, pool)
        mine = kernel_memory(c)
        listed = ' + '.join(f'"{o.name}" {_kib(a)}' for o, a in shares)
        if 'without' in why:
            why += f' ({_kib(total - mine)} <= {_kib(pool)})'
        raise ck.error(f'{c.path}.budget', 'budgets do not fit the kernel '
                       f'memory pool: {listed} = '
                       f'{_kib(total)}, the pool has {_kib(pool)} (board '
                       f'kernel_reserve {size_text(reserve)} - 2 MiB for the '
                       'kernel image and static data): over by '
                       f'{size_text(total - pool)}; "{c.name}" costs '
                       f'{_kib(mine)} ({_budget_origin(c)}: '
                       f'{kernel_memory_parts(c)}): {why}')


def _budget_origin(c, key=None):
    """Whether c's budget (or its budget.key) is declared or the default."""
    if (f'budget.{key}' if key else 'budget') in c.declared:
        return f'budget.{key} = {c.budget[key]}' if key else 'its budgets'
    if key:
        return f'budget.{key} is not given: the default {c.budget[key]}'
    return 'budget is not given: the defaults'


def _parse(path):
    try:
        with open(path, 'rb') as f:
            text = f.read().decode('utf-8')
    except OSError as e:
        raise ManifestError(f'{path}:1: manifest: {e.strerror}') from None
    except UnicodeDecodeError:
        raise ManifestError(f'{path}:1: manifest: not UTF-8 text') from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r'line (\d+)', str(e))
        raise ManifestError(f'{path}:{m.group(1) if m else 1}: manifest: '
                            f'invalid TOML: {e}') from None
    return text, data


def load(path, board, programs_dir=None, max_threads=DEFAULT_MAX_THREADS,
         nr_cpus=DEFAULT_NR_CPUS, build_dir=None):
    """Parse and validate; returns a Manifest or raises ManifestError.

    board: a loaded board.toml (tools/board.py); programs_dir: where the
    container programs live (containers/; program folders and prebuilt
    ELFs are checked when given); max_threads: the configuration's
    CONFIG_MAX_THREADS; nr_cpus: its CONFIG_NR_CPUS (the cores the kernel
    starts: a container's cpus must be below it, and its default is all of
    them); build_dir: the build's output directory, where no program folder
    may lie."""
    text, data = _parse(path)
    ck = _Checker(path, text)
    for key in data:
        if key not in ('format', 'container'):
            hint = did_you_mean(key, ('format', 'container')).replace(
                '"container"', '"[[container]]"')
            if not hint and key in CONTAINER_KEYS:
                hint = (': it is a key of a [[container]] table (write it '
                        'below a [[container]] line)')
            raise ck.error(key, f'unknown key "{key}"{hint} (expected '
                           '"format" or "[[container]]")')
    if data.get('format') != FORMAT_VERSION:
        got = f'got {data["format"]!r}' if 'format' in data else 'missing'
        raise ck.error('format', f'expected format = {FORMAT_VERSION} '
                       f'({got}; docs/manifest.md describes format '
                       f'{FORMAT_VERSION})')
    raw = data.get('container')
    if not isinstance(raw, list) or not raw or \
            not all(isinstance(c, dict) for c in raw):
        raise ck.error('container', 'expected at least one [[container]] '
                       'table')
    if len(raw) > fmt.BOOTINFO_MAX_CONTAINERS:
        raise ck.error(f'container[{fmt.BOOTINFO_MAX_CONTAINERS}]',
                       f'at most {fmt.BOOTINFO_MAX_CONTAINERS} containers '
                       f'(BOOTINFO_MAX_CONTAINERS), the manifest declares '
                       f'{len(raw)}')
    containers = [_check_container(ck, i, c, board, programs_dir, nr_cpus,
                                   build_dir)
                  for i, c in enumerate(raw)]
    _check_names(ck, containers)
    _check_shared(ck, containers)
    _check_targets(ck, containers, board)
    _check_fit(ck, containers, board, max_threads)
    _check_cpu_share(ck, containers)
    man = Manifest(path=path, containers=containers, notes=ck.notes,
                   lines=ck.lines)
    for c in containers:
        n = len(capabilities(man, c))
        if n > fmt.BOOTINFO_MAX_CAPS:
            raise ck.error(c.path, f'container "{c.name}" would start with '
                           f'{n} capabilities, more than the boot info holds'
                           f' (BOOTINFO_MAX_CAPS = {fmt.BOOTINFO_MAX_CAPS}):'
                           f' {_cap_counts(man, c)}')
    return man


def _cap_counts(man, c):
    """Where container c's boot capabilities come from, counted."""
    k = captab
    parts = [('program region', 1), ('memory', len(c.memory)),
             ('virtual', len(c.virtual_ranges())),
             ('device', len(c.devices)),
             ('budget', sum(1 for key in k.BUDGETS if c.budget[key])),
             ('own_caps', len(k.OPERATIONS) if c.own_caps else 0),
             ('channels', len(c.channels)),
             ('capability', len(c.capabilities)),
             ('scheduler of others', sum(
                 d.scheduler == c.name or c.name in d.forward_schedulers
                 for d in man.containers))]
    return ' + '.join(f'{n} {what}' for what, n in parts if n)


# ------------------------------------------------------------- resolution
def _cap(resource, ops=0, flags=captab.FLAGS_NO_REPLICATE,
         target_kind=captab.CAP_TGT_NONE, target=0, base=0, size=0,
         irq=captab.CAP_NO_IRQ, lst=captab.CAP_LIST_CONTAINER):
    """One struct bootinfo_cap, as the tuple fmt.BI_CAP packs."""
    return (resource, ops, flags, target_kind, target, base, size, irq, lst)


def _access_bits(access):
    return sum(captab.ACCESS[a] for a in access)


def capabilities(manifest, c):
    """Container c's boot capabilities: BI_CAP tuples (resource, ops, flags,
    target_kind, target, base, size, irq, list), in this order: program
    region, memory, virtual ranges, devices, budgets, own operation caps,
    channels, declared capabilities, sched_control on the containers it
    is the scheduler of, then on those it is a forward scheduler of."""
    k = captab
    rwx = k.MAP_ATTR_READ | k.MAP_ATTR_WRITE | k.MAP_ATTR_EXEC
    caps = [_cap(k.CAP_RES_PHYSMEM, rwx, base=c.phys, size=c.size)]
    caps += [_cap(k.CAP_RES_PHYSMEM, _access_bits(m.access), base=m.phys,
                  size=m.size) for m in c.memory]
    caps += [_cap(k.CAP_RES_VIRTMEM, rwx, base=v, size=size)
             for v, size in c.virtual_ranges()]
    caps += [_cap(k.CAP_RES_DEVMEM, k.MAP_ATTR_READ | k.MAP_ATTR_WRITE |
                  k.MAP_ATTR_DEVICE, base=d.phys, size=d.size,
                  irq=k.CAP_NO_IRQ if d.irq is None else d.irq)
             for d in c.devices]
    caps += [_cap(res, size=c.budget[key])
             for key, res in k.BUDGETS.items() if c.budget[key]]
    if c.own_caps:
        caps += [_cap(res, all_ops, k.FLAGS_ALL, k.CAP_TGT_CONTAINER,
                      c.index) for res, _, all_ops in k.OPERATIONS.values()]
    caps += [_cap(k.CAP_RES_IPC, k.CAP_OP_IPC_SEND, k.FLAGS_ALL,
                  k.CAP_TGT_CONTAINER, manifest.index_of(name))
             for name in c.channels]
    caps += [_cap(k.OPERATIONS[e.resource][0], e.ops, e.flags,
                  k.CAP_TGT_CONTAINER, manifest.index_of(e.target, c),
                  lst=k.SCOPES[e.scope]) for e in c.capabilities]
    # the scheduler of other containers: sched_control on each (no flags:
    # it can be neither passed on nor destroyed)
    caps += [_cap(k.CAP_RES_SCHED, k.CAP_OP_SCHED_CONTROL, 0,
                  k.CAP_TGT_CONTAINER, d.index)
             for d in manifest.containers if d.scheduler == c.name]
    # a scheduler starts may be forwarded to: the same, marked so that the
    # kernel never sends it a first start
    caps += [_cap(k.CAP_RES_SCHED,
                  k.CAP_OP_SCHED_CONTROL | k.CAP_OP_SCHED_FORWARDED, 0,
                  k.CAP_TGT_CONTAINER, d.index)
             for d in manifest.containers if c.name in d.forward_schedulers]
    return caps


# ------------------------------------------------------------ command line
def main(argv=None):
    import board as boardmod
    ap = argparse.ArgumentParser(
        prog='manifest.py',
        description='Validate a container manifest (docs/manifest.md) as the '
        'build does: prints "ok" and its containers, or every error as '
        'file:line: key: message. Exit status 0 when valid, 1 when not, '
        '2 on a usage error.')
    sub = ap.add_subparsers(dest='command', required=True, metavar='check')
    chk = sub.add_parser('check', help='validate one manifest file',
                         description='Validate one manifest file.')
    chk.add_argument('file', help='the manifest, e.g. configs/demo.toml')
    chk.add_argument('--board', default='qemu_virt',
                     help='board the image is for (default: qemu_virt; '
                     f'have: {", ".join(boardmod.names())})')
    chk.add_argument('--max-threads', type=int, default=DEFAULT_MAX_THREADS,
                     help='the configuration\'s CONFIG_MAX_THREADS '
                     f'(default {DEFAULT_MAX_THREADS})')
    chk.add_argument('--build-dir', metavar='O',
                     help='the build directory (scons O=...), where no '
                     'program folder may lie')
    chk.add_argument('--nr-cpus', type=int, default=DEFAULT_NR_CPUS,
                     help='the configuration\'s CONFIG_NR_CPUS, the cores '
                     'the kernel starts: a container\'s cpus must be below '
                     f'it, and they are its default (default '
                     f'{DEFAULT_NR_CPUS})')
    args = ap.parse_args(argv)
    try:
        board = boardmod.load(args.board)
    except boardmod.BoardError as e:
        print(f'board: error: {e}', file=sys.stderr)
        return 2
    if args.nr_cpus < 1 or boardmod.smp_problem(board, args.nr_cpus):
        why = boardmod.smp_problem(board, args.nr_cpus) or \
            f'CONFIG_NR_CPUS={args.nr_cpus}: expected at least 1 core'
        print(f'config: error: {why}', file=sys.stderr)
        return 2
    programs = os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), 'containers')
    try:
        man = load(args.file, board, programs, args.max_threads,
                   args.nr_cpus, args.build_dir)
    except ManifestError as e:
        print(f'manifest: error: {e}', file=sys.stderr)
        return 1
    for note in man.notes:
        print(f'manifest: note: {note}')
    print(f'{args.file}: ok, {len(man.containers)} container(s): ' +
          ', '.join(f'{c.name} ({c.program or c.elf})'
                    for c in man.containers))
    return 0


if __name__ == '__main__':
    sys.exit(main())
