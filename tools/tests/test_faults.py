"""The fault-injection system (<board>_faults_defconfig, configs/faults.toml)
booted in QEMU: containers crash in every way the kernel reports, a server is
killed while clients are blocked calling it and comes back, a runaway is
stopped, one container restarts 200 times, and a victim keeps doing checked
work throughout (docs/lifecycle.md; the programs are containers/tests/faults/*).

One boot, collected in a module fixture, checked from several sides:
every TEST line (docs/testing.md) and the run's summary line and exit status; the
kernel's fault and crash lines (right container, cause, pc, address); the
restart counts in the kernel's summary against each container's policy; the
free-page figures printed at each death (no leak across restarts); the
budget peak/size figures.

Every container that crashes or is killed on purpose is supervised (always
or on-failure), and the kernel leaves those out of the system's exit status
(containers_exit_status): so the run ends with 0 exactly when every TEST
line passed, as the protocol wants, while the crashes show in the crash
lines and the restart counts.
"""
import os
import re
import tomllib

import pytest

import harness
from conftest import (MACHINES, TEST_BUILD, TOP, check_case, machine_board,
                      machine_build)
from elf import Elf

MANIFEST = os.path.join(TOP, 'configs', 'faults.toml')
FI_H = os.path.join(TOP, 'containers', 'tests', 'faults', 'common', 'fi.h')

# Every TEST line of the run, by the container that prints it.
EXPECTED_CASES = [
    'killer.every_container_checked_in',
    'clients.lookup_names_the_server',
    'clients.callers_blocked_in_their_calls',
    'killer.destroy_needs_a_capability',
    'killer.server_destroyed_holding_two_calls',
    'clients.held_calls_end_with_E_DEAD',
    'clients.queued_call_ends_with_E_DEAD',
    'clients.lookup_follows_the_restart',
    'clients.restarted_server_answers',
    'killer.server_restarted_served_and_ended',
    'killer.clients_reported_and_ended',
    'killer.crash_data',
    'killer.crash_prefetch',
    'killer.crash_undef',
    'killer.flaky',
    'killer.pager_error',
    'killer.crash_budget',
    'killer.runaway_spun_while_the_victim_worked',
    'killer.runaway_destroyed_with_its_threads',
    'killer.runaway_restarted_and_ended',
    'killer.restarter_restarted_200_times_at_the_next_tick',
    'victim.checksum_held_every_round',
    'victim.counter_consistent_every_round',
    'victim.helper_answered_every_round',
    'victim.data_intact_at_end',
    'killer.victim_worked_through_every_phase',
    'killer.every_life_knew_its_restart_count',
    'killer.no_unexpected_messages',
]

E_BUDGET, E_DEAD = 12, 64
FAULT_UNDEF, FAULT_PREFETCH, FAULT_DATA = 1, 3, 4
DFSR_WNR = 1 << 11


def fault_exit(cause):
    return 128 + cause


def fi_defines():
    """The #define FI_* integer constants of fi.h."""
    out = {}
    with open(FI_H) as f:
        for line in f:
            m = re.match(r'#define (FI_\w+) (0x[0-9a-fA-F]+|\d+)u?\b', line)
            if m:
                out[m.group(1)] = int(m.group(2), 0)
    return out


FI = fi_defines()
with open(MANIFEST, 'rb') as _f:
    CONTAINERS = {c['name']: c for c in tomllib.load(_f)['container']}
ORDER = list(CONTAINERS)

# How each container's lives end: (exit code, cause) per life, in order.
# The kernel restarts on-failure containers while the code is non-zero and
# the limit is not reached, always-containers until the limit.
OUTCOMES = {
    'killer': [(0, 'exited')],
    'victim': [(0, 'exited')],
    'clients': [(0, 'exited')],
    'server': [(-E_DEAD, 'destroyed'), (0, 'exited')],
    'crash_data': [(fault_exit(FAULT_DATA), 'data abort')] *
    (FI['FI_DATA_LIMIT'] + 1),
    'crash_prefetch': [(fault_exit(FAULT_PREFETCH), 'prefetch abort')] *
    (FI['FI_PREFETCH_LIMIT'] + 1),
    'crash_undef': [(fault_exit(FAULT_UNDEF), 'undefined instruction')] *
    (FI['FI_UNDEF_LIMIT'] + 1),
    'flaky': [(fault_exit(FAULT_DATA), 'data abort')] *
    FI['FI_FLAKY_SUCCEEDS_AT'] + [(0, 'exited')],
    # the child's fault code, passed on by the pager that refused it
    'pager_error': [(fault_exit(FAULT_DATA), 'data abort')] *
    (FI['FI_PAGER_ERROR_LIMIT'] + 1),
    'crash_budget': [(-E_BUDGET, 'budget exhausted')] *
    (FI['FI_BUDGET_LIMIT'] + 1),
    'runaway': [(-E_DEAD, 'destroyed'), (0, 'exited')],
    'restarter': [(1, 'failed')] * (FI['FI_RESTARTER_LIMIT'] + 1),
}

