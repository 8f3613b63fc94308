"""The SMP stress system (<board>_stress_defconfig, CONFIG_NR_CPUS=4;
configs/stress.toml, containers/tests/stress/, docs/testing.md) booted on
every board with all its cores, and on qemu_virt with fewer online cores
than the kernel was built for (-smp 2 and 1).

Five containers run threads on every online core at once: client threads
call the conductor's server threads on the other cores (exact calls,
every answer checked), movers hop between cores with sys_thread_cpus
while calling and locking (exact hops, calls, increments), counter
threads on every core share one user mutex (exact count), and the
crasher dies three times while its threads run on all cores (a data
abort, exit 7, a data abort) and comes back by its on-failure policy.
Each boot must pass every TEST line, exit with 0 within BOOT_LIMIT
seconds, print the exact counts and the kernel's restart lines and
summary for the crasher, and leave the other containers untouched.
"""
import os
import re
import time

import pytest

import board
import harness
import manifest
from conftest import TEST_BUILD, TOP

STRESS_H = os.path.join(TOP, 'containers', 'tests', 'stress', 'common',
                        'stress.h')
MANIFEST = os.path.join(TOP, 'configs', 'stress.toml')
NR_CPUS = 4
BOOT_LIMIT = 30  # seconds of wall time a boot may take


def header_constants():
    out = {}
    with open(STRESS_H) as f:
        for m in re.finditer(r'^#define (ST_[A-Z_]+) (\d+)u?\b', f.read(),
                             re.M):
            out[m.group(1)] = int(m.group(2))
    return out


ST = header_constants()
NAMES = ['conductor', 'client', 'mover', 'counter', 'crasher']
LIMIT = ST['ST_CRASHER_LIMIT']

EXPECTED_CASES = [
    'counter.threads_pinned',
    'counter.count_exact',
    'counter.one_holder_at_a_time',
    'counter.mutex_contended',
    'mover.hops_exact',
    'mover.calls_while_moving',
    'mover.mutex_while_moving',
    'mover.running_thread_moved',
    'mover.bad_masks_refused',
    'client.threads_pinned',
    'client.calls_answered_exactly',
    'client.calls_crossed_cores',
    'crasher.last_life_is_the_limit',
    'crasher.last_life_threads_pinned',
    'crasher.last_life_calls_exact',
    'crasher.last_life_spins_exact',
    'conductor.servers_stayed_on_their_cores',
    'conductor.client_calls_served',
    'conductor.mover_calls_served',
    'conductor.no_bad_messages',
    'conductor.crasher_came_back_every_life',
    'conductor.crasher_lives_died_working',
    'conductor.crasher_final_life_calls_served',
    'conductor.crashes_while_the_others_worked',
]

# (board, cores QEMU gives; None: the machine's own four)
MACHINES = [('qemu_virt', 4), ('qemu_virt', 2), ('qemu_virt', 1),
            ('raspi2b', None), ('vexpress_a9', 4)]

DEATH_RE = re.compile(r"^kernel: container '([^']+)' (crashed|finished), "
                      r"exit code (-?\d+) \(([^)]+)\), \d+ pages free$")
RESTARTING_RE = re.compile(r"^kernel: container '([^']+)' restarting "
                           r"\((\d+)\)$")
SUMMARY_RE = re.compile(r'^kernel:\s+(\S+)\s+exit\s+(-?\d+) restarts (\d+) ')
ONLINE_RE = re.compile(r'^kernel: (\d+) of (\d+) cpus online', re.M)

_images = {}


def image(board_name):
    if board_name not in _images:
        _images[board_name] = harness.build(
            f'{board_name}_stress_defconfig',
            os.path.join(TEST_BUILD, f'stress-{board_name}'))
    return _images[board_name]


@pytest.fixture(scope='module', params=MACHINES,
                ids=[f'{b}-smp{n or 4}' for b, n in MACHINES])
def run(request):
    board_name, smp = request.param
    extra = ('-smp', str(smp)) if smp else ()
    img = image(board_name)
    start = time.monotonic()
    b = harness.boot(img, timeout=120, extra=extra)
    return b, harness.parse_tests(b), time.monotonic() - start, smp or 4


