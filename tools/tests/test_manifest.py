"""Manifest format 2: a good manifest loads and resolves into exactly the
expected boot-info capabilities; every rejection names the file, the line
and the key path (and both containers where two collide)."""
import copy
import os
import re
import subprocess

import pytest

import board
import captab as k
import image_format as fmt
import manifest
from conftest import TOP

REAL_BOARD = board.load('qemu_virt')
# The real board plus two made-up peripherals for the checks one irq per
# peripheral cannot reach (an irq of two devices, the kernel's timer).
BOARD = copy.deepcopy(REAL_BOARD)
BOARD['peripherals'].update({
    'test0': {'compatible': 'test', 'phys': 0x09040000, 'size': 0x2000,
              'irqs': [40, 33, 27]},
    'test1': {'compatible': 'test', 'phys': 0x09050000, 'size': 0x1000,
              'irqs': [40]}})
PROGRAMS = os.path.join(TOP, 'containers')
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'manifests')

GOOD = """\
format = 2

[[container]]
name = "hello"
program = "examples/hello"
phys = 0x41000000
virt = 0x10000000
size = 0x100000
"""

SECOND = """
[[container]]
name = "second"
program = "examples/hello"
phys = 0x41100000
virt = 0x10000000
size = 0x100000
"""

RWX = k.MAP_ATTR_READ | k.MAP_ATTR_WRITE | k.MAP_ATTR_EXEC
NOREP = k.CAP_F_ALL & ~k.CAP_F_REPLICATE
C = k.CAP_LIST_CONTAINER
NO_IRQ = k.CAP_NO_IRQ


def load(tmp_path, text, **kw):
    p = tmp_path / 'm.toml'
    p.write_text(text)
    return manifest.load(str(p), BOARD, PROGRAMS, **kw)


def reject(tmp_path, text, **kw):
    p = tmp_path / 'm.toml'
    p.write_text(text)
    with pytest.raises(manifest.ManifestError) as e:
        manifest.load(str(p), BOARD, PROGRAMS, **kw)
    msg = str(e.value)
    assert msg.startswith(f'{p}:'), msg
    assert '\n' not in msg
    return msg


def line(text, needle, nth=1):
    """The 1-based line of the nth line of text containing needle."""
    hits = [n for n, s in enumerate(text.splitlines(), 1) if needle in s]
    return hits[nth - 1]


def at(text, needle, keypath, nth=1):
    """The ':line: key.path: ' an error about needle's line starts with."""
    return f':{line(text, needle, nth)}: {keypath}: '


def check(tmp_path, text, needle, keypath, *words, nth=1, **kw):
    """Reject text; the error is at needle's line and keypath and holds
    every one of words."""
    msg = reject(tmp_path, text, **kw)
    assert at(text, needle, keypath, nth) in msg, msg
    for w in words:
        assert w in msg, msg
    return msg


# ----------------------------------------------------------- good input
def test_good_manifest_and_defaults(tmp_path):
    m = load(tmp_path, GOOD + SECOND)
    assert [c.name for c in m.containers] == ['hello', 'second']
    c = m.containers[0]
    assert (c.phys, c.virt, c.size, c.stack, c.priority) == (
        0x41000000, 0x10000000, 0x100000, 0x4000, 10)
    assert c.stack_top == c.utcb == 0x100ff000
    assert (c.restart, c.restart_limit, c.own_caps, c.channels) == (
        'never', 0, True, [])
    assert c.budget == dict(threads=64, spaces=8, mutexes=64, pt_pages=64,
                            caps=32, irqs=0)
    assert c.virtual_ranges() == [(0x1000, 0x7ffff000 - 0x1000)]


def defconfig_facts():
    """{manifest path: CONFIG_MAX_THREADS} from every shipped defconfig."""
    facts = {}
    for name in os.listdir(os.path.join(TOP, 'configs')):
        if name.endswith('_defconfig'):
            text = open(os.path.join(TOP, 'configs', name)).read()
            m = re.search(r'^CONFIG_MANIFEST="([^"]+)"', text, re.M)
            t = re.search(r'^CONFIG_MAX_THREADS=(\d+)', text, re.M)
            if m:
                facts[os.path.join(TOP, m.group(1))] = int(t.group(1)) if t \
                    else manifest.DEFAULT_MAX_THREADS
    return facts


def test_shipped_manifests_are_valid():
    """Every configs/*.toml, checked with the CONFIG_MAX_THREADS of the
    defconfig that names it (Kconfig's default otherwise)."""
    facts = defconfig_facts()
    names = [n for n in os.listdir(os.path.join(TOP, 'configs'))
             if n.endswith('.toml')]
    assert names
    for name in names:
        path = os.path.join(TOP, 'configs', name)
        manifest.load(path, REAL_BOARD, PROGRAMS, facts.get(
            path, manifest.DEFAULT_MAX_THREADS))


def test_default_max_threads_is_kconfigs():
    import kconfiglib
    old = os.getcwd()
    os.chdir(TOP)
    try:
        sym = kconfiglib.Kconfig('Kconfig').syms['MAX_THREADS']
    finally:
        os.chdir(old)
    assert int(sym.str_value) == manifest.DEFAULT_MAX_THREADS


def test_docs_example_is_valid(tmp_path):
    """The complete example in docs/manifest.md loads as written."""
    doc = open(os.path.join(TOP, 'docs', 'manifest.md')).read()
    blocks = re.findall(r'```toml\n(.*?)```', doc, re.S)
    full = [b for b in blocks if b.startswith('format = 2')]
    assert full, 'docs/manifest.md has no complete example'
    p = tmp_path / 'm.toml'
    p.write_text(full[0])
    m = manifest.load(str(p), REAL_BOARD, PROGRAMS)  # its real peripherals
    assert len(m.containers) >= 2
    for c in m.containers:
        assert manifest.capabilities(m, c)


def test_inline_tables_and_dotted_keys_find_lines(tmp_path):
    text = GOOD + 'budget = { threads = 4, spaces = -1 }\n'
    check(tmp_path, text, 'spaces = -1', 'container[0].budget.spaces',
          'must not be negative')
    text = GOOD + 'budget.caps = -2\n'
    check(tmp_path, text, 'caps = -2', 'container[0].budget.caps')
    text = GOOD + 'device = [\n  { name = "a", phys = 0x9040000, ' \
        'size = 0x1000 },\n  { name = "b", phys = 0x9050000, size = 0 },\n]\n'
    check(tmp_path, text, '"b"', 'container[0].device[1].size',
          'region is empty')


# ------------------------------------------------------------- resolution
def caps(m, name):
    c = next(c for c in m.containers if c.name == name)
    return manifest.capabilities(m, c)


def test_minimal_container_resolves_to_defaults(tmp_path):
    m = load(tmp_path, GOOD)
    assert caps(m, 'hello') == [
        (k.CAP_RES_PHYSMEM, RWX, NOREP, k.CAP_TGT_NONE, 0, 0x41000000,
         0x100000, NO_IRQ, C),
        (k.CAP_RES_VIRTMEM, RWX, NOREP, k.CAP_TGT_NONE, 0, 0x1000,
         0x7fffe000, NO_IRQ, C),
        (k.CAP_RES_THREADS, 0, NOREP, 0, 0, 0, 64, NO_IRQ, C),
        (k.CAP_RES_SPACES, 0, NOREP, 0, 0, 0, 8, NO_IRQ, C),
        (k.CAP_RES_MUTEXES, 0, NOREP, 0, 0, 0, 64, NO_IRQ, C),
        (k.CAP_RES_PTPAGES, 0, NOREP, 0, 0, 0, 64, NO_IRQ, C),
        (k.CAP_RES_CAPS, 0, NOREP, 0, 0, 0, 32, NO_IRQ, C),
    ] + [(res, ops, k.CAP_F_ALL, k.CAP_TGT_CONTAINER, 0, 0, 0, NO_IRQ, C)
         for res, ops in ((k.CAP_RES_TCTRL, k.CAP_OP_TC_ALL),
                          (k.CAP_RES_EXREGS, k.CAP_OP_EXREGS_ALL),
                          (k.CAP_RES_IPC, k.CAP_OP_IPC_ALL),
                          (k.CAP_RES_CAPCTRL, k.CAP_OP_CAP_ALL),
                          (k.CAP_RES_MUTEX, k.CAP_OP_MUTEX_ALL),
                          (k.CAP_RES_MAP, k.CAP_OP_MAP_ALL),
                          (k.CAP_RES_IRQCTRL, k.CAP_OP_IRQ_ALL))]


def test_full_manifest_resolves_exactly():
    m = manifest.load(os.path.join(FIXTURES, 'full.toml'), BOARD, PROGRAMS)
    own = [(res, ops, k.CAP_F_ALL, k.CAP_TGT_CONTAINER, 0, 0, 0, NO_IRQ, C)
           for res, ops in ((k.CAP_RES_TCTRL, k.CAP_OP_TC_ALL),
                            (k.CAP_RES_EXREGS, k.CAP_OP_EXREGS_ALL),
                            (k.CAP_RES_IPC, k.CAP_OP_IPC_ALL),
                            (k.CAP_RES_CAPCTRL, k.CAP_OP_CAP_ALL),
                            (k.CAP_RES_MUTEX, k.CAP_OP_MUTEX_ALL),
                            (k.CAP_RES_MAP, k.CAP_OP_MAP_ALL),
                            (k.CAP_RES_IRQCTRL, k.CAP_OP_IRQ_ALL))]
    assert caps(m, 'server') == [
        (k.CAP_RES_PHYSMEM, RWX, NOREP, 0, 0, 0x41000000, 0x100000, NO_IRQ,
         C),
        (k.CAP_RES_PHYSMEM, k.MAP_ATTR_READ | k.MAP_ATTR_WRITE, NOREP, 0, 0,
         0x41200000, 0x100000, NO_IRQ, C),
        (k.CAP_RES_PHYSMEM, k.MAP_ATTR_READ, NOREP, 0, 0, 0x41300000,
         0x10000, NO_IRQ, C),
        (k.CAP_RES_VIRTMEM, RWX, NOREP, 0, 0, 0x30000000, 0x100000, NO_IRQ,
         C),
        (k.CAP_RES_DEVMEM, k.MAP_ATTR_READ | k.MAP_ATTR_WRITE |
         k.MAP_ATTR_DEVICE, NOREP, 0, 0, 0x09030000, 0x1000, 39, C),
        (k.CAP_RES_THREADS, 0, NOREP, 0, 0, 0, 16, NO_IRQ, C),
        (k.CAP_RES_SPACES, 0, NOREP, 0, 0, 0, 2, NO_IRQ, C),
        (k.CAP_RES_MUTEXES, 0, NOREP, 0, 0, 0, 64, NO_IRQ, C),
        (k.CAP_RES_PTPAGES, 0, NOREP, 0, 0, 0, 64, NO_IRQ, C),
        (k.CAP_RES_CAPS, 0, NOREP, 0, 0, 0, 32, NO_IRQ, C),
        (k.CAP_RES_IRQS, 0, NOREP, 0, 0, 0, 1, NO_IRQ, C),
    ] + own
    assert caps(m, 'client') == [
        (k.CAP_RES_PHYSMEM, RWX, NOREP, 0, 0, 0x41100000, 0x100000, NO_IRQ,
         C),
        (k.CAP_RES_VIRTMEM, RWX, NOREP, 0, 0, 0x1000, 0x7fffe000, NO_IRQ, C),
        (k.CAP_RES_DEVMEM, k.MAP_ATTR_READ | k.MAP_ATTR_WRITE |
         k.MAP_ATTR_DEVICE, NOREP, 0, 0, 0x09010000, 0x1000, NO_IRQ, C),
        # budget: threads 4 as declared, caps 0 skipped, irqs 0 (no irq)
        (k.CAP_RES_THREADS, 0, NOREP, 0, 0, 0, 4, NO_IRQ, C),
        (k.CAP_RES_SPACES, 0, NOREP, 0, 0, 0, 8, NO_IRQ, C),
        (k.CAP_RES_MUTEXES, 0, NOREP, 0, 0, 0, 64, NO_IRQ, C),
        (k.CAP_RES_PTPAGES, 0, NOREP, 0, 0, 0, 64, NO_IRQ, C),
        # own_caps = false: none; channel to server (index 0)
        (k.CAP_RES_IPC, k.CAP_OP_IPC_SEND, k.CAP_F_ALL, k.CAP_TGT_CONTAINER,
         0, 0, 0, NO_IRQ, C),
        (k.CAP_RES_TCTRL, k.CAP_OP_TC_SUSPEND | k.CAP_OP_TC_RESUME,
         k.CAP_F_SHARE, k.CAP_TGT_CONTAINER, 0, 0, 0, NO_IRQ,
         k.CAP_LIST_PRIVATE),
        (k.CAP_RES_MAP, k.CAP_OP_MAP_ALL, k.CAP_F_ALL, k.CAP_TGT_CONTAINER,
         1, 0, 0, NO_IRQ, C),
    ]