# Budget peaks as designed (size is the manifest's budget); 0 elsewhere.
PEAKS = {
    'victim': {'threads': 1},          # its helper
    'clients': {'threads': 3},         # three callers
    'pager_error': {'threads': 1},     # the child
    'crash_budget': {'threads': FI['FI_BUDGET_THREADS'], 'spaces': 1},
    'runaway': {'threads': 1},         # its second spinner
}
BUDGETS = ['threads', 'spaces', 'mutexes', 'pt', 'caps', 'irqs']
MANIFEST_KEYS = {'pt': 'pt_pages'}

DEATH_RE = re.compile(r"^kernel: container '([^']+)' (crashed|finished), "
                      r"exit code (-?\d+) \(([^)]+)\), (\d+) pages free$")
REFUSED_RE = re.compile(
    r"^fault: container '(\S+)' thread (\d+): (.+?) at pc 0x[0-9a-f]+, "
    r'address 0x[0-9a-f]+, status 0x[0-9a-f]+: refused by its pager$')
FAULT_RE = re.compile(r"^fault: container '([^']+)' thread (\d+): (.+) at pc "
                      r"0x([0-9a-f]+), address 0x([0-9a-f]+), status "
                      r"0x([0-9a-f]+)$")
STARTED_RE = re.compile(r"^kernel: container '([^']+)' started: pager tid "
                        r"(\d+),")
RESTARTING_RE = re.compile(r"^kernel: container '([^']+)' restarting "
                           r"\((\d+)\)$")
SUMMARY_RE = re.compile(r'^kernel:\s+(\S+)\s+exit\s+(-?\d+) restarts (\d+)' +
                        ''.join(rf'\s+{b} (\d+)/(\d+)' for b in BUDGETS) +
                        '$')
BOOT_FREE_RE = re.compile(r'^kernel: \d+ containers started, (\d+) pages '
                          r'free$')
BACKOFF_RE = re.compile(r'^killer: (\S+) back-off \(ticks\):((?: \d+)*)$')


def build_dir(board_name):
    return os.path.join(TEST_BUILD, 'faults' if board_name == 'qemu_virt'
                        else f'faults-{board_name}')


# One boot per board (the build directory keeps its ELF files for the
# fault lines' program counters); every check below runs on each.
@pytest.fixture(scope='module', params=MACHINES)
def run(request):
    image = machine_build(request.param, 'faults', os.path.basename(
        build_dir(machine_board(request.param))))
    outdir = os.path.dirname(image)
    b = harness.boot(image, timeout=90)
    return b, harness.parse_tests(b), outdir


@pytest.fixture(scope='module')
def deaths(run):
    """name -> [(word, code, cause, pages free)] in order."""
    out = {}
    for line in run[0].lines:
        m = DEATH_RE.match(line.strip())
        if m:
            out.setdefault(m.group(1), []).append(
                (m.group(2), int(m.group(3)), m.group(4), int(m.group(5))))
    return out


@pytest.fixture(scope='module')
def summary(run):
    """name -> (exit, restarts, {budget: (peak, size)}) from the summary."""
    out = {}
    for line in run[0].lines:
        m = SUMMARY_RE.match(line.strip())
        if m:
            g = [int(x) for x in m.groups()[1:]]
            out[m.group(1)] = (g[0], g[1], {
                b: (g[2 + 2 * i], g[3 + 2 * i])
                for i, b in enumerate(BUDGETS)})
    return out


def symbol(outdir, container, name):
    c = CONTAINERS[container]
    path = os.path.join(outdir, 'containers', container,
                        c['program'].rsplit('/', 1)[-1] + '.elf')
    return Elf(path).symbol(name) & ~1  # a Thumb symbol has bit 0 set


def policy(name):
    c = CONTAINERS[name]
    return c.get('restart', 'never'), c.get('restart_limit', 0)


# ---- the system as built ---------------------------------------------------

