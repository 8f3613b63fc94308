"""The multi-container configuration (<board>_multi_test_defconfig) booted
in QEMU on every board: ten containers run containers/tests/multi/member, each prints its TEST lines
(TEST member<K>.<case>), member0 prints the one summary line.

Every case of every container must pass; besides, the output must agree
with the manifest: each container started in its own region, the ring
reaches the right neighbours, every priority was served.
"""
import os
import re
import time

import pytest

import board
import harness
import manifest
from conftest import (MACHINES, TEST_BUILD, TOP, check_case, machine_board,
                      machine_build)

MANIFEST = os.path.join(TOP, 'configs', 'multi_test.toml')


def load_manifest(board_name):
    """The manifest as resolved for a board (physical addresses differ)."""
    return manifest.load(MANIFEST, board.load(board_name),
                         os.path.join(TOP, 'containers'))


MAN = load_manifest('qemu_virt')
NAMES = [c.name for c in MAN.containers]

# The cases every member runs, in order (containers/tests/multi/member/main.c).
CASES = [
    'starts_alone',
    'caps_are_its_own',
    'own_memory_maps',
    'served_while_all_busy',
    'ipc_only_to_its_channel',
    'token_ring',
    'neighbour_memory_unmappable',
    'memory_private_at_shared_address',
]
EXPECTED_CASES = [f'{n}.{c}' for n in NAMES for c in CASES]
BOOT_LIMIT = 20  # seconds a run may take


@pytest.fixture(scope='module', params=MACHINES)
def multi(request):
    name = machine_board(request.param)
    image = machine_build(request.param, 'multi_test', 'multi' if name ==
                          'qemu_virt' else f'multi-{name}')
    start = time.monotonic()
    b = harness.boot(image, timeout=60)
    return (b, harness.parse_tests(b), time.monotonic() - start,
            load_manifest(name))


def test_manifest_is_a_ring_of_members():
    """At least 8 containers, one program, names by index (the program
    derives its name from its container index), a ring of channels,
    distinct memory, different priorities and link addresses."""
    cs = MAN.containers
    assert len(cs) >= 8
    assert all(c.program == 'tests/multi/member' for c in cs)
    assert NAMES == [f'member{i}' for i in range(len(cs))]
    assert [c.channels for c in cs] == [[NAMES[(i + 1) % len(cs)]]
                                        for i in range(len(cs))]
    assert len({c.phys for c in cs}) == len(cs)
    assert len({c.priority for c in cs}) == len(cs)
    assert len({c.virt for c in cs}) > 1


@pytest.mark.parametrize('case', EXPECTED_CASES)
def test_case(multi, case):
    b, run, _, _ = multi
    check_case(b, run, case)


def test_run_is_clean(multi):
    b, run, seconds, _ = multi
    assert run.problems == [], f'{run.problems}\n{b.output}'
    assert b.status == 0, b.output
    assert run.summary == (len(EXPECTED_CASES), 0), b.output
    assert seconds < BOOT_LIMIT, f'the run took {seconds:.1f} s'


def test_no_unexpected_cases(multi):
    _, run, _, _ = multi
    extra = sorted(set(run.results) - set(EXPECTED_CASES))
    assert not extra, f'cases missing from EXPECTED_CASES: {extra}'


def test_each_container_runs_its_cases_in_order(multi):
    _, run, _, _ = multi
    for n in NAMES:
        mine = [k.split('.', 1)[1] for k in run.results
                if k.split('.', 1)[0] == n]
        assert mine == CASES, n


def pager_tids(b):
    tids = dict(re.findall(r"kernel: container '(\S+)' started: pager tid "
                           r"(\d+)", b.output))
    assert sorted(tids) == sorted(NAMES), b.output
    return {n: int(t) for n, t in tids.items()}


def test_each_container_starts_in_its_own_region(multi):
    """What each member reports of itself is what its manifest entry says,
    and the regions are pairwise apart."""
    b, _, _, man = multi
    tids = pager_tids(b)
    seen = {}
    for name, tid, phys, size, virt in re.findall(
            r'^(member\d+): thread (\d+), region (0x[0-9a-f]+)\+'
            r'(0x[0-9a-f]+) at (0x[0-9a-f]+),', b.output, re.M):
        seen[name] = (int(tid), int(phys, 16), int(size, 16), int(virt, 16))
    assert sorted(seen) == sorted(NAMES), b.output
    for c in man.containers:
        assert seen[c.name] == (tids[c.name], c.phys, c.size, c.virt)
    spans = sorted((c.phys, c.phys + c.size) for c in man.containers)
    assert all(a[1] <= b_[0] for a, b_ in zip(spans, spans[1:]))


def test_ring_reaches_the_next_member(multi):
    """The one thread each member may send to is the next member's pager;
    the others' sends were refused."""
    b, _, _, _ = multi
    tids = pager_tids(b)
    found = {n: int(t) for n, t in re.findall(
        r'^(member\d+): ipc to every thread id: 1 taken \(thread (\d+), '
        r'its neighbour\)', b.output, re.M)}
    assert sorted(found) == sorted(NAMES), b.output
    for i, n in enumerate(NAMES):
        assert found[n] == tids[NAMES[(i + 1) % len(NAMES)]], n


def test_scheduler_serves_every_priority(multi):
    """Every member, busy at its own priority while all others are busy
    too, saw the clock move; the highest priority ran more than the
    lowest."""
    b, _, _, _ = multi
    moves = {n: int(m) for n, m in re.findall(
        r'^(member\d+): busy from tick \d+ to \d+: saw the clock move '
        r'(\d+) times', b.output, re.M)}
    assert sorted(moves) == sorted(NAMES), b.output
    assert all(m >= 1 for m in moves.values()), moves
    by_prio = sorted(MAN.containers, key=lambda c: c.priority)
    assert moves[by_prio[-1].name] > moves[by_prio[0].name], moves


def test_kernel_summary_lists_every_container(multi):
    b, _, _, _ = multi
    for n in NAMES:
        assert re.search(rf'^kernel:   {n} +exit +0 ', b.output, re.M), n
    assert 'kernel: all containers finished, exit status 0' in b.output