def test_full_manifest_regions_and_restart():
    m = manifest.load(os.path.join(FIXTURES, 'full.toml'), BOARD, PROGRAMS)
    server, client = m.containers
    assert server.regions() == [
        (fmt.BI_REGION_PROGRAM, 0x41000000, 0x10000000, 0x100000,
         fmt.BI_REGION_READ | fmt.BI_REGION_WRITE | fmt.BI_REGION_EXEC),
        (fmt.BI_REGION_MEMORY, 0x41200000, 0x20000000, 0x100000,
         fmt.BI_REGION_READ | fmt.BI_REGION_WRITE)]
    assert len(client.regions()) == 1
    assert (server.restart_code, server.restart_limit) == (
        fmt.BI_RESTART_ON_FAILURE, 3)
    assert (client.restart_code, client.restart_limit) == (
        fmt.BI_RESTART_ALWAYS, 0)


@pytest.mark.parametrize('access,bits', [
    ('r', k.MAP_ATTR_READ), ('rw', k.MAP_ATTR_READ | k.MAP_ATTR_WRITE),
    ('rx', k.MAP_ATTR_READ | k.MAP_ATTR_EXEC), ('rwx', RWX)])
def test_memory_access_becomes_ops(tmp_path, access, bits):
    m = load(tmp_path, GOOD + '[[container.memory]]\nphys = 0x41200000\n'
             f'size = 0x1000\nvirt = 0x20000000\naccess = "{access}"\n')
    assert caps(m, 'hello')[1][:2] == (k.CAP_RES_PHYSMEM, bits)
    region = m.containers[0].regions()[1]
    assert region[4] == sum(b for c, b in (
        ('r', fmt.BI_REGION_READ), ('w', fmt.BI_REGION_WRITE),
        ('x', fmt.BI_REGION_EXEC)) if c in access)


def test_zero_budget_is_skipped_and_irqs_default_to_devices(tmp_path):
    m = load(tmp_path, GOOD + '[container.budget]\nthreads = 0\n'
             '[[container.device]]\nname = "a"\nphys = 0x09040000\n'
             'size = 0x1000\nirq = 40\n[[container.device]]\nname = "b"\n'
             'phys = 0x09050000\nsize = 0x1000\n')
    resources = [cap[0] for cap in caps(m, 'hello')]
    assert k.CAP_RES_THREADS not in resources
    assert m.containers[0].budget['irqs'] == 1
    assert (k.CAP_RES_IRQS, 0, NOREP, 0, 0, 0, 1, NO_IRQ, C) in \
        caps(m, 'hello')


def test_capability_self_and_scopes(tmp_path):
    m = load(tmp_path, GOOD + SECOND + 'own_caps = false\n'
             '[[container.capability]]\nresource = "ipc"\ntarget = "hello"\n'
             '[[container.capability]]\nresource = "cap_control"\n'
             'ops = ["read", "split"]\nflags = ["split", "replicate"]\n'
             'scope = "pager"\n')
    assert caps(m, 'second')[-2:] == [
        (k.CAP_RES_IPC, k.CAP_OP_IPC_ALL, k.CAP_F_ALL, k.CAP_TGT_CONTAINER, 0,
         0, 0, NO_IRQ, C),
        (k.CAP_RES_CAPCTRL, k.CAP_OP_CAP_READ | k.CAP_OP_CAP_SPLIT,
         k.CAP_F_SPLIT | k.CAP_F_REPLICATE, k.CAP_TGT_CONTAINER, 1, 0, 0,
         NO_IRQ, k.CAP_LIST_PRIVATE)]


# ---------------------------------------------------------- syntax, keys
def test_invalid_toml_names_line(tmp_path):
    msg = reject(tmp_path, GOOD + 'size = = 3\n')
    assert ':9: manifest: invalid TOML' in msg


def test_format_1_is_rejected(tmp_path):
    text = GOOD.replace('format = 2', 'format = 1')
    check(tmp_path, text, 'format = 1', 'format', 'expected format = 2')


def test_missing_format(tmp_path):
    msg = reject(tmp_path, GOOD.replace('format = 2\n', ''))
    assert 'format: expected format = 2' in msg


def test_unknown_top_level_key(tmp_path):
    check(tmp_path, 'colour = 1\n' + GOOD, 'colour', 'colour', 'unknown key')


def test_unknown_container_key(tmp_path):
    text = GOOD + 'colour = "red"\n'
    check(tmp_path, text, 'colour', 'container[0].colour', 'unknown key')


@pytest.mark.parametrize('table,body,keypath', [
    ('[container.budget]', 'threads = 1\nfibres = 2',
     'container[0].budget.fibres'),
    ('[[container.memory]]', 'phys = 0x41200000\nsize = 0x1000\nfibres = 2',
     'container[0].memory[0].fibres'),
    ('[[container.virtual]]', 'virt = 0x20000000\nsize = 0x1000\nfibres = 2',
     'container[0].virtual[0].fibres'),
    ('[[container.device]]', 'name = "u"\nphys = 0x09040000\n'
     'size = 0x1000\nfibres = 2', 'container[0].device[0].fibres'),
    ('[[container.capability]]', 'resource = "ipc"\nfibres = 2',
     'container[0].capability[0].fibres'),
])
def test_unknown_key_in_sub_table(tmp_path, table, body, keypath):
    text = f'{GOOD}{table}\n{body}\n'
    check(tmp_path, text, 'fibres', keypath, 'unknown key')


def test_unknown_key_in_second_memory_entry(tmp_path):
    text = (GOOD + '[[container.memory]]\nphys = 0x41200000\nsize = 0x1000\n'
            '[[container.memory]]\nphys = 0x41300000\nsize = 0x1000\n'
            'fibres = 1\n')
    check(tmp_path, text, 'fibres', 'container[0].memory[1].fibres')


def test_missing_key(tmp_path):
    msg = reject(tmp_path, GOOD.replace('size = 0x100000\n', ''))
    assert at(GOOD, '[[container]]', 'container[0].size') in msg
    assert 'missing required key "size"' in msg


def test_missing_key_in_memory(tmp_path):
    text = GOOD + '[[container.memory]]\nsize = 0x1000\n'
    check(tmp_path, text, '[[container.memory]]',
          'container[0].memory[0].ram_offset', 'missing required key',
          '"ram_offset"', '"phys"')


def test_missing_key_in_capability(tmp_path):
    text = GOOD + '[[container.capability]]\ntarget = "self"\n'
    check(tmp_path, text, '[[container.capability]]',
          'container[0].capability[0].resource', 'missing required key')


def test_no_containers(tmp_path):
    msg = reject(tmp_path, 'format = 2\n')
    assert 'container: expected at least one [[container]]' in msg


def test_too_many_containers(tmp_path):
    text = 'format = 2\n' + ''.join(
        f'[[container]]\nname = "c{i}"\nprogram = "examples/hello"\n'
        f'phys = 0x{0x41000000 + i * 0x8000:x}\nvirt = 0x10000000\n'
        f'size = 0x8000\nstack = 0x1000\n' for i in range(65))
    check(tmp_path, text, '[[container]]', 'container[64]',
          'at most 64 containers', nth=65)


# ------------------------------------------------------------------ types
def test_wrong_type(tmp_path):
    text = GOOD.replace('size = 0x100000', 'size = "big"')
    check(tmp_path, text, 'size', 'container[0].size',
          'expected int, got str')


def test_bool_is_not_int(tmp_path):
    text = GOOD.replace('size = 0x100000', 'size = true')
    check(tmp_path, text, 'size', 'container[0].size',
          'expected int, got bool')


def test_bool_is_not_int_in_budget(tmp_path):
    text = GOOD + '[container.budget]\nthreads = true\n'
    check(tmp_path, text, 'threads', 'container[0].budget.threads',
          'expected int, got bool')


def test_own_caps_must_be_bool(tmp_path):
    text = GOOD + 'own_caps = 1\n'
    check(tmp_path, text, 'own_caps', 'container[0].own_caps',
          'expected bool, got int')


def test_channels_must_be_array_of_strings(tmp_path):
    text = GOOD + SECOND + 'channels = "hello"\n'
    check(tmp_path, text, 'channels', 'container[1].channels',
          'expected an array of strings, got str')


def test_budget_must_be_table(tmp_path):
    text = GOOD + 'budget = 5\n'
    check(tmp_path, text, 'budget', 'container[0].budget',
          'expected a table', 'got int')


def test_memory_must_be_array_of_tables(tmp_path):
    text = GOOD + '[container.memory]\nphys = 0x41200000\nsize = 0x1000\n'
    check(tmp_path, text, '[container.memory]', 'container[0].memory',
          'expected an array of tables', 'got table')


def test_ops_must_be_all_or_names(tmp_path):
    text = GOOD + '[[container.capability]]\nresource = "ipc"\nops = 1\n'
    check(tmp_path, text, 'ops', 'container[0].capability[0].ops',
          'expected "all" or an array of strings, got int')


def test_value_beyond_32_bits(tmp_path):
    text = GOOD.replace('size = 0x100000', 'size = 0x100000000')
    check(tmp_path, text, 'size', 'container[0].size',
          'does not fit in 32 bits')


# ---------------------------------------------------- alignment, emptiness
@pytest.mark.parametrize('old,new,needle,keypath', [
    ('phys = 0x41000000', 'phys = 0x41000800', 'phys', 'container[0].phys'),
    ('virt = 0x10000000', 'virt = 0x10000010', 'virt', 'container[0].virt'),
    ('size = 0x100000', 'size = 0x100800', 'size', 'container[0].size'),
])
def test_unaligned_program_region(tmp_path, old, new, needle, keypath):
    text = GOOD.replace(old, new)
    check(tmp_path, text, needle, keypath, 'is not a multiple of the page')


@pytest.mark.parametrize('table,body,needle,keypath', [
    ('[[container.memory]]', 'phys = 0x41200800\nsize = 0x1000',
     'phys = 0x41200800', 'container[0].memory[0].phys'),
    ('[[container.memory]]', 'phys = 0x41200000\nsize = 0x1000\n'
     'virt = 0x20000100', 'virt = 0x20000100', 'container[0].memory[0].virt'),
    ('[[container.virtual]]', 'virt = 0x20000000\nsize = 0x1234',
     'size = 0x1234', 'container[0].virtual[0].size'),
    ('[[container.device]]', 'name = "u"\nphys = 0x09040004\nsize = 0x1000',
     'phys = 0x09040004', 'container[0].device[0].phys'),
])
def test_unaligned_sub_region(tmp_path, table, body, needle, keypath):
    text = f'{GOOD}{table}\n{body}\n'
    check(tmp_path, text, needle, keypath, 'is not a multiple of the page')


def test_empty_program_region(tmp_path):
    text = GOOD.replace('size = 0x100000', 'size = 0')
    check(tmp_path, text, 'size', 'container[0].size', 'region is empty')


@pytest.mark.parametrize('table,body,keypath', [
    ('[[container.memory]]', 'phys = 0x41200000\nsize = 0',
     'container[0].memory[0].size'),
    ('[[container.virtual]]', 'virt = 0x20000000\nsize = 0',
     'container[0].virtual[0].size'),
    ('[[container.device]]', 'name = "u"\nphys = 0x09040000\nsize = 0',
     'container[0].device[0].size'),
])
def test_empty_sub_region(tmp_path, table, body, keypath):
    text = f'{GOOD}{table}\n{body}\n'
    check(tmp_path, text, 'size = 0', keypath, 'region is empty', nth=2)


def test_stack_too_big(tmp_path):
    # a stack the user wrote: blamed on it, with every size involved
    text = GOOD + 'stack = 0x100000\n'
    check(tmp_path, text, 'stack', 'container[0].stack',
          'container "hello": program region 0x100000 (1 MiB) is too small:'
          ' stack 0x100000 (1 MiB) and the UTCB page 0x1000 (4 KiB) at its '
          'top take 0x101000 (1028 KiB), leaving 0x0 (0 bytes) for the '
          'program, and the program needs at least one page (short by '
          '0x2000 (8 KiB); raise size, or lower stack)')


def test_region_too_small_for_the_default_stack(tmp_path):
    # no stack key: blamed on size (a key the user wrote), naming the
    # default and where it comes from
    text = GOOD.replace('size = 0x100000', 'size = 0x4000')
    check(tmp_path, text, 'size', 'container[0].size',
          'program region 0x4000 (16 KiB) is too small: the default stack '
          '0x4000 (16 KiB; stack is not given: docs/manifest.md, "Keys and '
          'defaults") and the UTCB page 0x1000 (4 KiB) at its top take '
          '0x5000 (20 KiB), leaving 0x0 (0 bytes) for the program',
          'short by 0x2000 (8 KiB)')
    # one page left is enough here (the packer checks the program's size)
    load(tmp_path, GOOD.replace('size = 0x100000', 'size = 0x6000'))


def test_zero_stack(tmp_path):
    check(tmp_path, GOOD + 'stack = 0\n', 'stack', 'container[0].stack',
          'stack = 0: the pager needs a stack (leave stack out for the '
          'default 0x4000 (16 KiB))')