def test_fi_h_agrees_with_the_manifest():
    """The killer expects as many lives as the manifest's limits allow."""
    assert ORDER[0] == 'killer'  # its pager is tid 1, the rendezvous
    assert policy('server') == ('on-failure', FI['FI_SERVER_LIMIT'])
    assert policy('crash_data') == ('always', FI['FI_DATA_LIMIT'])
    assert policy('crash_prefetch') == ('on-failure',
                                        FI['FI_PREFETCH_LIMIT'])
    assert policy('crash_undef') == ('on-failure', FI['FI_UNDEF_LIMIT'])
    assert policy('flaky') == ('on-failure', FI['FI_FLAKY_LIMIT'])
    assert FI['FI_FLAKY_SUCCEEDS_AT'] < FI['FI_FLAKY_LIMIT']
    assert policy('pager_error') == ('on-failure',
                                     FI['FI_PAGER_ERROR_LIMIT'])
    assert policy('crash_budget') == ('on-failure', FI['FI_BUDGET_LIMIT'])
    assert policy('runaway') == ('on-failure', FI['FI_RUNAWAY_LIMIT'])
    assert policy('restarter') == ('always', FI['FI_RESTARTER_LIMIT'])
    assert CONTAINERS['crash_budget']['budget']['threads'] == \
        FI['FI_BUDGET_THREADS']
    # the back-off reaches its 64-tick cap (after 1, 2 .. 32) and stays
    assert FI['FI_UNDEF_LIMIT'] >= 8
    assert set(OUTCOMES) == set(CONTAINERS)
    # unsupervised: exactly the containers that print TEST lines, so the
    # system's exit status is theirs
    assert [n for n in ORDER if policy(n)[0] == 'never'] == \
        ['killer', 'victim', 'clients']


# ---- TEST lines ------------------------------------------------------------

@pytest.mark.parametrize('case', EXPECTED_CASES)
def test_case(run, case):
    check_case(run[0], run[1], case)


def test_no_unexpected_cases(run):
    assert sorted(run[1].results) == sorted(EXPECTED_CASES)


def test_run_as_a_whole(run):
    b, t, _ = run
    assert not t.problems, '\n'.join(t.problems) + '\n' + b.output[-3000:]
    assert t.summary == (len(EXPECTED_CASES), 0), b.output[-3000:]
    # the supervised crashes do not count in the system's status
    assert 'kernel: all containers finished, exit status 0' in b.lines
    assert b.status == 0


# ---- what the kernel reported ----------------------------------------------

def test_every_death_reported_with_its_cause(deaths, summary):
    for name, lives in OUTCOMES.items():
        got = [(word, code, cause) for word, code, cause, _ in
               deaths.get(name, [])]
        want = [('crashed' if code else 'finished', code, cause)
                for code, cause in lives]
        assert got == want, name
        # the summary has the last life's code
        assert summary[name][0] == lives[-1][0], name


def test_fault_lines_name_the_instruction(run):
    """First pagers have no pager: the kernel prints their faults, with the
    pc of the faulting instruction and the address; each is the thread the
    kernel had just started for that life."""
    faults, pager = {}, {}
    for line in run[0].lines:
        line = line.strip()
        m = STARTED_RE.match(line)
        if m:
            pager[m.group(1)] = int(m.group(2))
        m = FAULT_RE.match(line)
        if m:
            name = m.group(1)
            assert int(m.group(2)) == pager[name], line
            faults.setdefault(name, []).append(
                (m.group(3), int(m.group(4), 16), int(m.group(5), 16),
                 int(m.group(6), 16)))

    # no such line for the others: pager_error's child had a pager (its
    # refused fault has its own line, below), the rest did not fault
    assert sorted(faults) == ['crash_data', 'crash_prefetch', 'crash_undef',
                              'flaky']
    refused = [m for m in (REFUSED_RE.match(l.strip()) for l in run[0].lines)
               if m]
    assert refused, run[0].output
    for m in refused:
        assert m.group(1) == 'pager_error', m.group(0)
        assert m.group(3) == 'data abort'
    assert len(refused) == FI['FI_PAGER_ERROR_LIMIT'] + 1  # one a life

    store = symbol(run[2], 'crash_data', 'fi_store_insn')
    assert len(faults['crash_data']) == FI['FI_DATA_LIMIT'] + 1
    for cause, pc, addr, status in faults['crash_data']:
        assert (cause, pc, addr) == ('data abort', store, FI['FI_DATA_ADDR'])
        assert status & DFSR_WNR  # a write

    nx = FI['FI_NX_VIRT'] + FI['FI_NX_OFFSET']
    want = [FI['FI_PREFETCH_ADDR'] if life % 2 == 0 else nx
            for life in range(FI['FI_PREFETCH_LIMIT'] + 1)]
    assert [(c, pc, a) for c, pc, a, _ in faults['crash_prefetch']] == \
        [('prefetch abort', w, w) for w in want]

    cycle = [symbol(run[2], 'crash_undef', s) for s in (
        'fi_udf_arm_insn', 'fi_udf_thumb_insn', 'fi_mrc_sctlr_insn')]
    assert [(c, pc) for c, pc, _, _ in faults['crash_undef']] == \
        [('undefined instruction', cycle[life % 3])
         for life in range(FI['FI_UNDEF_LIMIT'] + 1)]

    load = symbol(run[2], 'flaky', 'fi_load_insn')
    for cause, pc, addr, status in faults['flaky']:
        assert (cause, pc, addr) == ('data abort', load, FI['FI_FLAKY_ADDR'])
        assert not status & DFSR_WNR  # a read
    assert len(faults['flaky']) == FI['FI_FLAKY_SUCCEEDS_AT']


