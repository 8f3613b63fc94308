"""The fuzzing system (<board>_fuzz_defconfig, configs/fuzz.toml,
containers/tests/fuzz/) on every board: a short campaign, each seed booted
under -icount (tools/fuzz_campaign.py): three seeds of 100,000 calls on
qemu_virt and its two-core kernel, two or three on each other board (run
time). Every TEST line must pass (or skip where the board lacks the
subject: the victim's RTC on raspi2b) and the summary match, no panic, no
hang, every budget back and no peak above its size, no page leaked, the
kernel's fast paths each taken (CONFIG_FASTPATH_STATS); a seed's run must
reproduce line for line on each board; a kernel that breaks an invariant
must fail the run; scripts/fuzz must run a campaign and report it, on the
default board and with --board.

A long campaign is scripts/fuzz's job (docs/testing.md).
"""
import os
import re
import subprocess
import tomllib

import pytest

import board as boardmod
import fuzz_campaign as fc
import harness
import manifest as manifestmod
from conftest import (BOARDS, TEST_BUILD, TOP, board_has, machine_board,
                      machine_config)

# (seeds, calls of each) per machine (conftest.MACHINES: a board, or a
# board with a kernel for N cores): the default board's three seeds as
# ever, two on each other board (run time), other seeds for more paths;
# on four cores the attackers and the victim run at once.
CAMPAIGNS = {'qemu_virt': ([1, 2, 3], 100_000),
             'vexpress_a9': ([4, 5], 100_000),
             'raspi2b': ([6, 7], 100_000),
             'qemu_virt-smp2': ([12, 13, 17], 100_000),
             'qemu_virt-smp4': ([8, 9], 100_000),
             'vexpress_a9-smp4': ([10, 16], 100_000),
             'raspi2b-smp4': ([11, 14, 15], 100_000)}
RUNS = [(m, s) for m in CAMPAIGNS for s in CAMPAIGNS[m][0]]
SEEDS, CALLS = CAMPAIGNS[fc.BOARD]
OUT = os.path.join(TEST_BUILD, 'syscall-fuzz')
LIMIT = 60  # seconds a boot of CALLS calls may take at most

MANIFEST_PATH = os.path.join(TOP, 'configs', 'fuzz.toml')
with open(MANIFEST_PATH, 'rb') as f:
    MANIFEST = tomllib.load(f)
CONTAINERS = {c['name']: c for c in MANIFEST['container']}
# The device (a board peripheral, with an IRQ) each attacker holds on each
# board (fuzz.toml: optional devices); an attacker without one aims its
# device and IRQ calls at a peripheral nobody holds (attacker.h
# NOBODY_PHYS: gpio, else uart1) and expects them refused.
ATTACKER_DEVICES = {
    'qemu_virt': {'attacker1': 'virtio_mmio0', 'attacker2': 'virtio_mmio1'},
    'vexpress_a9': {'attacker1': 'virtio_mmio0', 'attacker2': 'timer23'},
    'raspi2b': {'attacker1': 'aux'},
}
# Every call of the ABI (the kernel's dispatch list), and numbers past it.
with open(os.path.join(TOP, 'kernel', 'include', 'uapi', 'tessera',
                       'syscall.h')) as f:
    SYSCALLS = re.findall(r'^\s*X\((\w+)\)', f.read(), re.M) + ['none']
SEQUENCES = ['tag_rewrite', 'cross_rewrite', 'ipc_pair', 'ping_pong',
             'caps_chain',
             'budget_split', 'map_remap', 'mutex', 'irq', 'threads', 'fault',
             'suspend', 'exregs']


def out_dir(board):
    """Build directories of a board's seeds (the default board's where they
    always were)."""
    return OUT if board == fc.BOARD else f'{OUT}-{board}'


def victim_expected_cases(machine):
    """Cases the victim skips on a board: irq_delivered without an RTC."""
    return {} if board_has(machine_board(machine), 'rtc') else {
        'victim.irq_delivered': 'no RTC on this board'}