def lines(b, prefix):
    return [ln.strip() for ln in b.lines if ln.strip().startswith(prefix)]


def one(b, regex):
    found = [m for m in (re.match(regex, ln.strip()) for ln in b.lines) if m]
    assert len(found) == 1, (regex, b.output[-4000:])
    return found[0]


# ---- the system as built ---------------------------------------------------

def test_manifest_agrees_with_stress_h():
    man = manifest.load(MANIFEST, board.load('qemu_virt'),
                        os.path.join(TOP, 'containers'), nr_cpus=NR_CPUS)
    cs = man.containers
    assert [c.name for c in cs] == NAMES  # conductor first: tid 1
    crasher = cs[NAMES.index('crasher')]
    assert (crasher.restart, crasher.restart_limit) == ('on-failure', LIMIT)
    for c in cs:
        if c.name != 'crasher':
            assert c.restart == 'never', c.name
            assert c.cpu_mask == (1 << NR_CPUS) - 1, c.name
        if c.name not in ('conductor',):
            assert c.channels == ['conductor'], c.name


@pytest.mark.parametrize('board_name', ['qemu_virt', 'raspi2b',
                                        'vexpress_a9'])
def test_defconfig_starts_four_cores(board_name):
    with open(os.path.join(TOP, 'configs',
                           f'{board_name}_stress_defconfig')) as f:
        text = f.read()
    assert f'CONFIG_NR_CPUS={NR_CPUS}\n' in text
    assert 'CONFIG_MANIFEST="configs/stress.toml"' in text


# ---- each boot -------------------------------------------------------------

def test_run_is_clean(run):
    b, t, seconds, _ = run
    assert t.problems == [], f'{t.problems}\n{b.output[-4000:]}'
    assert b.status == 0, b.output[-4000:]
    assert t.summary == (len(EXPECTED_CASES), 0), b.output[-4000:]
    assert 'kernel: all containers finished, exit status 0' in b.lines
    assert seconds < BOOT_LIMIT, f'the boot took {seconds:.1f} s'


def test_every_case_passes(run):
    b, t, _, _ = run
    assert sorted(t.results) == sorted(EXPECTED_CASES), b.output[-4000:]
    failed = {k: why for k, (ok, why) in t.results.items() if ok is not True}
    assert not failed, failed


def test_cores_online(run):
    b, _, _, cores = run
    assert ONLINE_RE.search(b.output).groups() == (str(cores),
                                                   str(NR_CPUS)), b.output
    m = one(b, r'conductor: (\d+) cores online \(mask 0x([0-9a-f]+)\), '
               r'servers (\d+) (\d+) (\d+) (\d+)$')
    assert int(m.group(1)) == cores
    assert int(m.group(2), 16) == (1 << cores) - 1
    servers = [int(x) for x in m.groups()[2:]]
    assert all(s > 0 for s in servers[:cores]), servers
    assert all(s == 0 for s in servers[cores:]), servers


