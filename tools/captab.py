"""The capability ABI for host tools, read from the C headers.

The numbers live in one place, kernel/include/uapi/tessera/cap.h (CAP_*)
and kernel/include/uapi/tessera/syscall.h (MAP_ATTR_*, KIP_ADDRESS); this
module parses their `#define NAME value` lines at import, so the manifest
checker, the packer and the image inspector never hold a copy that could
drift (tools/tests/test_formats.py compiles a C program to check).

Besides the numbers it holds the manifest's names for them: which
operation resources a [[container.capability]] may name, each one's
operation names, the flag names and the budget keys.
"""
import os
import re

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UAPI = os.path.join(TOP, 'kernel', 'include', 'uapi', 'tessera')
CAP_H = os.path.join(UAPI, 'cap.h')
SYSCALL_H = os.path.join(UAPI, 'syscall.h')

_DEFINE = re.compile(r'^\s*#\s*define\s+([A-Z][A-Z0-9_]*)\s+'
                     r'(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*\s*(?:/[*/].*)?$')


def parse_defines(path, prefix=''):
    """{name: int} for every `#define NAME <integer>` line starting with
    prefix (function-like macros and non-integer values are skipped)."""
    values = {}
    with open(path) as f:
        for line in f:
            m = _DEFINE.match(line)
            if m and m.group(1).startswith(prefix):
                values[m.group(1)] = int(m.group(2), 0)
    return values


DEFINES = parse_defines(CAP_H, 'CAP_')
DEFINES.update(parse_defines(SYSCALL_H, 'MAP_ATTR_'))
DEFINES.update(parse_defines(SYSCALL_H, 'KIP_ADDRESS'))
globals().update(DEFINES)  # captab.CAP_RES_IPC, captab.MAP_ATTR_READ, ...


def _need(name):
    if name not in DEFINES:
        raise ImportError(f'captab: {name} is not defined in {CAP_H} or '
                          f'{SYSCALL_H}')
    return DEFINES[name]


KIP_ADDRESS = _need('KIP_ADDRESS')  # the kernel interface page (user VA)

# Manifest budget keys -> quantity resources, in boot-info order.
BUDGETS = {key: _need(f'CAP_RES_{res}') for key, res in (
    ('threads', 'THREADS'), ('spaces', 'SPACES'), ('mutexes', 'MUTEXES'),
    ('pt_pages', 'PTPAGES'), ('caps', 'CAPS'), ('irqs', 'IRQS'))}

# Operation resources: manifest name -> (resource, {op name: bit}, all ops).
_OPS = (
    ('thread_control', 'TCTRL', 'TC', ('create', 'run', 'suspend', 'resume',
                                        'destroy', 'recycle', 'cpus')),
    ('exchange_registers', 'EXREGS', 'EXREGS', ('read', 'write')),
    ('ipc', 'IPC', 'IPC', ('send',)),
    ('cap_control', 'CAPCTRL', 'CAP', ('read', 'share', 'grant', 'split',
                                       'replicate', 'deduce', 'destroy')),
    ('mutex', 'MUTEX', 'MUTEX', ('wait', 'wake')),
    ('map', 'MAP', None, ('map', 'unmap')),
    ('irq_control', 'IRQCTRL', 'IRQ', ('bind',)),
)


def _op_macro(group, name):
    # map's bits are CAP_OP_MAP / CAP_OP_UNMAP, its mask CAP_OP_MAP_ALL
    return f'CAP_OP_{group}_{name.upper()}' if group else \
        f'CAP_OP_{name.upper()}'


OPERATIONS = {
    name: (_need(f'CAP_RES_{res}'),
           {op: _need(_op_macro(group, op)) for op in ops},
           _need(f'CAP_OP_{group or res}_ALL'))
    for name, res, group, ops in _OPS}

# The scheduler's capability: made only by the manifest's `scheduler` and
# `forward_schedulers` keys
# (never declared, never part of own_caps), so not in OPERATIONS.
SCHED = ('sched_control', _need('CAP_RES_SCHED'),
         {'control': _need('CAP_OP_SCHED_CONTROL'),
          'forwarded': _need('CAP_OP_SCHED_FORWARDED')},
         _need('CAP_OP_SCHED_ALL'))

FLAGS = {name: _need(f'CAP_F_{name.upper()}') for name in (
    'share', 'grant', 'split', 'replicate', 'deduce', 'destroy')}
FLAGS_ALL = _need('CAP_F_ALL')
# quantity and memory capabilities cannot be replicated
FLAGS_NO_REPLICATE = FLAGS_ALL & ~_need('CAP_F_REPLICATE')

SCOPES = {'container': _need('CAP_LIST_CONTAINER'),
          'pager': _need('CAP_LIST_PRIVATE')}

# Memory access letters -> MAP_ATTR_* bits.
ACCESS = {'r': _need('MAP_ATTR_READ'), 'w': _need('MAP_ATTR_WRITE'),
          'x': _need('MAP_ATTR_EXEC'), 'd': _need('MAP_ATTR_DEVICE')}

# ------------------------------------------------------------ for display
RESOURCE_NAMES = {v: k for k, v in BUDGETS.items()}
RESOURCE_NAMES.update({v[0]: k for k, v in OPERATIONS.items()})
RESOURCE_NAMES[SCHED[1]] = SCHED[0]
RESOURCE_NAMES.update({_need('CAP_RES_PHYSMEM'): 'physmem',
                       _need('CAP_RES_VIRTMEM'): 'virtmem',
                       _need('CAP_RES_DEVMEM'): 'devmem'})
TARGET_NAMES = {DEFINES[k]: k[len('CAP_TGT_'):].lower()
                for k in DEFINES if k.startswith('CAP_TGT_')}
LIST_NAMES = {DEFINES[k]: k[len('CAP_LIST_'):].lower()
              for k in DEFINES if k.startswith('CAP_LIST_')}


def kind(resource):
    """'quantity', 'memory', 'operation' or '?'."""
    return {_need('CAP_KIND_QUANTITY'): 'quantity',
            _need('CAP_KIND_MEMORY'): 'memory',
            _need('CAP_KIND_OPERATION'): 'operation'}.get(
                resource & _need('CAP_KIND_MASK'), '?')


def access_text(bits):
    """MAP_ATTR_* bits as letters, e.g. 'rw-' or 'rw-d'."""
    text = ''.join(c if bits & ACCESS[c] else '-' for c in 'rwx')
    return text + ('d' if bits & ACCESS['d'] else '')


def bits_text(bits, names, all_bits=None):
    """Bits as a comma-separated list of names ('all' when all_bits)."""
    if all_bits is not None and bits == all_bits:
        return 'all'
    words = [n for n, b in names.items() if bits & b]
    rest = bits & ~sum(names.values())
    if rest:
        words.append(f'0x{rest:x}')
    return ','.join(words) or 'none'


def ops_text(resource, ops):
    """An operation capability's ops by name ('all' when it has every one
    of several)."""
    for res, names, all_ops in list(OPERATIONS.values()) + [SCHED[1:]]:
        if res == resource:
            return bits_text(ops, names, all_ops if len(names) > 1 else None)
    return f'0x{ops:x}'
