"""The fuzzing system (qemu_virt_fuzz_defconfig, configs/fuzz.toml,
containers/tests/fuzz/): a short campaign, three seeds of 100,000 calls,
each booted under -icount (tools/fuzz_campaign.py). Every TEST line must
pass and the summary match, no panic, no hang, every budget back and no
peak above its size, no page leaked; a seed's run must reproduce line for
line; a kernel that breaks an invariant must fail the run; scripts/fuzz
must run a campaign and report it.

A long campaign is scripts/fuzz's job (docs/testing.md).
"""
import os
import re
import subprocess
import tomllib

import pytest

import fuzz_campaign as fc
from conftest import TEST_BUILD, TOP

SEEDS = [1, 2, 3]
CALLS = 100_000
OUT = os.path.join(TEST_BUILD, 'syscall-fuzz')
LIMIT = 60  # seconds a boot of CALLS calls may take at most

with open(os.path.join(TOP, 'configs', 'fuzz.toml'), 'rb') as f:
    MANIFEST = tomllib.load(f)
CONTAINERS = {c['name']: c for c in MANIFEST['container']}
# Every call of the ABI (the kernel's dispatch list), and numbers past it.
with open(os.path.join(TOP, 'kernel', 'include', 'uapi', 'tessera',
                       'syscall.h')) as f:
    SYSCALLS = re.findall(r'^\s*X\((\w+)\)', f.read(), re.M) + ['none']
SEQUENCES = ['tag_rewrite', 'cross_rewrite', 'ipc_pair', 'caps_chain',
             'budget_split', 'map_remap', 'mutex', 'irq', 'threads', 'fault',
             'suspend', 'exregs']


@pytest.fixture(scope='module')
def campaign():
    runs = {}
    for seed in SEEDS:
        image = fc.build(fc.build_dir(OUT, seed), seed, CALLS)
        b, secs = fc.boot(image, fc.timeout_for(CALLS))
        runs[seed] = (b, fc.analyse(b, seed, CALLS, secs))
    return runs


def output(b):
    return b.output[-4000:]


# ---- the system as declared ------------------------------------------------

def test_manifest_agrees_with_fuzz_h():
    """The victim is container 0 (its pager is tid 1, the conductor); each
    attacker lives FZ_LIVES times; the attackers hold channels to the
    victim and to each other, small budgets of every kind, a device with
    an IRQ, and virtual ranges that leave out their program."""
    names = [c['name'] for c in MANIFEST['container']]
    assert names == ['victim'] + fc.attacker_names()
    victim = CONTAINERS['victim']
    assert victim.get('restart', 'never') == 'never'
    assert [d['irq'] for d in victim['device']] == [34]
    for name in fc.attacker_names():
        a = CONTAINERS[name]
        assert a['program'] == 'tests/fuzz/attacker'
        assert (a['restart'], a['restart_limit']) == ('always',
                                                      fc.LIVES - 1)
        others = [n for n in fc.attacker_names() if n != name]
        assert sorted(a['channels']) == sorted(['victim'] + others)
        assert all(0 < v <= 8 for v in a['budget'].values()), a['budget']
        assert len(a['device']) == 1 and 'irq' in a['device'][0]
        for v in a['virtual']:
            assert not (v['virt'] < a['virt'] + a['size'] and
                        a['virt'] < v['virt'] + v['size']), v
    with open(os.path.join(TOP, 'configs', fc.DEFCONFIG)) as f:
        first = f.readline()
    assert first.startswith('# Fuzzing'), first


# ---- the short campaign ------------------------------------------------------

@pytest.mark.parametrize('seed', SEEDS)
def test_seed_runs_clean(campaign, seed):
    b, r = campaign[seed]
    assert r.ok, '\n'.join(f'{w}: {l}' for w, l in r.findings) + \
        '\n' + output(b)
    assert r.seconds < LIMIT, f'seed {seed} took {r.seconds:.0f} s'


@pytest.mark.parametrize('seed', SEEDS)
def test_every_test_line_passes_and_the_summary_matches(campaign, seed):
    b, _ = campaign[seed]
    import harness
    run = harness.parse_tests(b)
    assert run.problems == [], f'{run.problems}\n{output(b)}'
    assert sorted(run.results) == sorted(fc.expected_cases())
    bad = {k: why for k, (ok, why) in run.results.items() if not ok}
    assert not bad, bad
    assert run.summary == (len(fc.expected_cases()), 0)
    assert b.status == 0 and not b.panicked and not b.timed_out
    assert b.lines[-1] == 'kernel: all containers finished, exit status 0'