def test_size_text():
    assert manifest.size_text(0x4000) == '0x4000 (16 KiB)'
    assert manifest.size_text(0x100000) == '0x100000 (1 MiB)'
    assert manifest.size_text(0x6100) == '0x6100 (24.2 KiB)'
    assert manifest.size_text(0x200) == '0x200 (512 bytes)'
    assert manifest.size_text(-0x1000) == '-0x1000 (4 KiB)'


def test_too_many_memory_entries(tmp_path):
    text = GOOD + ''.join(f'[[container.memory]]\nphys = '
                          f'0x{0x41200000 + i * 0x1000:x}\nsize = 0x1000\n'
                          for i in range(7))
    check(tmp_path, text, '[[container.memory]]',
          'container[0].memory[6]', 'at most 6', nth=7)


# -------------------------------------------------------- physical memory
def test_program_outside_ram(tmp_path):
    text = GOOD.replace('phys = 0x41000000', 'phys = 0x30000000')
    check(tmp_path, text, 'phys', 'container[0].phys',
          'physical region 0x30000000..0x30100000 is outside the board\'s '
          'RAM')


def test_program_past_end_of_ram(tmp_path):
    text = GOOD.replace('phys = 0x41000000', 'phys = 0x4ff80000')
    check(tmp_path, text, 'phys', 'container[0].phys', 'outside the board')


def test_memory_outside_ram(tmp_path):
    text = GOOD + '[[container.memory]]\nphys = 0x50000000\nsize = 0x1000\n'
    check(tmp_path, text, 'phys = 0x5', 'container[0].memory[0].phys',
          'container "hello": memory[0]', 'outside the board\'s RAM')


def test_program_overlaps_kernel(tmp_path):
    text = GOOD.replace('phys = 0x41000000', 'phys = 0x40200000')
    check(tmp_path, text, 'phys', 'container[0].phys', 'container "hello"',
          'overlaps the kernel')


def test_memory_overlaps_kernel(tmp_path):
    text = GOOD + '[[container.memory]]\nphys = 0x40f00000\nsize = 0x200000\n'
    check(tmp_path, text, 'phys = 0x40f', 'container[0].memory[0].phys',
          'overlaps the kernel (0x40100000..0x41000000)')


def test_memory_overlaps_boot_image(tmp_path):
    text = GOOD + '[[container.memory]]\nphys = 0x47f00000\nsize = 0x200000\n'
    check(tmp_path, text, 'phys = 0x47f', 'container[0].memory[0].phys',
          'overlaps the boot image')


def test_device_inside_ram(tmp_path):
    text = GOOD + ('[[container.device]]\nname = "u"\nphys = 0x42000000\n'
                   'size = 0x1000\n')
    check(tmp_path, text, 'phys = 0x42', 'container[0].device[0].phys',
          'device "u"', "lies in the board's RAM",
          'devices must lie outside it')


def test_device_over_kernel_uart(tmp_path):
    text = GOOD + ('[[container.device]]\nname = "u"\nphys = 0x09000000\n'
                   'size = 0x1000\n')
    check(tmp_path, text, 'phys = 0x09', 'container[0].device[0].phys',
          "overlaps the kernel's board device uart_pl011")


def test_overlap_between_program_regions_names_both(tmp_path):
    text = GOOD + SECOND.replace('0x41100000', '0x41080000')
    check(tmp_path, text, 'phys = 0x41080000', 'container[1].phys',
          'containers "hello" and "second" overlap in physical memory',
          f'(container[0].phys, line {line(text, "phys")})')


def test_memory_overlaps_other_containers_program(tmp_path):
    text = GOOD + SECOND + ('[[container.memory]]\nphys = 0x41000000\n'
                            'size = 0x1000\n')
    check(tmp_path, text, 'phys = 0x41000000', 'container[1].memory[0].phys',
          'containers "hello" and "second" overlap', '"second" memory[0]',
          '"hello" program region', nth=2)


def test_device_shared_between_containers_names_both(tmp_path):
    dev = ('[[container.device]]\nname = "u"\nphys = 0x09040000\n'
           'size = 0x1000\n')
    text = GOOD + dev + SECOND + dev
    check(tmp_path, text, 'phys = 0x09040000', 'container[1].device[0].phys',
          'containers "hello" and "second" overlap', nth=2)


def test_memory_overlaps_own_program(tmp_path):
    text = GOOD + '[[container.memory]]\nphys = 0x410ff000\nsize = 0x2000\n'
    check(tmp_path, text, 'phys = 0x410ff000', 'container[0].memory[0].phys',
          'container "hello": memory[0]', 'overlaps its program region',
          'in physical memory')


def test_memory_overlaps_own_memory(tmp_path):
    text = GOOD + ('[[container.memory]]\nphys = 0x41200000\nsize = 0x2000\n'
                   '[[container.memory]]\nphys = 0x41201000\nsize = 0x1000\n')
    check(tmp_path, text, 'phys = 0x41201000', 'container[0].memory[1].phys',
          'memory[1]', 'overlaps its memory[0]')


def test_devices_overlap_within_container(tmp_path):
    text = GOOD + ('[[container.device]]\nname = "a"\nphys = 0x09040000\n'
                   'size = 0x2000\n[[container.device]]\nname = "b"\n'
                   'phys = 0x09041000\nsize = 0x1000\n')
    check(tmp_path, text, 'phys = 0x09041000', 'container[0].device[1].phys',
          'device "b"', 'overlaps its device "a"')


# --------------------------------------------------------- virtual memory
def test_program_virt_in_kernel_range(tmp_path):
    text = GOOD.replace('virt = 0x10000000', 'virt = 0xc0000000')
    check(tmp_path, text, 'virt', 'container[0].virt', 'virtual region',
          'must lie in user space', "reaches the kernel's range")


def test_program_virt_over_interface_page(tmp_path):
    text = GOOD.replace('virt = 0x10000000', 'virt = 0x7ff00000')
    check(tmp_path, text, 'virt', 'container[0].virt',
          'covers the kernel interface page at 0x7ffff000')


def test_program_virt_at_zero(tmp_path):
    text = GOOD.replace('virt = 0x10000000', 'virt = 0')
    check(tmp_path, text, 'virt', 'container[0].virt', 'covers page 0')


def test_memory_virt_over_interface_page(tmp_path):
    text = GOOD + ('[[container.memory]]\nphys = 0x41200000\nsize = 0x2000\n'
                   'virt = 0x7fffe000\n')
    check(tmp_path, text, 'virt = 0x7fffe000', 'container[0].memory[0].virt',
          'covers the kernel interface page')


def test_virtual_range_in_kernel_range(tmp_path):
    text = GOOD + '[[container.virtual]]\nvirt = 0x80000000\nsize = 0x1000\n'
    check(tmp_path, text, 'virt = 0x80000000', 'container[0].virtual[0].virt',
          "reaches the kernel's range")


def test_virtual_range_over_interface_page(tmp_path):
    text = GOOD + '[[container.virtual]]\nvirt = 0x7ff00000\nsize = 0x100000\n'
    check(tmp_path, text, 'virt = 0x7ff00000', 'container[0].virtual[0].virt',
          'covers the kernel interface page')


def test_memory_virt_overlaps_program_virt(tmp_path):
    text = GOOD + ('[[container.memory]]\nphys = 0x41200000\nsize = 0x1000\n'
                   'virt = 0x10080000\n')
    check(tmp_path, text, 'virt = 0x10080000', 'container[0].memory[0].virt',
          'overlaps its program region', 'in virtual memory')


def test_virtual_range_overlaps_memory_virt(tmp_path):
    text = GOOD + ('[[container.memory]]\nphys = 0x41200000\nsize = 0x1000\n'
                   'virt = 0x20000000\n[[container.virtual]]\n'
                   'virt = 0x1ffff000\nsize = 0x2000\n')
    check(tmp_path, text, 'virt = 0x1ffff000', 'container[0].virtual[0].virt',
          'virtual[0]', 'overlaps its memory[0]', 'in virtual memory')


def test_virtual_ranges_overlap_each_other(tmp_path):
    text = GOOD + ('[[container.virtual]]\nvirt = 0x20000000\nsize = 0x2000\n'
                   '[[container.virtual]]\nvirt = 0x20001000\n'
                   'size = 0x1000\n')
    check(tmp_path, text, 'virt = 0x20001000', 'container[0].virtual[1].virt',
          'virtual[1]', 'overlaps its virtual[0]')


def test_same_virt_in_two_containers_is_fine(tmp_path):
    load(tmp_path, GOOD + SECOND)  # separate address spaces


# ------------------------------------------------------------------ names
def test_duplicate_container_name(tmp_path):
    text = GOOD + SECOND.replace('"second"', '"hello"')
    check(tmp_path, text, 'name', 'container[1].name',
          'duplicate container name "hello"', '(also container[0], line 3)',
          nth=2)


def test_bad_container_name(tmp_path):
    text = GOOD.replace('name = "hello"', 'name = "Hello World"')
    check(tmp_path, text, 'name', 'container[0].name', 'expected a name')


def test_unknown_program(tmp_path):
    text = GOOD.replace('program = "examples/hello"', 'program = "nope"')
    check(tmp_path, text, 'program', 'container[0].program',
          'no program "nope"')


@pytest.mark.parametrize('program,needle', [
    ('examples//hello', 'expected a path under containers/'),
    ('examples/./hello', 'expected a path under containers/'),
    ('lib', 'the user library, not a program'),
    ('tests/faults/common', 'holds no .c or .S source'),
    ('examples', 'holds no .c or .S source'),
])
def test_bad_program_path(tmp_path, program, needle):
    text = GOOD.replace('program = "examples/hello"', f'program = "{program}"')
    check(tmp_path, text, 'program', 'container[0].program', needle)


def test_priority_range(tmp_path):
    text = GOOD + 'priority = 0\n'
    check(tmp_path, text, 'priority', 'container[0].priority',
          'expected a priority in 1..255')


def test_duplicate_device_name(tmp_path):
    text = GOOD + ('[[container.device]]\nname = "u"\nphys = 0x09040000\n'
                   'size = 0x1000\n[[container.device]]\nname = "u"\n'
                   'phys = 0x09050000\nsize = 0x1000\n')
    check(tmp_path, text, 'name = "u"', 'container[0].device[1].name',
          'duplicate device name "u"', nth=2)


def test_bad_device_name(tmp_path):
    text = GOOD + ('[[container.device]]\nname = "UART 1"\nphys = 0x09040000\n'
                   'size = 0x1000\n')
    check(tmp_path, text, 'UART', 'container[0].device[0].name',
          'expected a name')


# ------------------------------------------------------------------- irqs
def test_irq_in_two_containers_names_both(tmp_path):
    text = (GOOD + '[[container.device]]\nname = "a"\nphys = 0x09040000\n'
            'size = 0x1000\nirq = 40\n' + SECOND +
            '[[container.device]]\nname = "b"\nphys = 0x09050000\n'
            'size = 0x1000\nirq = 40\n')
    check(tmp_path, text, 'irq = 40', 'container[1].device[0].irq',
          'irq 40 of container "second" device "b"',
          'container "hello" device "a"',
          f'(container[0].device[0].irq, line {line(text, "irq = 40")})',
          nth=2)


def test_irq_twice_in_one_container(tmp_path):
    text = (GOOD + '[[container.device]]\nname = "a"\nphys = 0x09040000\n'
            'size = 0x1000\nirq = 40\n[[container.device]]\nname = "b"\n'
            'phys = 0x09050000\nsize = 0x1000\nirq = 40\n')
    check(tmp_path, text, 'irq = 40', 'container[0].device[1].irq',
          'device "b"', 'device "a"', nth=2)


def test_irq_out_of_range(tmp_path):
    text = GOOD + ('[[container.device]]\nname = "a"\nphys = 0x09040000\n'
                   'size = 0x1000\nirq = 1020\n')
    check(tmp_path, text, 'irq', 'container[0].device[0].irq',
          'expected an interrupt id in 0..1019')


def test_irq_of_kernel_timer(tmp_path):
    text = GOOD + ('[[container.device]]\nname = "a"\nphys = 0x09040000\n'
                   'size = 0x1000\nirq = 27\n')
    check(tmp_path, text, 'irq', 'container[0].device[0].irq',
          "the kernel's timer")


def test_irq_of_kernel_console(tmp_path):
    """The console UART's receive interrupt is the kernel's (the state
    key): no container device may carry it."""
    text = GOOD + ('[[container.device]]\nname = "a"\nphys = 0x09040000\n'
                   'size = 0x1000\nirq = 33\n')
    check(tmp_path, text, 'irq', 'container[0].device[0].irq',
          'container "hello": irq 33 is the kernel\'s console UART')


# ---------------------------------------------------- channels and targets
def test_channel_to_unknown_container(tmp_path):
    text = GOOD + 'channels = ["nobody"]\n'
    check(tmp_path, text, 'channels', 'container[0].channels[0]',
          'container "hello": channel to unknown container "nobody"')


def test_channel_to_itself(tmp_path):
    text = GOOD + SECOND + 'channels = ["hello", "second"]\n'
    check(tmp_path, text, 'channels', 'container[1].channels[1]',
          'a channel to itself')


def test_channel_listed_twice(tmp_path):
    text = GOOD + SECOND + 'channels = ["hello", "hello"]\n'
    check(tmp_path, text, 'channels', 'container[1].channels[1]',
          'listed twice')