def test_restart_counts_match_the_policy(run, summary):
    restarting = {}
    for line in run[0].lines:
        m = RESTARTING_RE.match(line.strip())
        if m:
            restarting.setdefault(m.group(1), []).append(int(m.group(2)))
    assert sorted(summary) == sorted(CONTAINERS)
    for name in CONTAINERS:
        restart, limit = policy(name)
        expected = {
            'never': 0,
            'always': limit,
            # flaky succeeds before its limit; the others fail to the end
            'on-failure': FI['FI_FLAKY_SUCCEEDS_AT'] if name == 'flaky'
            else limit,
        }[restart]
        assert summary[name][1] == expected, name
        assert restarting.get(name, []) == list(range(1, expected + 1)), name
    assert summary['restarter'][1] == 200


def test_backoff_doubles_up_to_its_cap(run):
    """The killer's measure: ticks from the answer that let a life end to
    the next life's check-in, never less than the kernel's wait: the next
    tick (always), 1, 2, 4 .. 64 ticks (on-failure)."""
    gaps = {}
    for line in run[0].lines:
        m = BACKOFF_RE.match(line.strip())
        if m:
            gaps[m.group(1)] = [int(x) for x in m.group(2).split()]
    assert sorted(gaps) == ['crash_budget', 'crash_data', 'crash_prefetch',
                            'crash_undef', 'flaky', 'pager_error']
    for name, got in gaps.items():
        if policy(name)[0] == 'always':  # at the next tick
            want = [1] * len(got)
        else:
            want = [min(1 << k, 64) for k in range(len(got))]
        for g, w in zip(got, want):
            assert w <= g <= w + 5, f'{name}: {got}, want {want}'
    # crash_undef's last two restarts both waited the cap
    assert len(gaps['crash_undef']) == FI['FI_UNDEF_LIMIT'] >= 8


def test_no_page_leak_across_restarts(run, deaths):
    """Each life of a restarted container takes the same kernel memory and
    gives all of it back: the free-page count printed at its deaths is the
    same from the second death on. The scenarios run one at a time and the
    victim creates nothing while they run, so nothing else moves the count.

    The first figure may differ: that life's objects were allocated at boot,
    interleaved in the kernel's object caches with every other container's,
    and freeing them cannot give back slab pages those still use, while the
    next life's objects may need fresh ones; from then on every life
    allocates and frees the same objects in the same places."""
    for name, lives in OUTCOMES.items():
        if len(lives) >= 3:
            free = [p for _, _, _, p in deaths[name]]
            assert len(set(free[1:])) == 1, f'{name}: {free}'
    free = [p for _, _, _, p in deaths['restarter']]
    assert len(free) == 201 and len(set(free[1:])) == 1, free

    # and when everything is gone, at least as much is free as when
    # everything had just started
    boot = next(int(m.group(1)) for m in map(BOOT_FREE_RE.match,
                                              run[0].lines) if m)
    last = [p for _, _, _, p in deaths['victim'] + deaths['killer']]
    assert max(last) >= boot, (boot, last)


def test_summary_budget_figures(summary):
    for name, c in CONTAINERS.items():
        _, _, budgets = summary[name]
        for b in BUDGETS:
            size = c['budget'].get(MANIFEST_KEYS.get(b, b), 0)  # no irqs
            peak = PEAKS.get(name, {}).get(b, 0)
            assert budgets[b] == (peak, size), f'{name} {b}'