@pytest.fixture(scope='module')
def campaigns():
    """board -> {seed: (Boot, Result)}, each board built and booted when
    a test first asks for it."""
    runs = {}

    def get(board):
        if board not in runs:
            seeds, calls = CAMPAIGNS[board]
            runs[board] = {}
            for seed in seeds:
                image = fc.build(fc.build_dir(out_dir(board), seed), seed,
                                 calls, board=machine_board(board),
                                 extra=machine_config(board))
                b, secs = fc.boot(image, fc.timeout_for(calls))
                runs[board][seed] = (b, fc.analyse(b, seed, calls, secs))
        return runs[board]
    return get


def output(b):
    return b.output[-4000:]


def holds_irq(machine, name):
    return name in ATTACKER_DEVICES[machine_board(machine)]


# ---- the system as declared ------------------------------------------------

def test_manifest_agrees_with_fuzz_h():
    """The victim is container 0 (its pager is tid 1, the conductor); each
    attacker lives FZ_LIVES times; the attackers hold channels to the
    victim and to each other, small budgets of every kind, and virtual
    ranges that leave out their program."""
    names = [c['name'] for c in MANIFEST['container']]
    assert names == ['victim'] + fc.attacker_names()
    victim = CONTAINERS['victim']
    assert victim.get('restart', 'never') == 'never'
    assert [d['peripheral'] for d in victim['device']] == ['rtc']
    for name in fc.attacker_names():
        a = CONTAINERS[name]
        assert a['program'] == 'tests/fuzz/attacker'
        assert (a['restart'], a['restart_limit']) == ('always',
                                                      fc.LIVES - 1)
        others = [n for n in fc.attacker_names() if n != name]
        assert sorted(a['channels']) == sorted(['victim'] + others)
        assert all(0 < v <= 8 for v in a['budget'].values()), a['budget']
        assert all(d.get('optional') for d in a['device']), a['device']
        for v in a['virtual']:
            assert not (v['virt'] < a['virt'] + a['size'] and
                        a['virt'] < v['virt'] + v['size']), v
    for b in BOARDS:
        with open(os.path.join(TOP, 'configs', fc.defconfig(b))) as f:
            first = f.readline()
        assert 'Fuzzing' in first, (b, first)


@pytest.mark.parametrize('board', BOARDS)
def test_devices_on_each_board(board):
    """As resolved for each board: the victim holds the RTC's page and IRQ
    where the board has one; each attacker holds at most one device, the
    one attacker.h names for the board, with its IRQ; the peripheral an
    attacker without a device aims at is nobody's."""
    m = manifestmod.load(MANIFEST_PATH, boardmod.load(board))
    devs = {c.name: c.devices for c in m.containers}
    assert [d.peripheral for d in devs['victim']] == \
        (['rtc'] if board_has(board, 'rtc') else [])
    for name in fc.attacker_names():
        want = ATTACKER_DEVICES[board].get(name)
        assert [d.peripheral for d in devs[name]] == \
            ([want] if want else []), (board, name, devs[name])
        assert all(d.irq is not None for d in devs[name])
    nobody = 'gpio' if board_has(board, 'gpio') else 'uart1'
    assert board_has(board, nobody)
    held = {d.peripheral for ds in devs.values() for d in ds}
    assert nobody not in held, (board, held)


# ---- the short campaign ------------------------------------------------------

@pytest.mark.parametrize('board,seed', RUNS)
def test_seed_runs_clean(campaigns, board, seed):
    b, r = campaigns(board)[seed]
    assert r.ok, '\n'.join(f'{w}: {l}' for w, l in r.findings) + \
        '\n' + output(b)
    assert r.seconds < LIMIT, f'{board} seed {seed} took {r.seconds:.0f} s'


@pytest.mark.parametrize('board,seed', RUNS)
def test_every_test_line_passes_and_the_summary_matches(campaigns, board,
                                                       seed):
    """Every case passes but those the board lacks the subject of, which
    skip with their reason (and the summary counts them)."""
    b, _ = campaigns(board)[seed]
    run = harness.parse_tests(b)
    assert run.problems == [], f'{run.problems}\n{output(b)}'
    assert sorted(run.results) == sorted(fc.expected_cases())
    bad = {k: why for k, (ok, why) in run.results.items() if not ok}
    assert not bad, bad
    skips = victim_expected_cases(board)
    assert sorted(run.skipped) == sorted(skips), run.skipped
    for case, why in skips.items():
        assert why in run.skipped[case], run.skipped
    passed = len(fc.expected_cases()) - len(skips)
    assert run.summary == ((passed, 0, len(skips)) if skips else
                           (passed, 0))
    assert b.status == 0 and not b.panicked and not b.timed_out
    assert b.lines[-1] == 'kernel: all containers finished, exit status 0'