def test_capability_target_unknown(tmp_path):
    text = GOOD + ('[[container.capability]]\nresource = "ipc"\n'
                   'target = "nobody"\n')
    check(tmp_path, text, 'target', 'container[0].capability[0].target',
          'capability target "nobody" is not a container')


def test_unknown_resource(tmp_path):
    text = GOOD + '[[container.capability]]\nresource = "teleport"\n'
    check(tmp_path, text, 'resource', 'container[0].capability[0].resource',
          'unknown resource "teleport"', 'thread_control')


def test_quantity_resource_is_not_a_capability_entry(tmp_path):
    text = GOOD + '[[container.capability]]\nresource = "threads"\n'
    check(tmp_path, text, 'resource', 'container[0].capability[0].resource',
          'unknown resource "threads"')


def test_unknown_operation(tmp_path):
    text = GOOD + ('[[container.capability]]\nresource = "ipc"\n'
                   'ops = ["send", "shout"]\n')
    check(tmp_path, text, 'ops', 'container[0].capability[0].ops[1]',
          'unknown operation "shout"', 'send')


def test_operation_of_another_resource(tmp_path):
    text = GOOD + ('[[container.capability]]\nresource = "ipc"\n'
                   'ops = ["map"]\n')
    check(tmp_path, text, 'ops', 'container[0].capability[0].ops[0]',
          'operation "map" is not valid for resource "ipc"', 'has: send')


def test_empty_operations(tmp_path):
    text = GOOD + '[[container.capability]]\nresource = "ipc"\nops = []\n'
    check(tmp_path, text, 'ops', 'container[0].capability[0].ops',
          'at least one operation')


def test_operation_listed_twice(tmp_path):
    text = GOOD + ('[[container.capability]]\nresource = "mutex"\n'
                   'ops = ["wait", "wait"]\n')
    check(tmp_path, text, 'ops', 'container[0].capability[0].ops[1]',
          'listed twice')


def test_unknown_flag(tmp_path):
    text = GOOD + ('[[container.capability]]\nresource = "ipc"\n'
                   'flags = ["share", "lend"]\n')
    check(tmp_path, text, 'flags', 'container[0].capability[0].flags[1]',
          'unknown flag "lend"', 'replicate')


def test_unknown_scope(tmp_path):
    text = GOOD + ('[[container.capability]]\nresource = "ipc"\n'
                   'scope = "world"\n')
    check(tmp_path, text, 'scope', 'container[0].capability[0].scope',
          'expected one of: container, pager')


# ---------------------------------------------------------------- restart
def test_unknown_restart(tmp_path):
    text = GOOD + 'restart = "sometimes"\n'
    check(tmp_path, text, 'restart', 'container[0].restart',
          'expected one of: never, always, on-failure, core')


def test_on_failure_needs_limit(tmp_path):
    text = GOOD + 'restart = "on-failure"\n'
    check(tmp_path, text, 'restart', 'container[0].restart',
          'needs restart_limit >= 1')


def test_on_failure_limit_zero(tmp_path):
    text = GOOD + 'restart = "on-failure"\nrestart_limit = 0\n'
    check(tmp_path, text, 'restart_limit', 'container[0].restart_limit',
          'needs restart_limit >= 1')


def test_restart_limit_with_never_or_core(tmp_path):
    for policy in ('never', 'core'):
        text = GOOD + f'restart = "{policy}"\nrestart_limit = 2\n'
        check(tmp_path, text, 'restart_limit', 'container[0].restart_limit',
              'applies only to restart = "on-failure" or "always"')


def test_always_with_a_limit(tmp_path):
    m = load(tmp_path, GOOD + 'restart = "always"\nrestart_limit = 200\n')
    c = m.containers[0]
    assert (c.restart_code, c.restart_limit) == (fmt.BI_RESTART_ALWAYS, 200)


def test_limit_zero_with_never_is_fine(tmp_path):
    m = load(tmp_path, GOOD + 'restart = "never"\nrestart_limit = 0\n')
    assert m.containers[0].restart_code == fmt.BI_RESTART_NEVER


# ---------------------------------------------------------------- budgets
def test_negative_budget(tmp_path):
    text = GOOD + '[container.budget]\nspaces = -1\n'
    check(tmp_path, text, 'spaces', 'container[0].budget.spaces',
          'must not be negative')


def test_threads_budgets_must_fit_max_threads(tmp_path):
    text = (GOOD + '[container.budget]\nthreads = 100\n' + SECOND +
            '[container.budget]\nthreads = 100\n')
    load(tmp_path, text, max_threads=256)
    check(tmp_path, text, 'threads = 100', 'container[1].budget.threads',
          '"hello" 100+1 + "second" 100+1', '= 202 threads',
          'CONFIG_MAX_THREADS=200 holds 199', nth=2, max_threads=200)


def test_threads_budgets_default_against_max_threads(tmp_path):
    check(tmp_path, GOOD + SECOND, '[[container]]',
          'container[1].budget.threads',
          '"hello" 64+1 + "second" 64+1', nth=2, max_threads=100)


def test_budgets_must_fit_kernel_memory(tmp_path):
    # pool: kernel_reserve 15 MiB - 2 MiB = 13312 KiB; each container below
    # costs (1+1)*1 + (500+1)*12 + 64*4 + 32*64/1024 = 6272 KiB
    body = '[container.budget]\nthreads = 1\nspaces = 500\n'
    text = GOOD + body + SECOND + body + SECOND.replace(
        'second', 'third').replace('0x41100000', '0x41200000') + body
    pool = (BOARD['memory']['kernel_reserve'] - (2 << 20)) // 1024
    msg = check(tmp_path, text, '[container.budget]', 'container[2].budget',
                '"hello" 6272 KiB + "second" 6272 KiB + "third" 6272 KiB',
                f'the pool has {pool} KiB', nth=3)
    assert 'kernel memory pool' in msg
    assert manifest.kernel_memory(manifest.Container(
        0, 'x', 'x', 0, 0, 0, budget=dict(threads=1, spaces=500, mutexes=9,
                                          pt_pages=64, caps=32, irqs=3))) \
        == 6272 * 1024


def test_too_many_capabilities(tmp_path):
    text = GOOD + '[[container.capability]]\nresource = "ipc"\n' * 51
    load(tmp_path, GOOD + '[[container.capability]]\nresource = "ipc"\n' * 50)
    check(tmp_path, text, '[[container]]', 'container[0]',
          'container "hello" would start with 65 capabilities',
          'BOOTINFO_MAX_CAPS = 64')


# ------------------------------------------------------------------ other
def test_not_utf8(tmp_path):
    p = tmp_path / 'm.toml'
    p.write_bytes(b'\xff\xfe')
    with pytest.raises(manifest.ManifestError, match=r':1: manifest: not UTF-8'):
        manifest.load(str(p), BOARD, PROGRAMS)


