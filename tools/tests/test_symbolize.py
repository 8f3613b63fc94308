"""Readable crashes (tools/symbolize.py, docs/testing.md): the kernel's
fault and panic lines get function and file:line underneath, each pc
looked up in the ELF of the container its line names (several containers
share a link address) or in the kernel's.

Booted on qemu_virt: the fault-injection system (its faults are at labels
in __asm__, test_faults.py checks their pcs against the same symbols) and
a hello build whose kernel faults on purpose (CONFIG_SELFTEST_PANIC, as in
test_boot). The multi-container system is only built: its members share
0x10000000 and 0x20000000 without faulting, so its lines are made here.
"""
import os
import re
import subprocess

import pytest

import harness
import symbolize
from conftest import TEST_BUILD, TOP
from elf import Elf

FAULT_RE = re.compile(r"^fault: container '([^']+)' thread \d+: (.+?) at pc "
                      r'0x([0-9a-f]+),')
AT_RE = re.compile(r'^    at (\S+) \(([^:()]+):(\d+)\)'
                   r'(?: \[(?:label (\S+), )?assembly without line '
                   r'information\])?$')
NONE_RE = re.compile(r'^    at \?\? \(0x([0-9a-f]{8}): no symbol in (\S+)\)$')

# The labels of the faulting instructions (containers/tests/faults/*)
LABELS = {
    'crash_data': {'fi_store_insn'},
    'pager_error': {'fi_store_insn'},  # its child's store, refused
    'flaky': {'fi_load_insn'},
    'crash_undef': {'fi_udf_arm_insn', 'fi_udf_thumb_insn',
                    'fi_mrc_sctlr_insn'},
}


@pytest.fixture(scope='module')
def faults():
    image = harness.build('qemu_virt_faults_defconfig',
                          os.path.join(TEST_BUILD, 'symbolize-faults'))
    b = harness.boot(image, timeout=120)
    assert b.status == 0, b.output[-3000:]
    return b, os.path.dirname(image)


@pytest.fixture(scope='module')
def panic():
    image = harness.build('qemu_virt_hello_defconfig',
                          os.path.join(TEST_BUILD, 'symbolize-panic'),
                          extra_config=['CONFIG_SELFTEST_PANIC=y'])
    b = harness.boot(image, timeout=30)
    assert b.status == 3, b.output
    return b, os.path.dirname(image)


@pytest.fixture(scope='module')
def multi():
    image = harness.build('qemu_virt_multi_test_defconfig',
                          os.path.join(TEST_BUILD, 'symbolize-multi'))
    return os.path.dirname(image)


def under(text, pred):
    """[(line, the lines indented under it)] for the lines pred picks."""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        if pred(line):
            j = i + 1
            while j < len(lines) and lines[j].startswith('    ') and \
                    re.match(r'^    (at|pc at|lr at|  inlined|\()', lines[j]):
                j += 1
            out.append((line, lines[i + 1:j]))
    return out


def source_line(where):
    path, line = where.rsplit(':', 1)
    with open(os.path.join(TOP, path)) as f:
        return f.read().splitlines()[int(line) - 1]


def elf_of(outdir, name):
    return symbolize.container_elfs(outdir)[name]


# ---- user faults -----------------------------------------------------------

def test_output_unchanged_and_only_added_to(faults):
    b, _ = faults
    assert b.output == '\n'.join(b.lines) + '\n' or \
        b.output.splitlines() == b.lines
    sym = b.symbolized.splitlines()
    # the original lines, in order, with lines added between them
    it = iter(sym)
    assert all(any(s == line for s in it) for line in b.lines)
    added = len(sym) - len(b.lines)
    assert added >= sum(1 for line in b.lines if FAULT_RE.match(line))