def test_exact_counts(run):
    """What each container counted, against stress.h and the cores."""
    b, _, _, cores = run
    calls = ST['ST_CLIENTS'] * ST['ST_CLIENT_CALLS']
    moves = ST['ST_MOVERS'] * ST['ST_MOVER_HOPS']
    final = ST['ST_CRASHER_CALLERS'] * ST['ST_CRASHER_FINAL_CALLS']
    m = one(b, r'client: (\d+) threads on (\d+) cores: (\d+) calls '
               r'answered, (\d+) across cores$')
    assert [int(x) for x in m.groups()] == [
        ST['ST_CLIENTS'], cores, calls, calls if cores > 1 else 0]
    m = one(b, r'mover: (\d+) threads on (\d+) cores: (\d+) hops, (\d+) '
               r'calls, counter (\d+), drifter moved (\d+) times$')
    assert [int(x) for x in m.groups()] == [
        ST['ST_MOVERS'], cores, moves if cores > 1 else 0, moves, moves,
        ST['ST_DRIFTS']]
    m = one(b, r'counter: (\d+) threads on (\d+) cores: count (\d+), (\d+) '
               r'lock attempts found it held$')
    assert [int(x) for x in m.groups()[:3]] == [
        ST['ST_COUNTERS'], cores, ST['ST_COUNTERS'] * ST['ST_COUNTER_ITERS']]
    assert int(m.group(4)) > 0
    m = one(b, r'crasher: life (\d+): (\d+) calls, (\d+) spins \((\d+) '
               r'under the mutex\) on (\d+) cores$')
    assert [int(x) for x in m.groups()] == [
        LIMIT, final,
        ST['ST_CRASHER_SPINNERS'] * ST['ST_CRASHER_FINAL_SPINS'],
        ST['ST_CRASHER_SPINNERS'] // 2 * ST['ST_CRASHER_FINAL_SPINS'],
        cores]
    m = one(b, r'stress: cores (\d+) \(0x([0-9a-f]+)\), client calls '
               r'(\d+)/(\d+), mover calls (\d+)/(\d+), crasher lives (\d+), '
               r'crash-life calls (\d+), final-life calls (\d+)/(\d+), '
               r'deaths during work (\d+), replies to the dead (\d+)$')
    g = [int(x, 16) if i == 1 else int(x) for i, x in enumerate(m.groups())]
    assert g[:8] == [cores, (1 << cores) - 1, calls, calls, moves, moves,
                     LIMIT + 1, g[7]]
    assert g[7] >= LIMIT * ST['ST_CRASHER_CALLERS'] * \
        ST['ST_CRASHER_MIN_CALLS']
    assert g[8:11] == [final, final, LIMIT]


def test_crasher_restarted_exactly(run):
    """Three deaths while its threads ran on the other cores (data abort,
    exit 7, data abort), three restarts, a last life that finishes; the
    kernel's restart lines and summary say so."""
    b, _, _, cores = run
    deaths = {}
    for ln in b.lines:
        m = DEATH_RE.match(ln.strip())
        if m:
            deaths.setdefault(m.group(1), []).append(
                (m.group(2), int(m.group(3)), m.group(4)))
    lives = [('crashed', 132, 'data abort') if life % 2 == 0 else
             ('crashed', ST['ST_CRASH_EXIT'], 'failed')
             for life in range(LIMIT)] + [('finished', 0, 'exited')]
    assert deaths.get('crasher') == lives, b.output[-4000:]
    restarts = [int(m.group(2)) for m in
                (RESTARTING_RE.match(ln.strip()) for ln in b.lines)
                if m and m.group(1) == 'crasher']
    assert restarts == list(range(1, LIMIT + 1))
    assert len(lines(b, "kernel: container 'crasher' started: pager")) == \
        LIMIT + 1
    dying = lines(b, 'crasher: life ')
    assert dying[:LIMIT] == [
        f'crasher: life {life} dies by '
        f'{"exit 7" if life % 2 else "a data abort"}, its '
        f'{ST["ST_CRASHER_CALLERS"] + ST["ST_CRASHER_SPINNERS"]} threads '
        f'working on {cores} cores' for life in range(LIMIT)]


def test_other_containers_unaffected(run):
    """Every other container lived once, finished with 0, was never
    restarted; the summary lists every container."""
    b, _, _, _ = run
    summary = {}
    for ln in b.lines:
        m = SUMMARY_RE.match(ln.strip())
        if m:
            summary[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    assert summary == {**{n: (0, 0) for n in NAMES}, 'crasher': (0, LIMIT)}
    for n in NAMES[:-1]:
        assert lines(b, f"kernel: container '{n}' ") == [
            ln for ln in lines(b, f"kernel: container '{n}' ")
            if 'started' in ln or 'finished, exit code 0 (exited)' in ln]
        assert len(lines(b, f"kernel: container '{n}' finished")) == 1, n
    assert 'fault: ' not in b.output.replace("fault: container 'crasher'",
                                             '')
