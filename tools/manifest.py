"""Container manifests: load, validate, and report errors by file:line.

A manifest (TOML, read with the standard library's tomllib) declares the
containers packed into one image. Every rejection names the file, the line,
the key path and what was expected; nothing is built from a bad manifest.
"""
import os
import re
import tomllib
from dataclasses import dataclass, field

FORMAT_VERSION = 1
PAGE = 4096
USER_VA_END = 0x80000000
NAME_RE = re.compile(r'^[a-z][a-z0-9_-]{0,15}$')

CONTAINER_KEYS = {
    'name': str, 'program': str, 'phys': int, 'virt': int, 'size': int,
    'stack': int, 'priority': int,
}
REQUIRED = ('name', 'program', 'phys', 'virt', 'size')
DEFAULTS = {'stack': 0x4000, 'priority': 10}


class ManifestError(Exception):
    """A manifest problem; str() is 'file:line: key: message'."""


@dataclass
class Container:
    index: int
    name: str
    program: str
    phys: int
    virt: int
    size: int
    stack: int
    priority: int

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
        return f'{self.program}@0x{self.virt:08x}'


@dataclass
class Manifest:
    path: str
    containers: list = field(default_factory=list)


class _Locator:
    """Finds the line of a key in the manifest text (tomllib has no lines)."""

    def __init__(self, path, text):
        self.path = path
        self.lines = text.splitlines()

    def container_start(self, index):
        seen = -1
        for n, line in enumerate(self.lines):
            if re.match(r'^\s*\[\[\s*container\s*\]\]', line):
                seen += 1
                if seen == index:
                    return n
        return None

    def line_of(self, index=None, key=None):
        start = 0 if index is None else self.container_start(index)
        if start is None:
            return 1
        if key is None:
            return start + 1
        for n in range(start + (0 if index is None else 1), len(self.lines)):
            line = self.lines[n]
            if index is not None and re.match(r'^\s*\[', line):
                break
            if re.match(rf'^\s*{re.escape(key)}\s*=', line):
                return n + 1
        return start + 1

    def error(self, msg, index=None, key=None, keypath=None):
        line = self.line_of(index, key)
        where = keypath or (f'container[{index}].{key}' if index is not None
                            and key else key or 'manifest')
        return ManifestError(f'{self.path}:{line}: {where}: {msg}')


def _check_container(loc, i, raw, board, programs_dir):
    for key in raw:
        if key not in CONTAINER_KEYS:
            raise loc.error(f'unknown key (expected one of: '
                            f'{", ".join(CONTAINER_KEYS)})', i, key)
    for key in REQUIRED:
        if key not in raw:
            raise loc.error(f'missing required key "{key}"', i,
                            keypath=f'container[{i}].{key}')
    values = dict(DEFAULTS, **raw)
    for key, typ in CONTAINER_KEYS.items():
        if not isinstance(values[key], typ) or isinstance(values[key], bool):
            raise loc.error(f'expected {typ.__name__}, got '
                            f'{type(values[key]).__name__}', i, key)
    c = Container(index=i, **values)
    if not NAME_RE.match(c.name):
        raise loc.error('expected a name of 1-16 characters [a-z0-9_-], '
                        'starting with a letter', i, 'name')
    if programs_dir and not os.path.isdir(os.path.join(programs_dir,
                                                       c.program)):
        raise loc.error(f'no program "{c.program}" in containers/', i,
                        'program')
    for key in ('phys', 'virt', 'size', 'stack'):
        if getattr(c, key) % PAGE:
            raise loc.error(f'0x{getattr(c, key):x} is not a multiple of the '
                            f'page size (0x{PAGE:x})', i, key)
    if c.size == 0:
        raise loc.error('region is empty', i, 'size')
    if c.stack == 0 or c.stack + PAGE >= c.size:
        raise loc.error('stack must be non-zero and leave room for the '
                        'program and the UTCB page in the region', i, 'stack')
    if c.virt + c.size > USER_VA_END or c.virt == 0:
        raise loc.error(f'virtual region 0x{c.virt:x}..0x{c.virt + c.size:x}'
                        f' must lie in user space (0x1000..0x{USER_VA_END:x})',
                        i, 'virt')
    mem = board['memory']
    ram_end = mem['ram_base'] + mem['ram_size']
    if c.phys < mem['ram_base'] or c.phys + c.size > ram_end:
        raise loc.error(f'physical region 0x{c.phys:x}..0x{c.phys + c.size:x}'
                        f' is outside the board\'s RAM (0x{mem["ram_base"]:x}'
                        f'..0x{ram_end:x})', i, 'phys')
    if not 1 <= c.priority <= 255:
        raise loc.error('expected a priority in 1..255', i, 'priority')
    return c


def _reserved_ranges(board):
    mem = board['memory']
    ram_end = mem['ram_base'] + mem['ram_size']
    return [('kernel', mem['kernel_phys'],
             mem['kernel_phys'] + mem['kernel_reserve']),
            ('boot image', mem['image_base'], ram_end)]


def _check_overlaps(loc, containers, board):
    def overlap(a0, a1, b0, b1):
        return a0 < b1 and b0 < a1
    for c in containers:
        for what, start, end in _reserved_ranges(board):
            if overlap(c.phys, c.phys + c.size, start, end):
                raise loc.error(f'container "{c.name}": physical region '
                                f'0x{c.phys:x}..0x{c.phys + c.size:x} overlaps'
                                f' the {what} (0x{start:x}..0x{end:x})',
                                c.index, 'phys')
    for a in containers:
        for b in containers[a.index + 1:]:
            if overlap(a.phys, a.phys + a.size, b.phys, b.phys + b.size):
                raise loc.error(f'containers "{a.name}" and "{b.name}" '
                                f'overlap in physical memory', b.index, 'phys')
            if a.name == b.name:
                raise loc.error(f'duplicate container name "{a.name}"',
                                b.index, 'name')


def load(path, board, programs_dir=None):
    """Parse and validate; returns a Manifest or raises ManifestError."""
    try:
        with open(path, 'rb') as f:
            text = f.read().decode('utf-8')
    except OSError as e:
        raise ManifestError(f'{path}:1: manifest: {e.strerror}') from None
    except UnicodeDecodeError:
        raise ManifestError(f'{path}:1: manifest: not UTF-8 text') from None
    loc = _Locator(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r'line (\d+)', str(e))
        raise ManifestError(f'{path}:{m.group(1) if m else 1}: manifest: '
                            f'invalid TOML: {e}') from None
    for key in data:
        if key not in ('format', 'container'):
            raise loc.error('unknown key (expected "format" or '
                            '"[[container]]")', key=key)
    if data.get('format') != FORMAT_VERSION:
        raise loc.error(f'expected format = {FORMAT_VERSION}', key='format')
    raw = data.get('container')
    if not isinstance(raw, list) or not raw:
        raise loc.error('expected at least one [[container]] table',
                        keypath='container')
    containers = [_check_container(loc, i, c, board, programs_dir)
                  for i, c in enumerate(raw)]
    _check_overlaps(loc, containers, board)
    return Manifest(path=path, containers=containers)