def test_each_fault_names_its_function_and_source(faults):
    b, outdir = faults
    seen = {}
    for line, extra in under(b.symbolized, FAULT_RE.match):
        name, cause, pc = FAULT_RE.match(line).groups()
        pc = int(pc, 16)
        assert extra, line
        if name == 'crash_prefetch':  # it jumps where nothing is
            m = NONE_RE.match(extra[0])
            assert m, (line, extra)
            assert int(m.group(1), 16) == pc
            assert m.group(2).endswith('containers/crash_prefetch/'
                                       'crash_prefetch.elf')
            seen.setdefault(name, set()).add('??')
            continue
        m = AT_RE.match(extra[0])
        assert m, (line, extra)
        func, path, _, label = m.groups()
        label = label or func
        assert label in LABELS[name], (line, extra)
        assert path.startswith('containers/tests/faults/'), extra[0]
        # the label is the faulting instruction's, in the container's ELF
        syms = Elf(elf_of(outdir, name)).symbols()
        assert syms[label] & ~1 == pc, (line, extra)
        assert syms[func] & ~1 <= pc
        # and file:line is where the sources define it
        assert f'{label}:' in source_line(f'{path}:{m.group(3)}'), extra[0]
        seen.setdefault(name, set()).add(label)
    assert seen == {'crash_data': {'fi_store_insn'},
                    'pager_error': {'fi_store_insn'},
                    'flaky': {'fi_load_insn'},
                    'crash_undef': LABELS['crash_undef'],
                    'crash_prefetch': {'??'}}


def test_c_code_gets_its_line(faults):
    """A pc in C code (made here: the fault programs crash in __asm__)
    gets addr2line's function and file:line."""
    _, outdir = faults
    main = Elf(elf_of(outdir, 'crash_data')).symbol('main') & ~1
    line = (f"fault: container 'crash_data' thread 5: data abort at pc "
            f'0x{main:08x}, address 0x0bad0010, status 0x805')
    text = symbolize.symbolize(line, outdir).splitlines()
    assert text[0] == line
    # main's first statement: what it inlines, then main itself
    m = AT_RE.match(text[1])
    assert m and not text[1].endswith(']'), text
    assert text[-1].startswith(
        '      inlined into main (containers/tests/faults/crash_data/main.c:'
        if len(text) > 2 else
        '    at main (containers/tests/faults/crash_data/main.c:'), text


def test_shared_link_address_uses_each_containers_elf(faults):
    """crash_data, flaky, crash_undef and pager_error are all linked at
    0x10000000: the same pc names each one's own instruction."""
    b, outdir = faults
    by_pc = {}
    for line, extra in under(b.symbolized, FAULT_RE.match):
        name, _, pc = FAULT_RE.match(line).groups()
        if name != 'crash_prefetch':
            by_pc.setdefault(int(pc, 16), {})[name] = extra[0]
    shared = [names for names in by_pc.values() if len(names) >= 3]
    assert shared, by_pc
    for names in shared:
        labels = {n: AT_RE.match(x).group(4) or AT_RE.match(x).group(1)
                  for n, x in names.items()}
        assert labels.get('flaky', 'fi_load_insn') == 'fi_load_insn'
        assert labels.get('crash_data', 'fi_store_insn') == 'fi_store_insn'
        assert len(set(labels.values())) >= 2, labels

    # made by hand: flaky's load instruction's pc in a line of each
    elfs = symbolize.container_elfs(outdir)
    pc = Elf(elfs['flaky']).symbol('fi_load_insn') & ~1
    names = {}
    for mine in ('flaky', 'crash_data'):
        line = (f"fault: container '{mine}' thread 9: data abort at pc "
                f'0x{pc:08x}, address 0x0, status 0x5')
        m = AT_RE.match(symbolize.symbolize(line, outdir).splitlines()[1])
        names[mine] = m.group(4) or m.group(1)
    assert names['flaky'] == 'fi_load_insn'
    assert names['crash_data'] != 'fi_load_insn'  # it has none
    assert 'fi_load_insn' not in Elf(elfs['crash_data']).symbols()