@pytest.mark.parametrize('board,seed', RUNS)
def test_budgets_back_and_within_their_sizes(campaigns, board, seed):
    """Each attacker life checked its budgets after every round (its TEST
    line); the victim checked its own (victim.budgets_back); the kernel's
    summary: no peak above a size, every attacker life came and went, the
    victim ran its six threads, waited on a mutex and bound its IRQ (where
    it has the RTC); an attacker without a device never bound one."""
    b, r = campaigns(board)[seed]
    assert sorted(r.summary) == sorted(['victim'] + fc.attacker_names())
    for name, (code, restarts, budgets) in r.summary.items():
        for n, (peak, size) in budgets.items():
            assert peak <= size, f'{name} {n} {peak}/{size}'
    for name in fc.attacker_names():
        _, restarts, budgets = r.summary[name]
        assert restarts == fc.LIVES - 1
        if not holds_irq(board, name):
            assert budgets['irqs'][0] == 0, budgets
    code, _, budgets = r.summary['victim']
    assert code == 0
    assert budgets['threads'] == (6, 6)
    assert budgets['irqs'] == ((1, 1) if board_has(machine_board(board),
                                                   'rtc') else (0, 1))
    assert budgets['mutexes'][0] >= 1


@pytest.mark.parametrize('board', CAMPAIGNS)
def test_attackers_reach_their_budgets(campaigns, board):
    """Over the campaign each attacker used its whole THREADS, SPACES,
    CAPS and (holding a device) IRQS budgets at some point: the fuzzing
    reaches the limits (what it does there is checked by every round's
    budget check)."""
    for name in fc.attacker_names():
        peaks = {}
        for _, r in campaigns(board).values():
            for n, (peak, size) in r.summary[name][2].items():
                peaks[n] = max(peaks.get(n, (0, size)), (peak, size))
        full = ['threads', 'spaces', 'caps']
        if holds_irq(board, name):
            full.append('irqs')
        for n in full:
            assert peaks[n][0] == peaks[n][1] > 0, (name, n, peaks[n])


@pytest.mark.parametrize('board,seed', RUNS)
def test_no_page_leaked(campaigns, board, seed):
    """When everything has gone, at least as much is free as at boot; the
    first attacker's calibrating and closing lives die with the same
    objects alive everywhere else: the same figure, give or take one spare
    page per slab cache."""
    _, r = campaigns(board)[seed]
    deaths, boot = r.free['deaths'], r.free['boot']
    a1 = deaths['attacker1']
    assert len(a1) == fc.LIVES
    assert abs(a1[0] - a1[-1]) <= fc.CACHE_SPARES, a1
    assert deaths['victim'][-1] >= boot, (boot, deaths)


@pytest.mark.parametrize('board', CAMPAIGNS)
def test_every_call_and_sequence_exercised(campaigns, board):
    """Over the campaign every system call was made, numbers past the
    table too, and every structured sequence ran."""
    calls = dict.fromkeys(SYSCALLS, 0)
    seqs = dict.fromkeys(SEQUENCES, 0)
    for b, r in campaigns(board).values():
        assert r.calls >= CAMPAIGNS[board][1]
        for line in b.lines:
            if re.match(r'^attacker\d+: life \d+ calls:', line):
                for name, n in re.findall(r'(\w+) (\d+)', line.split(
                        'calls:', 1)[1]):
                    calls[name] += int(n)
            if re.match(r'^attacker\d+: life \d+ sequences:', line):
                for name, n in re.findall(r'(\w+) (\d+)', line.split(
                        'sequences:', 1)[1]):
                    seqs[name] += int(n)
    assert all(n > 0 for n in calls.values()), calls
    assert all(n > 0 for n in seqs.values()), seqs