@pytest.mark.parametrize('seed', SEEDS)
def test_budgets_back_and_within_their_sizes(campaign, seed):
    """Each attacker life checked its budgets after every round (its TEST
    line); the victim checked its own (victim.budgets_back); the kernel's
    summary: no peak above a size, every attacker life came and went, the
    victim ran its six threads, waited on a mutex and bound its IRQ."""
    b, r = campaign[seed]
    assert sorted(r.summary) == sorted(['victim'] + fc.attacker_names())
    for name, (code, restarts, budgets) in r.summary.items():
        for n, (peak, size) in budgets.items():
            assert peak <= size, f'{name} {n} {peak}/{size}'
    for name in fc.attacker_names():
        _, restarts, budgets = r.summary[name]
        assert restarts == fc.LIVES - 1
    code, _, budgets = r.summary['victim']
    assert code == 0
    assert budgets['threads'] == (6, 6) and budgets['irqs'] == (1, 1)
    assert budgets['mutexes'][0] >= 1


def test_attackers_reach_their_budgets(campaign):
    """Over the campaign each attacker used its whole THREADS, SPACES,
    CAPS and IRQS budgets at some point: the fuzzing reaches the limits
    (what it does there is checked by every round's budget check)."""
    for name in fc.attacker_names():
        peaks = {}
        for _, r in campaign.values():
            for n, (peak, size) in r.summary[name][2].items():
                peaks[n] = max(peaks.get(n, (0, size)), (peak, size))
        for n in ('threads', 'spaces', 'caps', 'irqs'):
            assert peaks[n][0] == peaks[n][1] > 0, (name, peaks)


@pytest.mark.parametrize('seed', SEEDS)
def test_no_page_leaked(campaign, seed):
    """When everything has gone, at least as much is free as at boot; the
    first attacker's calibrating and closing lives die with the same
    objects alive everywhere else: the same figure, give or take one spare
    page per slab cache."""
    _, r = campaign[seed]
    deaths, boot = r.free['deaths'], r.free['boot']
    a1 = deaths['attacker1']
    assert len(a1) == fc.LIVES
    assert abs(a1[0] - a1[-1]) <= fc.CACHE_SPARES, a1
    assert deaths['victim'][-1] >= boot, (boot, deaths)


def test_every_call_and_sequence_exercised(campaign):
    """Over the campaign every system call was made, numbers past the
    table too, and every structured sequence ran."""
    calls = dict.fromkeys(SYSCALLS, 0)
    seqs = dict.fromkeys(SEQUENCES, 0)
    for b, r in campaign.values():
        assert r.calls >= CALLS
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


def test_cross_container_paths_exercised(campaign):
    """The victim's sink received messages from the attackers, and their
    lives ended every way: cleanly, leaving things behind by exit, by a
    data abort and by destroying themselves."""
    ends = set()
    for b, _ in campaign.values():
        m = re.search(r'^victim: during the fuzzing \(\d+ ticks\): .*sink '
                      r'(\d+) messages from attackers', b.output, re.M)
        assert m and int(m.group(1)) > 0, output(b)
        ends |= set(re.findall(r'^attacker\d+: life \d+ ends: ([a-z ]+)',
                               b.output, re.M))
    assert {'exit', 'data abort', 'destroys itself'} <= ends, ends


def test_a_seed_reproduces_exactly(campaign):
    """Under -icount the same build boots to the same output."""
    b, _ = campaign[SEEDS[0]]
    again, _ = fc.boot(os.path.join(fc.build_dir(OUT, SEEDS[0]), 'image.elf'),
                       fc.timeout_for(CALLS))
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


def test_reproduce_names_the_seed():
    lines = fc.reproduce(os.path.join(TOP, 'build', 'fuzz'), 42, 123456)
    assert lines[0].startswith('scons O=build/fuzz/42 '
                               'qemu_virt_fuzz_defconfig && printf ')
    assert 'CONFIG_FUZZ_SEED=42' in lines[0]
    assert 'CONFIG_FUZZ_CALLS=123456' in lines[0]
    assert '-icount shift=0' in lines[1]
    assert 'build/fuzz/42/image.elf' in lines[1]
    assert lines[2] == '(or: scripts/fuzz --seed 42 --calls 123456 --seeds 1)'