def test_multi_members_map_to_their_own_elfs(multi):
    """The multi system's members run one program linked per member: even
    ones at 0x10000000, odd ones at 0x20000000."""
    elfs = symbolize.container_elfs(multi)
    assert len(elfs) == 10
    for name, elf in elfs.items():
        assert elf == os.path.join(multi, 'containers', name, 'member.elf')
        assert os.path.isfile(elf)
    odd = Elf(elfs['member1']).symbol('main') & ~1
    even = Elf(elfs['member0']).symbol('main') & ~1
    assert odd >> 28 == 2 and even >> 28 == 1
    text = '\n'.join(
        f"fault: container '{n}' thread 1: data abort at pc 0x{pc:08x}, "
        'address 0x0, status 0x5'
        for n, pc in (('member0', even), ('member1', odd), ('member2', even),
                      ('member3', even), ('member0', odd)))
    got = [extra[0] for _, extra in
           under(symbolize.symbolize(text, multi), FAULT_RE.match)]
    assert [AT_RE.match(g).group(1) if AT_RE.match(g) else None
            for g in got] == ['main', 'main', 'main', None, None], got
    # member3 is linked at 0x20000000: nothing of its own at 0x1000....
    assert NONE_RE.match(got[3]).group(2).endswith('member3/member.elf')
    assert NONE_RE.match(got[4]).group(2).endswith('member0/member.elf')


def test_unknown_container_says_so(multi):
    line = ("fault: container 'nobody' thread 1: data abort at pc "
            '0x10000000, address 0x0, status 0x5')
    out = symbolize.symbolize(line, multi).splitlines()
    assert out[1] == f"    (no ELF for container 'nobody' in {multi})"


# ---- kernel panics ---------------------------------------------------------

def test_kernel_fault_and_panic_name_selftest_panic(panic):
    b, _ = panic
    text = b.symbolized
    for pred in (lambda l: l.startswith('kernel fault: data abort'),
                 lambda l: l.startswith('KERNEL PANIC: data abort')):
        [(line, extra)] = under(text, pred)
        m = AT_RE.match(extra[0])
        assert m, (line, extra)
        assert (m.group(1), m.group(2)) == ('selftest_panic',
                                            'kernel/generic/main.c'), extra
        assert extra[1].startswith('      inlined into kernel_main ') or \
            extra[1].startswith('    lr at ')
    # the register dump: pc and lr both
    [(line, extra)] = under(text, lambda l: re.match(r'^\s+lr\s+[0-9a-f]{8}'
                                                      r'\s+pc', l))
    assert extra[0].startswith('    pc at selftest_panic '
                               '(kernel/generic/main.c:'), extra
    assert any(x.startswith('    lr at ') for x in extra), extra
    # the panic repeats the lr
    [(line, extra)] = under(text, lambda l: l.startswith('KERNEL PANIC'))
    assert any(x.startswith('    lr at ') for x in extra), extra


def test_stream_matches_whole_text(panic, faults):
    """Symbolizer.feed (scons run, the script on a pipe) adds what
    Symbolizer.text does."""
    for b, outdir in (panic, faults):
        s = symbolize.Symbolizer(outdir)
        fed = []
        for line in b.lines:
            fed += [line] + s.feed(line)
        assert fed == symbolize.Symbolizer(outdir).text(b.output) \
            .splitlines()


def test_harness_explain_and_unknown_image(panic):
    b, _ = panic
    assert 'at selftest_panic (kernel/generic/main.c:' in harness.explain(b)
    assert len(harness.explain(b, tail=100)) == 100
    plain = harness.Boot(b.status, b.output, b.lines)  # no image: as it was
    assert plain.symbolized == b.output


# ---- the commands ----------------------------------------------------------

def test_script_on_a_saved_output_and_a_pipe(panic, tmp_path):
    b, outdir = panic
    saved = tmp_path / 'boot.txt'
    saved.write_text(b.output)
    tool = os.path.join(TOP, 'tools', 'symbolize.py')
    r = subprocess.run([tool, '-O', outdir, str(saved)], cwd=TOP,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b.symbolized
    r = subprocess.run([tool, '-O', outdir], cwd=TOP, input=b.output,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b.symbolized


def test_scons_run_symbolizes_and_keeps_its_status(panic):
    _, outdir = panic
    r = subprocess.run(['scons', '-Q', f'O={outdir}', 'run', 'TIMEOUT=30'],
                       cwd=TOP, capture_output=True, text=True, timeout=300)
    assert r.returncode == 3, r.stdout + r.stderr
    out = r.stdout.splitlines()
    i = next(i for i, l in enumerate(out) if l.startswith('KERNEL PANIC'))
    assert out[i + 1].startswith('    at selftest_panic '
                                 '(kernel/generic/main.c:'), out[i:]
    assert out[-1] == 'system halted (exit status 3)'