@pytest.mark.parametrize('board', CAMPAIGNS)
def test_fast_paths_exercised(campaigns, board):
    """The attackers' calls and faults reach the kernel's fast paths
    (CONFIG_FASTPATH_STATS, on in the fuzzing system): short and full
    messages, faults and fault answers each taken at least once over the
    campaign, and on one core lent run-queue places settled by other
    kernel entries."""
    totals = {}
    for b, _ in campaigns(board).values():
        m = re.search(r'^kernel: fast paths: (.*)$', b.output, re.M)
        assert m, output(b)
        for name, n in re.findall(r'([a-z][a-z ]*) (\d+)', m.group(1)):
            totals[name] = totals.get(name, 0) + int(n)
    want = ['ipc short', 'ipc full', 'fault', 'fault reply']
    if '-smp' not in board:
        want.append('loans settled')
    assert all(totals.get(n, 0) > 0 for n in want), totals


@pytest.mark.parametrize('board', CAMPAIGNS)
def test_cross_container_paths_exercised(campaigns, board):
    """The victim's sink received messages from the attackers, and their
    lives ended every way: cleanly, leaving things behind by exit, by a
    data abort and by destroying themselves."""
    ends = set()
    for b, _ in campaigns(board).values():
        m = re.search(r'^victim: during the fuzzing \(\d+ ticks\): .*sink '
                      r'(\d+) messages from attackers', b.output, re.M)
        assert m and int(m.group(1)) > 0, output(b)
        ends |= set(re.findall(r'^attacker\d+: life \d+ ends: ([a-z ]+)',
                               b.output, re.M))
    assert {'exit', 'data abort', 'destroys itself'} <= ends, ends


@pytest.mark.parametrize('board', BOARDS)
def test_a_seed_reproduces_exactly(campaigns, board):
    """Under -icount the same build boots to the same output, on every
    board (its counter and, where it has one, its RTC on virtual time)."""
    seed = CAMPAIGNS[board][0][0]
    b, _ = campaigns(board)[seed]
    again, _ = fc.boot(os.path.join(fc.build_dir(out_dir(board), seed),
                                    'image.elf'),
                       fc.timeout_for(CAMPAIGNS[board][1]))
    assert again.output == b.output


# ---- it fails when the kernel misbehaves -------------------------------------

def test_a_kernel_that_breaks_an_invariant_fails_the_run():
    """CONFIG_SELFTEST_INVARIANTS charges a budget beyond its size at the
    first invariant check, as a kernel bug would: the run must fail with
    the panic as its finding."""
    d = os.path.join(OUT, 'broken')
    image = fc.build(d, 1, 20_000, invariants=1,
                     extra=['CONFIG_SELFTEST_INVARIANTS=y'])
    b, secs = fc.boot(image, 60)
    r = fc.analyse(b, 1, 20_000, secs)
    assert not r.ok
    assert r.findings[0][0] == 'kernel panic', r.findings
    assert b.status != 0


# ---- scripts/fuzz --------------------------------------------------------------

