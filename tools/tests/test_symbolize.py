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


# ---- backtraces (tools/unwind.py) --------------------------------------------

FRAME_RE = re.compile(r'^    #(\d+) (\S+) \(([^:()]+):(\d+)\)')


def backtraces(text):
    """[(the fault or panic line, [(n, function, file)])]: the numbered
    frames printed after each backtrace's stack lines."""
    out, head, frames = [], None, None
    for line in text.splitlines():
        if line.startswith(('fault: ', 'KERNEL PANIC')):
            head, frames = line, []
            out.append((head, frames))
        m = FRAME_RE.match(line)
        if m and frames is not None:
            frames.append((int(m.group(1)), m.group(2), m.group(3)))
        elif line.startswith('    #') and frames is not None:
            frames.append((int(line.split()[0][1:]), '??', ''))
    return out


@pytest.fixture(scope='module')
def invariants():
    """A BUG-style panic deep in the kernel (CONFIG_SELFTEST_INVARIANTS):
    panic() called from the invariant check after a system call."""
    image = harness.build('qemu_virt_hello_defconfig',
                          os.path.join(TEST_BUILD, 'symbolize-invariants'),
                          extra_config=['CONFIG_SELFTEST_INVARIANTS=y'])
    b = harness.boot(image, timeout=30)
    assert b.status == 3, b.output
    return b, os.path.dirname(image)


def test_panic_from_deep_in_the_kernel_is_unwound(invariants):
    b, _ = invariants
    [(head, frames)] = backtraces(b.symbolized)
    assert head.startswith('KERNEL PANIC: invariant violated'), head
    names = [f for _, f, _ in frames]
    assert [n for n, _, _ in frames] == list(range(len(frames)))
    # panic, the check that failed, and up to the system call's entry in
    # C (syscall_entry; for getid and time syscall_report, its helpers
    # report_time and report_getid_other, or `reported`, inline in all
    # three, which addr2line names), where the assembly without call
    # frame information ends the walk (its caller, vec_svc, may still be
    # named)
    assert names[0] == 'panic', frames
    assert names[1] == 'check_cap_list', frames
    last = -2 if names[-1] == 'vec_svc' else -1
    assert names[last] in ('syscall_entry', 'syscall_report', 'reported',
                           'report_time', 'report_getid_other'), frames
    assert frames[last][2] == 'kernel/generic/syscall.c', frames
    assert frames[1][2] == 'kernel/generic/invariants.c'


def test_kernel_fault_is_unwound_to_head_s(panic):
    b, _ = panic
    [(head, frames)] = backtraces(b.symbolized)
    assert head.startswith('KERNEL PANIC: data abort'), head
    assert frames[0][1:] == ('selftest_panic', 'kernel/generic/main.c')
    assert frames[-1][1:] == ('high', 'kernel/arch/arm/head.S'), frames


def test_user_faults_are_unwound_in_their_own_elf(faults):
    b, _ = faults
    found = {}
    for head, frames in backtraces(b.symbolized):
        m = re.match(r"fault: container '([^']+)'", head)
        if m:
            found.setdefault(m.group(1), frames)
    # an access in a helper: the helper, then main, then crt0's _start
    assert [f for _, f, _ in found['crash_data']] == \
        ['fi_store', 'main', '_start'], found['crash_data']
    assert found['crash_data'][1][2] == \
        'containers/tests/faults/crash_data/main.c'
    # a call through a bad pointer: no code at pc, so on at lr (main)
    assert found['crash_prefetch'][0][1] == '??'
    assert found['crash_prefetch'][1][1:] == \
        ('main', 'containers/tests/faults/crash_prefetch/main.c')


def test_every_fault_line_has_its_stack(faults):
    """Each fault line is followed by the backtrace line and as many stack
    words as it announces: all the mapped ones, and none when the stack
    pointer is in memory nothing maps (crash_undef's read of SCTLR moves
    sp to 0x1000 first), where no stack line follows."""
    lines = faults[0].lines
    n = unmapped = 0
    for i, line in enumerate(lines):
        if not line.startswith('fault: '):
            continue
        n += 1
        m = symbolize.BT_RE.match(lines[i + 1])
        assert m, lines[i:i + 3]
        words = int(m.group(4))
        got = sum(len(symbolize.STACK_RE.match(x).group(2).split())
                  for x in lines[i + 2:i + 2 + (words + 7) // 8])
        assert got == words
        if int(m.group(2), 16) == 0x1000:
            assert words == 0, lines[i:i + 3]
            assert not symbolize.STACK_RE.match(lines[i + 2]), lines[i:i + 3]
            unmapped += 1
        else:
            assert words > 0, lines[i:i + 3]
    assert n >= 5
    assert unmapped >= 2  # SCTLR is one life in three, 9 lives


def test_a_fault_with_an_unmapped_stack_is_still_symbolized(faults):
    """Without stack words the walk has the faulting pc and lr: the
    instruction in its own ELF, then main, which called it."""
    b, _ = faults
    heads = [(h, f) for h, f in backtraces(b.symbolized)
             if h.startswith("fault: container 'crash_undef'")]
    lines = b.symbolized.splitlines()

    def sp_after(head):  # the backtrace line that follows a fault line
        i = lines.index(head)
        return next(int(m.group(2), 16) for m in
                    map(symbolize.BT_RE.search, lines[i + 1:]) if m)
    unmapped = [f for h, f in heads if sp_after(h) == 0x1000]
    assert unmapped, heads
    for frames in unmapped:
        assert [f for _, f, _ in frames][-1] == 'main', frames
        assert frames[-1][2] == 'containers/tests/faults/crash_undef/main.c'


def test_a_bad_stack_stops_the_walk(panic):
    """Stack words that lead nowhere (a zero return address, a frame
    below the last) end the backtrace; missing words too. Never an
    exception, never a loop."""
    b, outdir = panic
    text = b.output
    m = re.search(r'^  stack ([0-9a-f]{8}):(.*)$', text, re.M)
    zeroed = text.replace(m.group(0), f'  stack {m.group(1)}:' +
                          ' 00000000' * len(m.group(2).split()))
    [(_, frames)] = backtraces(symbolize.symbolize(zeroed, outdir))
    assert [f for _, f, _ in frames] == ['selftest_panic']
    cut = re.sub(r'^  stack .*\n', '', text, flags=re.M)
    [(_, frames)] = backtraces(symbolize.symbolize(cut, outdir))
    assert [f for _, f, _ in frames] == ['selftest_panic']


def test_unwinder_on_a_synthetic_loop(invariants):
    """A stack whose saved return address points back into the same
    frame, at the same stack address, is walked once, not forever."""
    import unwind
    b, outdir = invariants
    m = next(symbolize.BT_RE.match(x) for x in b.lines
             if symbolize.BT_RE.match(x))
    pc, sp, lr = (int(m.group(i), 16) for i in (1, 2, 3))
    u = unwind.Unwinder(os.path.join(outdir, 'kernel', 'kernel.elf'))
    # every word the frame's return address could be read from is pc
    mem = {sp + 4 * i: pc + 4 for i in range(64)}
    got = u.frames(pc, sp, lr, mem)
    assert 1 <= len(got) <= unwind.MAX_FRAMES
    assert u.frames(0x1, sp, 0, {}) == [0x1]  # no code there, lr neither
    assert u.frames(0x1, sp, lr, {}) == [0x1, lr & ~1]  # a bad call: lr