def scons_with_manifest(tmp_path, text, extra=()):
    bad = tmp_path / 'bad.toml'
    bad.write_text(text)
    out = tmp_path / 'out'
    r = subprocess.run(['scons', '-Q', f'O={out}', 'qemu_virt_hello_defconfig'],
                       cwd=TOP, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(out / '.config', 'a') as f:
        f.write(f'CONFIG_MANIFEST="{bad}"\n')
        f.write(''.join(f'{line}\n' for line in extra))
    r = subprocess.run(['scons', '-Q', f'O={out}'], cwd=TOP,
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert 'Traceback' not in r.stdout + r.stderr
    assert not (out / 'image.bin').exists()
    assert not (out / 'kernel').exists()  # stopped before compiling
    return str(bad), r.stderr


def test_build_rejects_bad_manifest_without_traceback(tmp_path):
    """The build stops with the error line, exit status non-zero, no image."""
    bad, err = scons_with_manifest(
        tmp_path, GOOD.replace('size = 0x100000', 'size = 0x100'))
    assert f'manifest: error: {bad}:8: container[0].size: 0x100 is not a ' \
        'multiple of the page size' in err


def test_build_rejects_overlap_naming_both(tmp_path):
    bad, err = scons_with_manifest(
        tmp_path, GOOD + SECOND.replace('0x41100000', '0x41080000'))
    assert f'manifest: error: {bad}:13: container[1].phys: containers ' \
        '"hello" and "second" overlap' in err


def test_build_checks_budgets_against_configured_max_threads(tmp_path):
    bad, err = scons_with_manifest(tmp_path, GOOD + SECOND,
                                   ['CONFIG_MAX_THREADS=100'])
    assert f'manifest: error: {bad}:10: container[1].budget.threads: ' \
        'threads budgets do not fit' in err
    assert 'CONFIG_MAX_THREADS=100' in err


# ------------------------------------------------------------ CPU budgets
def test_cpu_budget_is_read(tmp_path):
    m = load(tmp_path, GOOD.replace(
        'size = 0x100000\n',
        'size = 0x100000\ncpu = { budget_us = 500, period_us = 10000 }\n', 1))
    assert m.containers[0].cpu == (500, 10000)
    assert load(tmp_path, GOOD).containers[0].cpu is None


@pytest.mark.parametrize('cpu,key,words', [
    ('{ budget_us = 500 }', 'cpu.period_us', ('missing required key',)),
    ('{ budget_us = 500, period_us = 50 }', 'cpu.period_us',
     ('50 is outside 100..1000000 microseconds',)),
    ('{ budget_us = 500, period_us = 2000000 }', 'cpu.period_us',
     ('outside 100..1000000',)),
    ('{ budget_us = 5, period_us = 1000 }', 'cpu.budget_us',
     ('5 is outside 10..period_us (1000)',)),
    ('{ budget_us = 2000, period_us = 1000 }', 'cpu.budget_us',
     ('2000 is outside',)),
    ('{ budget_us = 500, period_us = 1000, share = 1 }', 'cpu.share',
     ('unknown key',)),
    ('{ budget_us = "half", period_us = 1000 }', 'cpu.budget_us', ()),
])
def test_bad_cpu_budget(tmp_path, cpu, key, words):
    text = GOOD.replace('size = 0x100000\n', f'size = 0x100000\ncpu = {cpu}\n',
                        1)
    check(tmp_path, text, 'cpu =', f'container[0].{key}', *words)


def test_cpu_budgets_over_one_cpu_name_every_container_and_the_sum(tmp_path):
    text = (GOOD.replace('size = 0x100000\n', 'size = 0x100000\n'
                         'cpu = { budget_us = 6000, period_us = 10000 }\n', 1)
            + SECOND.replace('size = 0x100000\n', 'size = 0x100000\n'
                             'cpu = { budget_us = 500, period_us = 1000 }\n'))
    msg = check(tmp_path, text, 'cpu =', 'container[1].cpu',
                'CPU budgets add up to more than one CPU',
                '"hello" 6000/10000 us = 60.0 %',
                '"second" 500/1000 us = 50.0 %', '= 110.0 % (at most 100 %)',
                nth=2)
    assert 'second' in msg


def test_cpu_budgets_of_exactly_one_cpu_are_accepted(tmp_path):
    text = (GOOD.replace('size = 0x100000\n', 'size = 0x100000\n'
                         'cpu = { budget_us = 5000, period_us = 10000 }\n', 1)
            + SECOND.replace('size = 0x100000\n', 'size = 0x100000\n'
                             'cpu = { budget_us = 500, period_us = 1000 }\n'))
    assert [c.cpu for c in load(tmp_path, text).containers] == [
        (5000, 10000), (500, 1000)]


# ------------------------------------------------- user-level scheduling
def test_scheduler_gives_sched_control_on_the_scheduled(tmp_path):
    m = load(tmp_path, GOOD + SECOND + 'scheduler = "hello"\n')
    hello, second = m.containers
    assert second.scheduler == 'hello' and hello.scheduler is None
    sched = [c for c in manifest.capabilities(m, hello)
             if c[0] == k.CAP_RES_SCHED]
    # no flags: the scheduler can neither pass it on nor destroy it
    assert sched == [(k.CAP_RES_SCHED, k.CAP_OP_SCHED_CONTROL, 0,
                      k.CAP_TGT_CONTAINER, 1, 0, 0, k.CAP_NO_IRQ,
                      k.CAP_LIST_CONTAINER)]
    # the scheduled container holds none, and own_caps never makes one
    assert not [c for c in manifest.capabilities(m, second)
                if c[0] == k.CAP_RES_SCHED]
    assert k.RESOURCE_NAMES[k.CAP_RES_SCHED] == 'sched_control'
    assert k.ops_text(k.CAP_RES_SCHED, k.CAP_OP_SCHED_CONTROL) == 'control'


def test_scheduler_unknown_container(tmp_path):
    text = GOOD + SECOND + 'scheduler = "nobody"\n'
    check(tmp_path, text, 'scheduler', 'container[1].scheduler',
          'container "second": scheduler "nobody" is not a container')


def test_scheduler_itself(tmp_path):
    for name in ('second', 'self'):
        text = GOOD + SECOND + f'scheduler = "{name}"\n'
        check(tmp_path, text, 'scheduler', 'container[1].scheduler',
              'container "second": its own scheduler')


def test_scheduler_must_be_a_string(tmp_path):
    text = GOOD + SECOND + 'scheduler = 1\n'
    check(tmp_path, text, 'scheduler', 'container[1].scheduler',
          'expected str, got int')


THIRD = SECOND.replace('"second"', '"third"').replace('0x41100000',
                                                       '0x41200000')


def test_forward_schedulers_give_a_marked_sched_control(tmp_path):
    m = load(tmp_path, GOOD + THIRD + SECOND + 'scheduler = "hello"\n'
             'forward_schedulers = ["third"]\n')
    hello, third, second = m.containers
    assert second.forward_schedulers == ['third']
    assert hello.forward_schedulers == [] == third.forward_schedulers
    sched = [c for c in manifest.capabilities(m, third)
             if c[0] == k.CAP_RES_SCHED]
    # marked: the kernel sends it only starts forwarded to it; no flags
    assert sched == [(k.CAP_RES_SCHED,
                      k.CAP_OP_SCHED_CONTROL | k.CAP_OP_SCHED_FORWARDED, 0,
                      k.CAP_TGT_CONTAINER, 2, 0, 0, k.CAP_NO_IRQ,
                      k.CAP_LIST_CONTAINER)]
    # the scheduler's own stays unmarked
    assert [c[1] for c in manifest.capabilities(m, hello)
            if c[0] == k.CAP_RES_SCHED] == [k.CAP_OP_SCHED_CONTROL]
    assert not [c for c in manifest.capabilities(m, second)
                if c[0] == k.CAP_RES_SCHED]


def test_forward_schedulers_need_a_scheduler(tmp_path):
    text = GOOD + SECOND + 'forward_schedulers = ["hello"]\n'
    check(tmp_path, text, 'forward_schedulers',
          'container[1].forward_schedulers[0]',
          'container "second": forward_schedulers without a scheduler')


def test_forward_schedulers_itself(tmp_path):
    for name in ('second', 'self'):
        text = GOOD + SECOND + ('scheduler = "hello"\n'
                                f'forward_schedulers = ["{name}"]\n')
        check(tmp_path, text, 'forward_schedulers',
              'container[1].forward_schedulers[0]',
              'container "second": forwarding to itself')


def test_forward_schedulers_unknown_container(tmp_path):
    text = GOOD + SECOND + ('scheduler = "hello"\n'
                            'forward_schedulers = ["nobody"]\n')
    check(tmp_path, text, 'forward_schedulers',
          'container[1].forward_schedulers[0]',
          'forward scheduler "nobody" is not a container')


def test_forward_schedulers_its_scheduler(tmp_path):
    text = GOOD + SECOND + ('scheduler = "hello"\n'
                            'forward_schedulers = ["hello"]\n')
    check(tmp_path, text, 'forward_schedulers',
          'container[1].forward_schedulers[0]',
          'forward scheduler "hello" is its scheduler already')


def test_forward_schedulers_twice(tmp_path):
    text = GOOD + THIRD + SECOND + ('scheduler = "hello"\n'
                                    'forward_schedulers = ["third", '
                                    '"third"]\n')
    check(tmp_path, text, 'forward_schedulers',
          'container[2].forward_schedulers[1]',
          'forward scheduler "third" is listed twice')


def test_forward_schedulers_must_be_names(tmp_path):
    text = GOOD + SECOND + ('scheduler = "hello"\n'
                            'forward_schedulers = "hello"\n')
    check(tmp_path, text, 'forward_schedulers',
          'container[1].forward_schedulers', 'expected an array of strings')


def test_sched_control_cannot_be_declared(tmp_path):
    text = GOOD + SECOND + ('[[container.capability]]\n'
                            'resource = "sched_control"\ntarget = "hello"\n')
    check(tmp_path, text, 'resource', 'container[1].capability[0].resource',
          'unknown resource "sched_control"')


# ------------------------------------------------------------ ram_offset
OFFSET = GOOD.replace('phys = 0x41000000', 'ram_offset = 0x01000000')


def test_ram_offset_resolves_from_the_boards_ram_base(tmp_path):
    text = OFFSET + ('[[container.memory]]\nram_offset = 0x01200000\n'
                     'size = 0x1000\nvirt = 0x20000000\n')
    m = load(tmp_path, text)
    c = m.containers[0]
    assert (c.phys, c.ram_offset, c.phys_key) == (0x41000000, 0x01000000,
                                                   'ram_offset')
    assert (c.memory[0].phys, c.memory[0].ram_offset) == (0x41200000,
                                                          0x01200000)
    # the same capabilities and regions as the absolute form
    p = tmp_path / 'abs'
    p.mkdir()
    a = load(p, GOOD + '[[container.memory]]\nphys = 0x41200000\n'
             'size = 0x1000\nvirt = 0x20000000\n')
    assert manifest.capabilities(m, c) == \
        manifest.capabilities(a, a.containers[0])
    assert c.regions() == a.containers[0].regions()


@pytest.mark.parametrize('name', ['vexpress_a9', 'raspi2b'])
def test_ram_offset_on_other_boards(tmp_path, name):
    b = board.load(name)
    p = tmp_path / 'm.toml'
    p.write_text(OFFSET)
    c = manifest.load(str(p), b, PROGRAMS).containers[0]
    assert c.phys == b['memory']['ram_base'] + 0x01000000


def test_program_phys_and_ram_offset_both(tmp_path):
    text = OFFSET.replace('virt =', 'phys = 0x41000000\nvirt =')
    check(tmp_path, text, 'ram_offset', 'container[0].ram_offset',
          'either phys (absolute) or ram_offset', 'not both',
          '0x40000000')


def test_program_neither_phys_nor_ram_offset(tmp_path):
    text = GOOD.replace('phys = 0x41000000\n', '')
    check(tmp_path, text, '[[container]]', 'container[0].ram_offset',
          'missing required key "ram_offset"', '"phys"', 'exactly one')


def test_memory_phys_and_ram_offset_both(tmp_path):
    text = OFFSET + ('[[container.memory]]\nphys = 0x41200000\n'
                     'ram_offset = 0x01200000\nsize = 0x1000\n')
    check(tmp_path, text, 'ram_offset = 0x012',
          'container[0].memory[0].ram_offset', 'not both')


def test_program_ram_offset_past_end_of_ram(tmp_path):
    text = OFFSET.replace('ram_offset = 0x01000000',
                          'ram_offset = 0x0ff80000')
    check(tmp_path, text, 'ram_offset', 'container[0].ram_offset',
          'physical region 0x4ff80000..0x50080000 (ram_offset 0x0ff80000) '
          'is outside the board\'s RAM (0x40000000..0x50000000, '
          'ram_offset 0x0..0x10000000)')


def test_memory_ram_offset_outside_ram(tmp_path):
    text = OFFSET + '[[container.memory]]\nram_offset = 0x10000000\n' \
        'size = 0x1000\n'
    check(tmp_path, text, 'ram_offset = 0x1000',
          'container[0].memory[0].ram_offset', 'memory[0]',
          '0x50000000..0x50001000 (ram_offset 0x10000000)', 'outside')


def test_ram_offset_over_kernel_shows_both(tmp_path):
    text = OFFSET.replace('ram_offset = 0x01000000',
                          'ram_offset = 0x00200000')
    check(tmp_path, text, 'ram_offset', 'container[0].ram_offset',
          '0x40200000..0x40300000 (ram_offset 0x00200000) overlaps the '
          'kernel')


def test_ram_offset_unaligned(tmp_path):
    text = OFFSET.replace('ram_offset = 0x01000000',
                          'ram_offset = 0x01000800')
    check(tmp_path, text, 'ram_offset', 'container[0].ram_offset',
          '0x1000800 is not a multiple of the page size')


def test_ram_offset_overlap_names_both(tmp_path):
    text = OFFSET + SECOND.replace('phys = 0x41100000', 'phys = 0x41080000')
    check(tmp_path, text, 'phys = 0x41080000', 'container[1].phys',
          '"second" program region 0x41080000..0x41180000 and "hello" '
          'program region 0x41000000..0x41100000 (ram_offset 0x01000000) '
          '(container[0].ram_offset, line')


# ------------------------------------------------------ board peripherals
def real_reject(tmp_path, text, board_name='qemu_virt'):
    p = tmp_path / 'm.toml'
    p.write_text(text)
    with pytest.raises(manifest.ManifestError) as e:
        manifest.load(str(p), board.load(board_name), PROGRAMS)
    msg = str(e.value)
    assert msg.startswith(f'{p}:'), msg
    return msg


def real_load(tmp_path, text, board_name='qemu_virt'):
    p = tmp_path / 'm.toml'
    p.write_text(text)
    return manifest.load(str(p), board.load(board_name), PROGRAMS)


RTC = '[[container.device]]\nname = "rtc"\nperipheral = "rtc"\n'


def test_device_by_peripheral_name(tmp_path):
    m = real_load(tmp_path, OFFSET + RTC)
    d = m.containers[0].devices[0]
    assert (d.name, d.phys, d.size, d.irq, d.peripheral) == (
        'rtc', 0x09010000, 0x1000, 34, 'rtc')
    assert caps(m, 'hello')[2] == (
        k.CAP_RES_DEVMEM, k.MAP_ATTR_READ | k.MAP_ATTR_WRITE |
        k.MAP_ATTR_DEVICE, NOREP, 0, 0, 0x09010000, 0x1000, 34, C)
    assert m.containers[0].budget['irqs'] == 1


@pytest.mark.parametrize('name, phys, irq', [('vexpress_a9', 0x10017000, 36)])
def test_device_by_peripheral_name_other_board(tmp_path, name, phys, irq):
    d = real_load(tmp_path, OFFSET + RTC, name).containers[0].devices[0]
    assert (d.phys, d.irq) == (phys, irq)


def test_peripheral_with_matching_values_and_another_irq(tmp_path):
    text = OFFSET + ('[[container.device]]\nname = "v"\n'
                     'peripheral = "virtio_mmio1"\nphys = 0x0a001000\n'
                     'size = 0x1000\nirq = 60\n')
    d = real_load(tmp_path, text).containers[0].devices[0]
    assert (d.phys, d.size, d.irq) == (0x0a001000, 0x1000, 60)


def test_peripheral_with_mismatching_phys(tmp_path):
    text = OFFSET + RTC + 'phys = 0x09011000\n'
    msg = real_reject(tmp_path, text)
    assert at(text, 'phys = 0x09011000', 'container[0].device[0].phys') \
        in msg, msg
    assert 'does not match peripheral "rtc" of board qemu_virt' in msg


def test_peripheral_with_an_irq_not_its_own(tmp_path):
    text = OFFSET + RTC + 'irq = 35\n'
    msg = real_reject(tmp_path, text)
    assert at(text, 'irq = 35', 'container[0].device[0].irq') in msg, msg
    assert 'irq 35 is not an interrupt of peripheral "rtc"' in msg
    assert '(its irqs: 34)' in msg


def test_unknown_peripheral(tmp_path):
    msg = real_reject(tmp_path, OFFSET + RTC, 'raspi2b')
    assert at(OFFSET + RTC, 'peripheral', 'container[0].device[0].peripheral') \
        in msg, msg
    assert ('container "hello": device "rtc": no peripheral "rtc" on board '
            'raspi2b (it has: aux, gpio, system_timer)') in msg


def test_device_outside_any_peripheral(tmp_path):
    text = OFFSET + ('[[container.device]]\nname = "u"\nphys = 0x09040000\n'
                     'size = 0x1000\n')
    msg = real_reject(tmp_path, text)
    assert at(text, 'phys = 0x0904', 'container[0].device[0].phys') in msg
    assert ('device "u" 0x09040000..0x09041000 is not inside any peripheral '
            'of board qemu_virt (it has: gpio 0x09030000..0x09031000') in msg


def test_device_across_two_peripherals(tmp_path):
    text = OFFSET + ('[[container.device]]\nname = "v"\nphys = 0x0a000000\n'
                     'size = 0x2000\n')
    assert 'is not inside any peripheral' in real_reject(tmp_path, text)


def test_device_by_address_inside_a_peripheral(tmp_path):
    text = OFFSET + ('[[container.device]]\nname = "v"\nphys = 0x0a001000\n'
                     'size = 0x1000\nirq = 57\n')
    d = real_load(tmp_path, text).containers[0].devices[0]
    assert (d.phys, d.irq, d.peripheral) == (0x0a001000, 57, None)


def test_device_irq_not_the_peripherals(tmp_path):
    text = OFFSET + ('[[container.device]]\nname = "v"\nphys = 0x0a001000\n'
                     'size = 0x1000\nirq = 48\n')
    msg = real_reject(tmp_path, text)
    assert at(text, 'irq = 48', 'container[0].device[0].irq') in msg, msg
    assert ('irq 48 is not an interrupt of peripheral "virtio_mmio1" of '
            'board qemu_virt (its irqs: 56, 57, 58, 59, 60, 61, 62, 63)') \
        in msg


def test_device_needs_peripheral_or_phys(tmp_path):
    text = OFFSET + '[[container.device]]\nname = "v"\n'
    msg = real_reject(tmp_path, text)
    assert 'container[0].device[0].phys: missing required key "phys" (or ' \
        'name a board peripheral' in msg, msg


def test_optional_needs_peripheral(tmp_path):
    text = OFFSET + ('[[container.device]]\nname = "v"\nphys = 0x0a001000\n'
                     'size = 0x1000\noptional = true\n')
    msg = real_reject(tmp_path, text)
    assert at(text, 'optional', 'container[0].device[0].optional') in msg
    assert 'optional applies only to a device that names a peripheral' in msg


def test_optional_must_be_bool(tmp_path):
    msg = real_reject(tmp_path, OFFSET + RTC + 'optional = 1\n')
    assert 'container[0].device[0].optional: expected bool' in msg, msg


def test_optional_device_present_is_kept(tmp_path):
    m = real_load(tmp_path, OFFSET + RTC + 'optional = true\n')
    assert [d.name for d in m.containers[0].devices] == ['rtc']
    assert m.notes == []


def test_optional_device_dropped_on_raspi2b(tmp_path):
    """Left out of the image: no capability, no region, no irq budget, and
    a note naming the file:line, container, device and board."""
    import pack
    text = OFFSET + RTC + 'optional = true\n'
    m = real_load(tmp_path, text, 'raspi2b')
    c = m.containers[0]
    assert c.devices == []
    assert c.budget['irqs'] == 0
    assert len(m.notes) == 1
    note = m.notes[0]
    assert at(text, 'peripheral', 'container[0].device[0].peripheral') \
        in note, note
    assert ('container "hello": device "rtc" left out: no peripheral "rtc" '
            'on board raspi2b') in note
    resources = [cap[0] for cap in manifest.capabilities(m, c)]
    assert k.CAP_RES_DEVMEM not in resources
    assert k.CAP_RES_IRQS not in resources

    # the boot info the packer writes holds no device capability
    class Prog:
        entry = 0x10000000
    blob = pack.bootinfo_blob(m, {'hello': 2}, {'hello': Prog()},
                              lambda c: manifest.capabilities(m, c))
    hdr = fmt.BI_HEADER.unpack_from(blob)
    caps_offset, ncaps = hdr[-2], hdr[-1]
    got = [fmt.BI_CAP.unpack_from(blob, caps_offset + i * fmt.BI_CAP.size)
           for i in range(ncaps)]
    assert got and all(cap[0] != k.CAP_RES_DEVMEM for cap in got)
    assert all(cap[0] != k.CAP_RES_IRQS for cap in got)
    # and on qemu_virt the same manifest keeps it
    p = tmp_path / 'virt'
    p.mkdir()
    assert real_load(p, text).containers[0].devices[0].irq == 34


def test_optional_device_note_printed_by_check(tmp_path):
    p = tmp_path / 'm.toml'
    p.write_text(OFFSET + RTC + 'optional = true\n')
    r = subprocess.run(['/usr/bin/python3',
                        os.path.join(TOP, 'tools', 'manifest.py'), 'check',
                        str(p), '--board', 'raspi2b'],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert 'manifest: note: ' in r.stdout and 'left out' in r.stdout


@pytest.mark.parametrize('board_name', board.names())
def test_shipped_manifests_check_on_every_board(board_name):
    """tools/manifest.py check, as a user runs it, on every configs/*.toml
    for every board (with the defconfig's CONFIG_MAX_THREADS)."""
    facts = defconfig_facts()
    names = sorted(n for n in os.listdir(os.path.join(TOP, 'configs'))
                   if n.endswith('.toml'))
    for name in names:
        path = os.path.join(TOP, 'configs', name)
        r = subprocess.run(
            ['/usr/bin/python3', os.path.join(TOP, 'tools', 'manifest.py'),
             'check', path, '--board', board_name, '--max-threads',
             str(facts.get(path, manifest.DEFAULT_MAX_THREADS))],
            capture_output=True, text=True)
        assert r.returncode == 0, (name, r.stderr)
        assert ': ok, ' in r.stdout, r.stdout


# ---------------------------------------------------------- CPU placement
def test_default_nr_cpus_is_kconfigs():
    import kconfiglib
    old = os.getcwd()
    os.chdir(TOP)
    try:
        sym = kconfiglib.Kconfig('Kconfig').syms['NR_CPUS']
    finally:
        os.chdir(old)
    assert int(sym.str_value) == manifest.DEFAULT_NR_CPUS


@pytest.mark.parametrize('nr_cpus, mask', [(1, 0x1), (2, 0x3), (4, 0xf),
                                           (8, 0xff)])
def test_cpus_default_every_cpu_the_kernel_starts(tmp_path, nr_cpus, mask):
    c = load(tmp_path, GOOD, nr_cpus=nr_cpus).containers[0]
    assert c.cpus == list(range(nr_cpus))
    assert c.cpu_mask == mask


def test_cpus_default_without_nr_cpus_is_cpu_0(tmp_path):
    assert load(tmp_path, GOOD).containers[0].cpu_mask == 0x1


@pytest.mark.parametrize('cpus, mask', [('[0]', 0x1), ('[1]', 0x2),
                                        ('[0, 1]', 0x3), ('[3, 1]', 0xa),
                                        ('[7]', 0x80),
                                        ('[\n  2,\n  0,\n]', 0x5)])
def test_cpus_explicit(tmp_path, cpus, mask):
    c = load(tmp_path, GOOD + f'cpus = {cpus}\n',
             nr_cpus=8).containers[0]
    assert c.cpu_mask == mask


def test_cpus_per_container_in_the_boot_info(tmp_path):
    import pack
    m = load(tmp_path, GOOD + 'cpus = [1]\n' + SECOND, nr_cpus=2)
    assert [c.cpu_mask for c in m.containers] == [0x2, 0x3]

    class Prog:
        entry = 0x10000000
    blob = pack.bootinfo_blob(m, {'hello': 2, 'second': 3},
                              {'hello': Prog(), 'second': Prog()})
    masks = [fmt.BI_CONTAINER_TAIL.unpack_from(
        blob, fmt.BI_HEADER.size + (i + 1) * fmt.BI_CONTAINER_SIZE -
        fmt.BI_CONTAINER_TAIL.size)[-1] for i in range(2)]
    assert masks == [0x2, 0x3]


@pytest.mark.parametrize('value, needle, keypath, words', [
    ('1', 'cpus', 'container[0].cpus', ['expected an array, got int']),
    ('"0,1"', 'cpus', 'container[0].cpus', ['expected an array, got str']),
    ('{ a = 1 }', 'cpus', 'container[0].cpus',
     ['expected an array, got table']),
    ('[]', 'cpus', 'container[0].cpus',
     ['container "hello": cpus is empty', 'at least one CPU',
      'board qemu_virt has 8: CPUs 0..7']),
    ('[0, 1, 0]', 'cpus', 'container[0].cpus[2]',
     ['container "hello": CPU 0 is listed twice']),
    ('["0"]', 'cpus', 'container[0].cpus[0]',
     ['container "hello": expected a CPU number (an integer), got str']),
    ('[0, 1.0]', 'cpus', 'container[0].cpus[1]',
     ['container "hello": expected a CPU number (an integer), got float']),
    ('[true]', 'cpus', 'container[0].cpus[0]',
     ['container "hello": expected a CPU number (an integer), got bool']),
    ('[[0]]', 'cpus', 'container[0].cpus[0]',
     ['container "hello": expected a CPU number (an integer), got array']),
    ('[-1]', 'cpus', 'container[0].cpus[0]',
     ['container "hello": CPU -1 is negative']),
    ('[0, 8]', 'cpus', 'container[0].cpus[1]',
     ['container "hello": no CPU 8 on board qemu_virt',
      'it has 8: CPUs 0..7', '[smp] cpus']),
    ('[0x100000000]', 'cpus', 'container[0].cpus[0]',
     ['container "hello": no CPU 4294967296 on board qemu_virt']),
])
def test_bad_cpus(tmp_path, value, needle, keypath, words):
    check(tmp_path, GOOD + f'cpus = {value}\n', needle, keypath, *words,
          nr_cpus=8)


def test_cpus_element_on_its_own_line(tmp_path):
    """An element of a multi-line array: the error names its line."""
    text = GOOD + 'cpus = [\n  0,\n  9,\n]\n'
    check(tmp_path, text, '9,', 'container[0].cpus[1]', 'no CPU 9 on board',
          nr_cpus=8)


def test_cpus_in_the_second_container_named(tmp_path):
    text = GOOD + SECOND + 'cpus = [2]\n'
    check(tmp_path, text, 'cpus', 'container[1].cpus[0]',
          'container "second": CPU 2 is not started by the kernel',
          nr_cpus=2)


@pytest.mark.parametrize('nr_cpus, cpus, keypath, started', [
    (1, '[1]', 'container[0].cpus[0]',
     'CPU 1 is not started by the kernel: CONFIG_NR_CPUS=1 starts CPU 0'),
    (2, '[0, 2]', 'container[0].cpus[1]',
     'CPU 2 is not started by the kernel: CONFIG_NR_CPUS=2 starts CPUs '
     '0..1'),
    (4, '[7]', 'container[0].cpus[0]',
     'CPU 7 is not started by the kernel: CONFIG_NR_CPUS=4 starts CPUs '
     '0..3')])
def test_cpus_beyond_nr_cpus(tmp_path, nr_cpus, cpus, keypath, started):
    check(tmp_path, GOOD + f'cpus = {cpus}\n', 'cpus', keypath,
          f'container "hello": {started}', nr_cpus=nr_cpus)


def test_cpus_beyond_the_board_named(tmp_path):
    """raspi2b has 4 cores: CPU 4 is the board's error, whatever the
    kernel starts."""
    p = tmp_path / 'm.toml'
    text = OFFSET + 'cpus = [0, 4]\n'
    p.write_text(text)
    with pytest.raises(manifest.ManifestError) as e:
        manifest.load(str(p), board.load('raspi2b'), PROGRAMS, nr_cpus=4)
    msg = str(e.value)
    assert msg.startswith(f'{p}:{line(text, "cpus")}: container[0].cpus[1]: '
                          'container "hello": no CPU 4 on board raspi2b '
                          '(it has 4: CPUs 0..3'), msg


def test_cpus_on_a_board_without_smp(tmp_path):
    """A board without [smp] has one core."""
    one = copy.deepcopy(BOARD)
    del one['smp']
    p = tmp_path / 'm.toml'
    p.write_text(GOOD + 'cpus = [1]\n')
    with pytest.raises(manifest.ManifestError, match=r'no CPU 1 on board '
                       r'qemu_virt \(it has 1: CPU 0;'):
        manifest.load(str(p), one, PROGRAMS)
    p.write_text(GOOD + 'cpus = [0]\n')
    assert manifest.load(str(p), one, PROGRAMS).containers[0].cpu_mask == 1


def run_check(*args):
    return subprocess.run(['/usr/bin/python3',
                           os.path.join(TOP, 'tools', 'manifest.py'), 'check',
                           *args], capture_output=True, text=True)


def test_check_command_nr_cpus(tmp_path):
    p = tmp_path / 'm.toml'
    text = GOOD + 'cpus = [0, 1]\n'
    p.write_text(text)
    r = run_check(str(p))  # default --nr-cpus 1
    assert r.returncode == 1
    assert (f'manifest: error: {p}:{line(text, "cpus")}: container[0].cpus[1]'
            ': container "hello": CPU 1 is not started by the kernel: '
            'CONFIG_NR_CPUS=1 starts CPU 0') in r.stderr, r.stderr
    r = run_check(str(p), '--nr-cpus', '2')
    assert r.returncode == 0 and ': ok, ' in r.stdout, r.stderr
    r = run_check(str(p), '--nr-cpus', '9')  # more than the board has
    assert r.returncode == 2 and 'CONFIG_NR_CPUS=9' in r.stderr, r.stderr
    r = run_check(str(p), '--nr-cpus', '0')
    assert r.returncode == 2 and 'CONFIG_NR_CPUS=0' in r.stderr, r.stderr
    assert '--nr-cpus' in run_check('--help').stdout


def test_build_checks_cpus_against_configured_nr_cpus(tmp_path):
    """SConstruct passes CONFIG_NR_CPUS to the checker."""
    text = GOOD + 'cpus = [0, 2]\n'
    bad, err = scons_with_manifest(tmp_path, text, ['CONFIG_NR_CPUS=2'])
    assert (f'manifest: error: {bad}:{line(text, "cpus")}: '
            'container[0].cpus[1]: container "hello": CPU 2 is not started '
            'by the kernel: CONFIG_NR_CPUS=2 starts CPUs 0..1') in err, err


# --------------------------------- issue 15: numbers, culprits, suggestions
def test_kernel_memory_blames_the_container_that_causes_it(tmp_path):
    # "big" alone nearly fills the pool; "small" (default budgets) only
    # tips it over: "big" is blamed, at its budget, with every share
    text = (GOOD.replace('"hello"', '"big"') +
            '[container.budget]\nspaces = 1050\n' +
            SECOND.replace('"second"', '"small"'))
    check(tmp_path, text, '[container.budget]', 'container[0].budget',
          'budgets do not fit the kernel memory pool: "big" 12935 KiB + '
          '"small" 431 KiB = 13366 KiB, the pool has 13312 KiB (board '
          'kernel_reserve 0xf00000 (15 MiB) - 2 MiB for the kernel image and '
          'static data): over by 0xd800 (54 KiB); "big" costs 12935 KiB (its '
          'budgets: threads (64+1) x 1 KiB = 65 KiB + spaces (1050+1) x 12 '
          'KiB = 12612 KiB + pt_pages 64 x 4 KiB = 256 KiB + caps 32 x 64 B = '
          '2 KiB): without it the others would fit (431 KiB <= 13312 KiB)')
    # the same with the big one second: still "big", not the one before it
    text = (GOOD.replace('"hello"', '"small"') +
            SECOND.replace('"second"', '"big"') +
            '[container.budget]\nspaces = 1050\n')
    check(tmp_path, text, '[container.budget]', 'container[1].budget',
          '"small" 431 KiB + "big" 12935 KiB = 13366 KiB',
          '"big" costs 12935 KiB')


def test_kernel_memory_default_budgets_culprit_names_the_defaults(tmp_path):
    # 31 containers with the default budgets (431 KiB each; 30 fit): the
    # last is blamed at its [[container]] line, its budgets named defaults
    text = GOOD + ''.join(
        SECOND.replace('second', f'c{i}').replace(
            '0x41100000', f'0x{0x41100000 + i * 0x100000:x}')
        for i in range(30))
    msg = check(tmp_path, text, '[[container]]', 'container[30].budget',
                '"c29" costs 431 KiB (budget is not given: the defaults: '
                'threads (64+1) x 1 KiB = 65 KiB + spaces (8+1) x 12 KiB = '
                '108 KiB + pt_pages 64 x 4 KiB = 256 KiB + caps 32 x 64 B = '
                '2 KiB): without it the others would fit (12930 KiB <= 13312 '
                'KiB)', nth=31, max_threads=4096)
    assert '= 13361 KiB, the pool has 13312 KiB' in msg
    assert 'over by 0xc400 (49 KiB)' in msg


def test_kernel_memory_without_a_single_cause(tmp_path):
    # five equal containers, any four too many: the first that does not
    # fit in boot order is blamed, and every share is listed
    body = '[container.budget]\nthreads = 1\nspaces = 310\n'
    text = GOOD + body + ''.join(
        SECOND.replace('second', f'c{i}').replace(
            '0x41100000', f'0x4{i + 1}100000') + body for i in range(4))
    msg = check(tmp_path, text, '[container.budget]', 'container[3].budget',
                '"hello" 3992 KiB + "c0" 3992 KiB + "c1" 3992 KiB + "c2" '
                '3992 KiB + "c3" 3992 KiB = 19960 KiB',
                'no one container is the cause; it is the first that does '
                'not fit, in boot order', nth=4)
    assert 'over by 0x67e000 (6648 KiB)' in msg


def test_threads_blames_the_container_that_causes_it(tmp_path):
    text = (GOOD + '[container.budget]\nthreads = 190\n' + SECOND)
    check(tmp_path, text, 'threads = 190', 'container[0].budget.threads',
          '"hello" 190+1 + "second" 64+1 (budget + pager) = 256 threads, '
          'CONFIG_MAX_THREADS=256 holds 255 (tid 0 is never used): over by '
          '1; "hello" takes 191 (budget.threads = 190, +1 for its pager): '
          'without it the others would fit (65 <= 255)')


def test_threads_default_budget_is_named_as_the_default(tmp_path):
    text = GOOD + '[container.budget]\nthreads = 1\n' + SECOND
    msg = check(tmp_path, text, '[[container]]', 'container[1].budget.threads',
                '"second" takes 65 (budget.threads is not given: the default '
                '64, +1 for its pager)', nth=2, max_threads=60)
    assert 'over by 8' in msg


@pytest.mark.parametrize('prefix,body,needle,keypath,words', [
    ('fromat = 2\n', '', 'fromat', 'fromat',
     'unknown key "fromat": did you mean "format"?'),
    ('', '[[containers]]\n', 'containers', 'containers',
     'unknown key "containers": did you mean "[[container]]"?'),
    ('name = "x"\n', '', 'name = "x"', 'name',
     'unknown key "name": it is a key of a [[container]] table'),
    ('', 'stak = 0x2000\n', 'stak', 'container[0].stak',
     'unknown key "stak": did you mean "stack"?'),
    ('', 'chanels = []\n', 'chanels', 'container[0].chanels',
     'unknown key "chanels": did you mean "channels"?'),
    ('', 'threads = 3\n', 'threads', 'container[0].threads',
     'unknown key "threads": it is a key of [container.budget]'),
    ('', '[container.budget]\nthread = 3\n', 'thread =',
     'container[0].budget.thread',
     'unknown key "thread": did you mean "threads"?'),
    ('', '[container.budgets]\nthreads = 3\n', 'budgets',
     'container[0].budgets', 'unknown key "budgets": did you mean "budget"?'),
    ('', 'cpu = { budget_us = 10, perod_us = 100 }\n', 'perod',
     'container[0].cpu.perod_us',
     'unknown key "perod_us": did you mean "period_us"?'),
    ('', '[[container.device]]\nnmae = "rtc"\n', 'nmae',
     'container[0].device[0].nmae',
     'unknown key "nmae": did you mean "name"?'),
    ('', '[[container.memory]]\nram_ofset = 0x1200000\nsize = 0x1000\n',
     'ram_ofset', 'container[0].memory[0].ram_ofset',
     'unknown key "ram_ofset": did you mean "ram_offset"?'),
    ('', '[[container.virtual]]\nvirt = 0x20000000\nszie = 0x1000\n', 'szie',
     'container[0].virtual[0].szie',
     'unknown key "szie": did you mean "size"?'),
    ('', '[[container.capability]]\nresource = "ipc"\ntagret = "self"\n',
     'tagret', 'container[0].capability[0].tagret',
     'unknown key "tagret": did you mean "target"?'),
    ('', '[[container.capability]]\nresource = "thread_contrl"\n', 'contrl',
     'container[0].capability[0].resource',
     ('unknown resource "thread_contrl"', 'did you mean "thread_control"?')),
    ('', '[[container.capability]]\nresource = "ipc"\nscope = "pagr"\n',
     'pagr', 'container[0].capability[0].scope', 'did you mean "pager"?'),
    ('', '[[container.capability]]\nresource = "ipc"\nflags = ["shar"]\n',
     'shar', 'container[0].capability[0].flags[0]',
     ('unknown flag "shar"', 'did you mean "share"?')),
    ('', 'restart = "on_failure"\n', 'restart', 'container[0].restart',
     '(got "on_failure"): did you mean "on-failure"?'),
    ('', '[[container.memory]]\nram_offset = 0x1200000\nsize = 0x1000\n'
     'access = "rwz"\n', 'access', 'container[0].memory[0].access',
     'did you mean "rw"?'),
    ('', '[[container.device]]\nname = "r"\nperipheral = "rct"\n', 'rct',
     'container[0].device[0].peripheral', ('no peripheral "rct" on board',
                                           'did you mean "rtc"?')),
])
def test_did_you_mean_keys_and_values(tmp_path, prefix, body, needle,
                                      keypath, words):
    words = words if isinstance(words, tuple) else (words,)
    check(tmp_path, prefix + GOOD + body, needle, keypath, *words)


def test_unknown_key_without_a_close_one_has_no_guess(tmp_path):
    msg = check(tmp_path, GOOD + 'colour = 1\n', 'colour',
                'container[0].colour', 'unknown key "colour" (expected one '
                'of: name, program,')
    assert 'did you mean' not in msg


WORKER = SECOND.replace('"second"', '"worker"').replace('0x41100000',
                                                       '0x41200000')


@pytest.mark.parametrize('key,value,words', [
    ('channels', '["helo"]', 'channel to unknown container "helo": did you '
     'mean "hello"?'),
    ('channels', '["zzz"]', 'channel to unknown container "zzz" (the '
     'containers: hello, worker, second)'),
    ('scheduler', '"helo"', 'scheduler "helo" is not a container: did you '
     'mean "hello"?'),
    ('forward_schedulers', '["workr"]', 'forward scheduler "workr" is not a '
     'container: did you mean "worker"?'),
])
def test_did_you_mean_container_names(tmp_path, key, value, words):
    extra = 'scheduler = "hello"\n' if key == 'forward_schedulers' else ''
    text = GOOD + WORKER + SECOND + f'{extra}{key} = {value}\n'
    index = '[0]' if value.startswith('[') else ''
    msg = check(tmp_path, text, f'{key} =', f'container[2].{key}{index}',
                words)
    assert 'container "second"' in msg


def test_did_you_mean_capability_target(tmp_path):
    text = (GOOD + SECOND + '[[container.capability]]\nresource = "ipc"\n'
            'target = "helo"\n')
    check(tmp_path, text, 'target', 'container[1].capability[0].target',
          'capability target "helo" is not a container (expected "self" or '
          'a container name): did you mean "hello"?')


@pytest.mark.parametrize('program,words', [
    ('hello', 'no program "hello" in containers/: did you mean '
     '"examples/hello"?'),
    ('exmaples/helo', 'no program "exmaples/helo" in containers/: did you '
     'mean "examples/hello"?'),
    ('tests/suit', 'did you mean "tests/suite"?'),
    ('benhc', 'did you mean "bench"?'),
    ('examples/hello/', 'did you mean "examples/hello"?'),
    # "./" names a folder beside the manifest (tmp_path has none)
    ('./examples/hello', '"./examples/hello": no such folder (resolved to '
     '{tmp}/examples/hello): did you mean "examples/hello" (a folder under '
     'containers/, named without "./")?'),
    ('examples/../examples/hello', '"examples/../examples/hello": no ".." '
     'parts; expected a path under containers/ like "examples/hello": did '
     'you mean "examples/hello"?'),
    ('examples', 'containers/examples holds no .c or .S source (the '
     'programs in it: client, flaky, greedy, hello, service, ticker)'),
])
def test_did_you_mean_program(tmp_path, program, words):
    text = GOOD.replace('program = "examples/hello"', f'program = "{program}"')
    check(tmp_path, text, 'program', 'container[0].program',
          words.replace('{tmp}', str(tmp_path)))


@pytest.mark.parametrize('program,words', [
    ('examples/../../tools', '"examples/../../tools": ".." leads out of '
     'containers/; expected a path under containers/ like "examples/hello"'),
    ('examples/../..', '".." leads out of containers/'),
    # ./, ../ and / name a folder from the manifest's: into the tree but
    # not under containers/ is refused
    (os.path.join(TOP, 'tools'), f'"{TOP}/tools": leads into the Tessera '
     'source tree outside containers/ and examples/, the folders that hold '
     f'programs: keep yours outside the tree (resolved to {TOP}/tools)'),
    (os.path.join(TOP, 'kernel') + '/', 'leads into the Tessera source tree '
     'outside containers/ and examples/, the folders that hold programs: '
     f'keep yours outside the tree (resolved to {TOP}/kernel)'),
    (os.path.join(TOP, 'examples'), 'leads into the Tessera source tree '
     'outside containers/ and examples/'),
    (TOP, 'leads into the Tessera source tree outside containers/'),
    (os.path.join(TOP, 'containers', 'lib'), f'"{TOP}/containers/lib": is '
     'the user library (containers/lib), not a program (resolved to '
     f'{TOP}/containers/lib)'),
])
def test_program_path_escaping_the_tree(tmp_path, program, words):
    text = GOOD.replace('program = "examples/hello"', f'program = "{program}"')
    msg = check(tmp_path, text, 'program', 'container[0].program', words)
    assert msg.startswith(f'{tmp_path / "m.toml"}:5: container[0].program: ')


def test_program_link_out_of_containers_is_rejected(tmp_path):
    # containers/<x> a symbolic link to a folder outside containers/
    programs = tmp_path / 'containers'
    (programs / 'examples' / 'hello').mkdir(parents=True)
    (programs / 'examples' / 'hello' / 'main.c').write_text('')
    outside = tmp_path / 'elsewhere'
    outside.mkdir()
    (outside / 'main.c').write_text('')
    (programs / 'sneaky').symlink_to(outside)
    p = tmp_path / 'm.toml'
    p.write_text(GOOD.replace('examples/hello', 'sneaky'))
    with pytest.raises(manifest.ManifestError) as e:
        manifest.load(str(p), BOARD, str(programs))
    assert str(e.value) == (
        f'{p}:5: container[0].program: "sneaky": containers/sneaky leads out '
        f'of containers/ (a link to {os.path.realpath(outside)}); a program '
        'must be a folder under containers/')
    # a link inside containers/ to another of its folders still works
    (programs / 'alias').symlink_to(programs / 'examples' / 'hello')
    p.write_text(GOOD.replace('examples/hello', 'alias'))
    manifest.load(str(p), BOARD, str(programs))
    p.write_text(GOOD)
    manifest.load(str(p), BOARD, str(programs))


def test_overlap_messages_give_the_common_part(tmp_path):
    text = GOOD + ('[[container.memory]]\nphys = 0x41080000\n'
                   'size = 0x100000\n')
    check(tmp_path, text, 'phys = 0x41080000', 'container[0].memory[0].phys',
          'overlaps its program region 0x41000000..0x41100000',
          'in physical memory: 0x41080000..0x41100000 (0x80000 (512 KiB)) in '
          'common')
    text = GOOD + SECOND.replace('0x41100000', '0x410ff000')
    check(tmp_path, text, '0x410ff000', 'container[1].phys',
          'containers "hello" and "second" overlap in physical memory',
          '(container[0].phys, line 6): 0x410ff000..0x41100000 (0x1000 (4 '
          'KiB)) in common')


def test_counts_in_limit_messages(tmp_path):
    text = GOOD + '[[container.capability]]\nresource = "ipc"\n' * 51
    check(tmp_path, text, '[[container]]', 'container[0]',
          'would start with 65 capabilities', '(BOOTINFO_MAX_CAPS = 64): 1 '
          'program region + 1 virtual + 5 budget + 7 own_caps + 51 '
          'capability')
    text = GOOD + ''.join(f'[[container.memory]]\nphys = '
                          f'0x{0x41200000 + i * 0x1000:x}\nsize = 0x1000\n'
                          for i in range(7))
    check(tmp_path, text, '[[container.memory]]', 'container[0].memory[6]',
          'container "hello": at most 6 [[container.memory]] entries per '
          'container, it declares 7', nth=7)
    check(tmp_path, GOOD + 'priority = 0\n', 'priority',
          'container[0].priority', 'expected a priority in 1..255 (got 0)')
    check(tmp_path, GOOD.replace('size = 0x100000', 'size = 0'), 'size',
          'container[0].size', 'region is empty (program region size = 0')


# ----------------------------------- program folders named from the manifest
# A program starting with ./, ../ or / is a folder relative to the folder of
# the manifest that names it (docs/manifest.md, "program"); anything else is
# a folder under containers/.
def outside(tmp_path, program, build_dir=None, folders=('sys/driver',),
            manifest_at='sys/m.toml'):
    """Load GOOD with program = program from tmp_path/manifest_at, beside
    folders holding a main.c each; (the error text or None, manifest path,
    the Manifest or None)."""
    for f in folders:
        (tmp_path / f).mkdir(parents=True, exist_ok=True)
        (tmp_path / f / 'main.c').write_text('int main(void) { return 0; }\n')
    p = tmp_path / manifest_at
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(GOOD.replace('"examples/hello"', f'"{program}"'))
    try:
        return None, p, manifest.load(str(p), BOARD, PROGRAMS,
                                      build_dir=build_dir)
    except manifest.ManifestError as e:
        return str(e), p, None


@pytest.mark.parametrize('program,folder', [
    ('./driver', 'sys/driver'),
    ('./driver/', 'sys/driver'),
    ('../progs/tenant', 'progs/tenant'),
    ('{tmp}/progs/tenant', 'progs/tenant'),
])
def test_program_from_the_manifest_folder(tmp_path, program, folder):
    err, p, m = outside(tmp_path, program.replace('{tmp}', str(tmp_path)),
                        folders=('sys/driver', 'progs/tenant'))
    assert err is None, err
    c = m.containers[0]
    assert c.program_dir == str(tmp_path / folder)
    assert c.program_name == folder.rsplit('/', 1)[-1]
    assert c.out_of_tree and c.elf is None
    # the packer's load (no programs_dir) resolves the folder unchecked
    p.write_text(GOOD.replace('"examples/hello"', '"./nowhere"'))
    assert manifest.load(str(p), BOARD).containers[0].program_dir == \
        str(p.parent / 'nowhere')
    # in-tree programs keep their meaning and get their folder too
    p.write_text(GOOD)
    c = manifest.load(str(p), BOARD, PROGRAMS).containers[0]
    assert (c.program_dir, c.program_name, c.out_of_tree) == (
        os.path.join(PROGRAMS, 'examples', 'hello'), 'hello', False)


def test_program_from_the_manifest_into_containers_is_a_program(tmp_path):
    # a path from the manifest that lands under containers/ is allowed
    rel = os.path.relpath(os.path.join(PROGRAMS, 'examples', 'hello'),
                          tmp_path / 'sys')
    err, _, m = outside(tmp_path, rel)
    assert err is None, err
    assert m.containers[0].program_dir == os.path.join(PROGRAMS, 'examples',
                                                       'hello')


def test_program_from_the_manifest_errors(tmp_path):
    sysdir = tmp_path / 'sys'
    at = f'{sysdir}/m.toml:5: container[0].program: '
    # missing, with a folder of sources beside it as the hint
    err, _, _ = outside(tmp_path, './drvier')
    assert err == (f'{at}"./drvier": no such folder (resolved to '
                   f'{sysdir}/drvier): did you mean "./driver"?')
    err, _, _ = outside(tmp_path, '../nowhere/x')
    assert err == (f'{at}"../nowhere/x": no such folder (resolved to '
                   f'{tmp_path}/nowhere/x)')
    # a file instead of a folder
    (sysdir / 'notes.txt').write_text('')
    err, _, _ = outside(tmp_path, './notes.txt')
    assert err == (f'{at}"./notes.txt": is a file, not a folder (resolved '
                   f'to {sysdir}/notes.txt)')
    # a folder without sources (what is in it with sources is suggested)
    (sysdir / 'empty').mkdir()
    (sysdir / 'empty' / 'README').write_text('')
    err, _, _ = outside(tmp_path, './empty')
    assert err == (f'{at}"./empty": holds no .c or .S source (resolved to '
                   f'{sysdir}/empty)')
    err, _, _ = outside(tmp_path, './/')
    assert err == (f'{at}".//": holds no .c or .S source (resolved to '
                   f'{sysdir}): did you mean "./driver"? (folders in it '
                   'with sources: driver)')
    # a link to nothing
    (sysdir / 'dangling').symlink_to(tmp_path / 'gone')
    err, _, _ = outside(tmp_path, './dangling')
    assert err == (f'{at}"./dangling": a link to {tmp_path}/gone, which does '
                   f'not exist (resolved to {sysdir}/dangling)')


def test_program_from_the_manifest_into_the_tree(tmp_path):
    # ../../.. up to / and down into the tree's tools/, from a manifest
    # outside it (as "../tools" from configs/ would)
    rel = os.path.relpath(os.path.join(TOP, 'tools'), tmp_path / 'sys')
    assert rel.startswith('../')
    err, p, _ = outside(tmp_path, rel)
    assert err == (f'{p}:5: container[0].program: "{rel}": leads into the '
                   'Tessera source tree outside containers/ and examples/, '
                   'the folders that hold programs: keep yours outside the '
                   f'tree (resolved to {TOP}/tools)')
    # a link beside the manifest into the tree is followed
    (tmp_path / 'sys').mkdir(exist_ok=True)
    (tmp_path / 'sys' / 'kern').symlink_to(os.path.join(TOP, 'kernel'))
    err, p, _ = outside(tmp_path, './kern')
    assert err == (f'{p}:5: container[0].program: "./kern": leads into the '
                   'Tessera source tree outside containers/ and examples/, '
                   'the folders that hold programs: keep yours outside the '
                   f'tree (resolved to {tmp_path}/sys/kern)')
    # the tree's example systems are programs' homes, as containers/ is
    rel = os.path.relpath(os.path.join(TOP, 'examples', 'rtc', 'driver'),
                          tmp_path / 'sys')
    err, _, m = outside(tmp_path, rel)
    assert err is None, err
    assert m.containers[0].program_dir == os.path.join(TOP, 'examples', 'rtc',
                                                       'driver')


def test_program_from_the_manifest_into_the_build_dir(tmp_path):
    out = tmp_path / 'sys' / 'out'
    err, p, _ = outside(tmp_path, './out/gen', build_dir=str(out),
                        folders=('sys/driver', 'sys/out/gen'))
    assert err == (f'{p}:5: container[0].program: "./out/gen": leads into '
                   f'the build directory {out}, which holds what the build '
                   'writes: keep program sources outside it (resolved to '
                   f'{out}/gen)')
    err, p, _ = outside(tmp_path, './out', build_dir=str(out))
    assert 'leads into the build directory' in err
    # the same folder is fine for a build elsewhere
    err, _, _ = outside(tmp_path, './out/gen',
                        build_dir=str(tmp_path / 'other'))
    assert err is None, err
    # a build directory inside the tree: its own message, not the tree's
    build = os.path.join(TOP, 'build', 'h-oot-test')
    err, p, _ = outside(tmp_path, os.path.join(build, 'x'), build_dir=build)
    assert err.startswith(f'{p}:5: container[0].program: "{build}/x": leads '
                          f'into the build directory {build}, '), err


def test_in_tree_program_rules_unchanged(tmp_path):
    # a value without ./, ../ or / is a folder under containers/ as before
    err, p, _ = outside(tmp_path, 'zzqx')
    assert err == (f'{p}:5: container[0].program: no program "zzqx" in '
                   'containers/')
    err, p, _ = outside(tmp_path, 'examples/helo')
    assert err == (f'{p}:5: container[0].program: no program "examples/helo" '
                   'in containers/: did you mean "examples/hello"?')


# ------------------------------------------------- prebuilt programs: elf
def write_elf(path, base=0x10000000, size=0x2000, machine=None, etype=None):
    """A minimal ARM executable (tools/elf.py's writer) linked at base."""
    import elf as elfmod
    elfmod.write_flat_elf(str(path), base, b'\0' * size, base)
    raw = bytearray(path.read_bytes())
    if etype is not None:
        raw[16:18] = etype.to_bytes(2, 'little')
    if machine is not None:
        raw[18:20] = machine.to_bytes(2, 'little')
    path.write_bytes(bytes(raw))


def elf_manifest(tmp_path, value, extra=''):
    p = tmp_path / 'm.toml'
    p.write_text(GOOD.replace('program = "examples/hello"',
                              f'elf = "{value}"{extra}'))
    return p


def test_elf_good(tmp_path):
    write_elf(tmp_path / 'prog.elf')
    p = elf_manifest(tmp_path, './prog.elf')
    c = manifest.load(str(p), BOARD, PROGRAMS).containers[0]
    assert (c.elf, c.program, c.program_dir, c.program_name) == (
        str(tmp_path / 'prog.elf'), '', None, 'prog')
    # the packer's load (no programs_dir) resolves without reading it
    (tmp_path / 'prog.elf').unlink()
    assert manifest.load(str(p), BOARD).containers[0].elf == \
        str(tmp_path / 'prog.elf')


def test_elf_errors(tmp_path):
    at = f'{tmp_path}/m.toml:5: container[0].elf: '
    res = f'(resolved to {tmp_path}/prog.elf)'

    def err(value='./prog.elf', extra=''):
        p = elf_manifest(tmp_path, value, extra)
        with pytest.raises(manifest.ManifestError) as e:
            manifest.load(str(p), BOARD, PROGRAMS)
        return str(e.value)
    assert err() == f'{at}"./prog.elf": no such file {res}'
    (tmp_path / 'prog.elf').write_text('int main;\n')
    assert err() == (f'{at}"./prog.elf": not an ELF file (it does not start '
                     f'with "\\x7fELF") {res}')
    write_elf(tmp_path / 'prog.elf', machine=62)  # x86-64
    assert err() == f'{at}"./prog.elf": not an ARM ELF file {res}'
    write_elf(tmp_path / 'prog.elf', etype=1)  # a relocatable object
    assert err() == (f'{at}"./prog.elf": not an executable ELF file (type 1,'
                     " expected 2): link the objects into a program (the "
                     f"SDK's Makefile does) {res}")
    write_elf(tmp_path / 'prog.elf', base=0x20000000)
    assert err() == (f'{at}"./prog.elf": linked at 0x20000000, but container '
                     '"hello" has virt = 0x10000000 (container[0].virt, line '
                     '7): link it at 0x10000000 (the SDK\'s Makefile: make '
                     f'VIRT=0x10000000) {res}')
    # too big for its region: blamed on size, with the numbers
    write_elf(tmp_path / 'prog.elf', size=0x100000)
    assert err().startswith(
        f'{tmp_path}/m.toml:8: container[0].size: container "hello": program '
        'region 0x100000 (1 MiB) is too small: ')
    (tmp_path / 'dir.elf').mkdir()
    assert err('./dir.elf') == (
        f'{at}"./dir.elf": is not a file but a folder (a folder of sources '
        f'is given with program) (resolved to {tmp_path}/dir.elf)')
    # exactly one of program and elf
    write_elf(tmp_path / 'prog.elf')
    assert err(extra='\nprogram = "examples/hello"') == (
        f'{tmp_path}/m.toml:5: container[0].elf: give either program (a '
        'folder of sources the build compiles) or elf (a program built '
        'elsewhere), not both')
    p = tmp_path / 'm.toml'
    p.write_text(GOOD.replace('program = "examples/hello"\n', ''))
    with pytest.raises(manifest.ManifestError) as e:
        manifest.load(str(p), BOARD, PROGRAMS)
    assert str(e.value) == (
        f'{p}:3: container[0].program: missing required key "program" (a '
        'folder of sources) or "elf" (a prebuilt program): exactly one of '
        'them')