def test_scripts_fuzz_runs_a_campaign():
    out = os.path.join(TEST_BUILD, 'syscall-fuzz-script')
    p = subprocess.run([os.path.join(TOP, 'scripts', 'fuzz'), '--calls',
                        '40000', '--seeds', '2', '--seed', '7', '--out', out],
                       cwd=TOP, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.search(r'^fuzz: seed 7: \d+ calls in [\d.]+ s \([\d,]+ '
                     r'calls/s', p.stdout, re.M), p.stdout
    assert re.search(r'^fuzz: seed 8: ', p.stdout, re.M), p.stdout
    assert re.search(r'^fuzz: [\d,]+ calls over 2 seed\(s\) .* 0 seed\(s\) '
                     r'with findings$', p.stdout, re.M), p.stdout
    assert os.path.exists(os.path.join(out, '7', 'run.log'))


def test_scripts_fuzz_runs_on_another_board():
    """--board NAME builds <board>_fuzz_defconfig and boots it there."""
    out = os.path.join(TEST_BUILD, 'syscall-fuzz-script-raspi2b')
    p = subprocess.run([os.path.join(TOP, 'scripts', 'fuzz'), '--board',
                        'raspi2b', '--calls', '20000', '--seed', '9',
                        '--out', out],
                       cwd=TOP, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.search(r'^fuzz: raspi2b: 1 boot\(s\) of 20000 calls, seeds '
                     r'9\.\.9,', p.stdout, re.M), p.stdout
    assert re.search(r'^fuzz: seed 9: \d+ calls in [\d.]+ s .*: ok$',
                     p.stdout, re.M), p.stdout
    assert re.search(r'^fuzz: [\d,]+ calls over 1 seed\(s\) .* 0 seed\(s\) '
                     r'with findings$', p.stdout, re.M), p.stdout
    assert harness.board_of(os.path.join(out, '9', 'image.elf')) == 'raspi2b'
    with open(os.path.join(out, '9', 'run.log')) as f:
        assert 'TEST attacker1.calls PASS' in f.read()


def test_scripts_fuzz_plans_long_campaigns():
    """10 million calls over 10 seeds: ten boots of a million; more calls
    per seed than one boot makes: more seeds."""
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader(
        'fuzz_script', os.path.join(TOP, 'scripts', 'fuzz'))
    spec = importlib.util.spec_from_loader('fuzz_script', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    assert mod.plan(10_000_000, 10, mod.MAX_PER_BOOT) == (10, 1_000_000)
    assert mod.plan(10_000_000, 1, 2_000_000) == (5, 2_000_000)
    assert mod.plan(500, 1, 2_000_000) == (1, 1000)


def _script():
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader(
        'fuzz_script', os.path.join(TOP, 'scripts', 'fuzz'))
    spec = importlib.util.spec_from_loader('fuzz_script', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def test_scripts_fuzz_board_option():
    """--board defaults to qemu_virt and build/fuzz; another board builds
    in build/fuzz-<board>; a board that does not exist is refused, naming
    the boards."""
    mod = _script()
    args = mod.parse([])
    assert (args.board, args.out) == ('qemu_virt',
                                      os.path.join(TOP, 'build', 'fuzz'))
    args = mod.parse(['--board', 'vexpress_a9'])
    assert (args.board, args.out) == (
        'vexpress_a9', os.path.join(TOP, 'build', 'fuzz-vexpress_a9'))
    assert mod.parse(['--board', 'raspi2b', '--out', 'x']).out == 'x'
    p = subprocess.run([os.path.join(TOP, 'scripts', 'fuzz'), '--board',
                        'nosuch'], cwd=TOP, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode != 0
    assert "no board 'nosuch'" in p.stderr and 'raspi2b' in p.stderr
    p = subprocess.run([os.path.join(TOP, 'scripts', 'fuzz'), '--help'],
                       cwd=TOP, capture_output=True, text=True, timeout=60)
    assert '--board NAME' in p.stdout
    for b in BOARDS:
        assert b in p.stdout


def test_reproduce_names_the_seed():
    lines = fc.reproduce(os.path.join(TOP, 'build', 'fuzz'), 42, 123456)
    assert lines[0].startswith('scons O=build/fuzz/42 '
                               'qemu_virt_fuzz_defconfig && printf ')
    assert 'CONFIG_FUZZ_SEED=42' in lines[0]
    assert 'CONFIG_FUZZ_CALLS=123456' in lines[0]
    assert '-icount shift=0' in lines[1]
    assert 'build/fuzz/42/image.elf' in lines[1]
    assert lines[2] == '(or: scripts/fuzz --seed 42 --calls 123456 --seeds 1)'


def test_reproduce_names_the_board():
    lines = fc.reproduce(os.path.join(TOP, 'build', 'fuzz-raspi2b'), 42,
                         123456, board='raspi2b')
    assert lines[0].startswith('scons O=build/fuzz-raspi2b/42 '
                               'raspi2b_fuzz_defconfig && printf ')
    assert lines[1].startswith('qemu-system-arm -M raspi2b ')
    assert '-icount shift=0' in lines[1]
    assert lines[2] == ('(or: scripts/fuzz --board raspi2b --seed 42 '
                        '--calls 123456 --seeds 1)')
