"""A user-level scheduler (docs/scheduling.md, "User-level scheduler").

configs/usched.toml boots `sched`, the scheduler of `work`, beside a
bystander, under -icount shift=0 (the figures are the same on every
machine). sched runs a multilevel-feedback policy: a thread that uses up
its quantum drops one queue, ageing lifts it back. work runs three
CPU-bound threads and an interactive one; both containers print TEST
lines for sched_control's negative cases (no capability, another
container's thread, bad priority or quantum, answering twice, refusing)
and for the scheduler's death, which must leave no thread stuck. The same
checks, with the same bounds, on every board (<board>_usched_defconfig).
"""
import os
import re

import pytest

import harness
from conftest import MACHINES, machine_board, machine_build

THREAD_RE = re.compile(r'^sched: thread (\d+) nice (-?\d+): queue (\d+) at '
                       r'start \(max (\d+)\), lowest (\d+), (\d+) quanta used '
                       r'up, lifted (\d+) times; queues ([\d,]+)$', re.M)
INTERACTIVE_RE = re.compile(r'^work: interactive: (\d+) periods of (\d+) us, '
                            r'(\d+) late, latency worst (\d+) us mean (\d+) '
                            r'us$', re.M)
CHILD_RE = re.compile(r'^sched: child \d+ of \d+ starts in queue (\d+), where '
                      r'its parent runs now \(its nice allows queue (\d+)\)$',
                      re.M)

SCHED_TESTS = {'nice_round_trips', 'bad_arguments_are_einval',
               'answering_twice_is_ebusy', 'refused_once',
               'other_containers_threads_are_eperm',
               'unscheduled_thread_is_einval', 'cpu_bound_threads_drift_down',
               'child_starts_where_its_parent_runs', 'forward_checks',
               'forwarding_is_bounded', 'forward_to_a_dead_scheduler'}
WORK_TESTS = {'sched_control_needs_the_capability',
              'a_thread_waiting_for_its_answer_is_busy',
              'a_thread_waiting_for_a_quantum_stays_waiting',
              'nice_out_of_range_is_einval', 'refused_thread_is_torn_down',
              'admitted_threads_ran', 'interactive_kept_its_latency',
              'scheduler_death_releases_every_thread',
              'a_forwarded_start_names_its_scheduler',
              'forward_targets_death_releases_the_start'}
SCHED2_TESTS = {'a_forwarded_start_arrives_here',
                'forward_checks_on_the_receiving_side', 'forwarded_back',
                'the_forwarded_threads_messages_come_here'}


@pytest.fixture(scope='module', params=MACHINES)
def usched(request):
    board = machine_board(request.param)
    image = machine_build(request.param, 'usched', 'usched' if board ==
                          'qemu_virt' else f'usched-{board}')
    return harness.boot(image, timeout=180, extra=harness.ICOUNT)


def test_every_test_line_passes(usched):
    b = usched
    assert not b.panicked and not b.timed_out, b.output
    run = harness.parse_tests(b)
    # three containers report: each prints its own summary line
    assert set(run.results) == ({f'sched.{t}' for t in SCHED_TESTS} |
                                {f'work.{t}' for t in WORK_TESTS} |
                                {f'sched2.{t}' for t in SCHED2_TESTS}), \
        b.output
    failed = {k: why for k, (ok, why) in run.results.items() if not ok}
    assert not failed, (failed, b.output)
    assert '11 passed, 0 failed' in b.output and \
        '10 passed, 0 failed' in b.output and \
        '4 passed, 0 failed' in b.output
    assert b.status == 0, b.output


def test_cpu_bound_threads_drift_down_and_are_lifted(usched):
    threads = [dict(tid=int(m[1]), nice=int(m[2]), start=int(m[3]),
                    max=int(m[4]), lowest=int(m[5]), used_up=int(m[6]),
                    lifted=int(m[7]), queues=m[8])
               for m in THREAD_RE.finditer(usched.output)]
    hogs = [t for t in threads if t['nice'] == 0 and t['used_up'] >= 3]
    assert len(hogs) == 3, usched.output
    for h in hogs:
        assert h['start'] == h['max'] == 8
        assert h['lowest'] == 0 and h['lifted'] >= 1, h
        queues = [int(q) for q in h['queues'].split(',')]
        # one queue a used-up quantum, from the top down
        assert queues[:5] == [8, 7, 6, 5, 4], h
        print(f"sched: hog {h['tid']}: {h['used_up']} quanta used up, "
              f"lifted {h['lifted']} times, queues {h['queues']}")
    inter = [t for t in threads if t['nice'] == -10]
    assert len(inter) == 1 and inter[0]['lowest'] == inter[0]['max'] == 12


def test_interactive_thread_keeps_its_latency(usched):
    m = INTERACTIVE_RE.search(usched.output)
    assert m, usched.output
    periods, period, late, worst, mean = (int(x) for x in m.groups())
    assert (periods, period, late) == (50, 20000, 0)
    assert worst < 10000  # within one tick of its wake-up time
    print(f'work: interactive: worst latency {worst} us, mean {mean} us '
          'beside three CPU-bound threads')


def test_child_starts_where_its_parent_runs(usched):
    m = CHILD_RE.search(usched.output)
    assert m, usched.output
    queue, allowed = int(m.group(1)), int(m.group(2))
    assert queue < allowed == 8


def test_forwarding(usched):
    out = usched.output
    # sched2 exits holding a forwarded start; the start goes on under the
    # kernel and work finishes after it
    assert 'sched2: exits holding the start of thread' in out
    assert "kernel: container 'sched2' finished, exit code 0" in out
    assert out.index("container 'sched2' finished") < \
        out.index("container 'work' finished")
    for t in ('work.a_forwarded_start_names_its_scheduler',
              'work.forward_targets_death_releases_the_start',
              'sched.forward_checks', 'sched.forwarding_is_bounded',
              'sched.forward_to_a_dead_scheduler'):
        assert f'TEST {t} PASS' in out, out


def test_scheduler_death_leaves_no_thread_stuck(usched):
    out = usched.output
    assert "kernel: container 'sched' finished, exit code 0" in out
    # work ends after sched, with every thread reaped
    assert out.index("container 'sched' finished") < \
        out.index("container 'work' finished")
    assert 'TEST work.scheduler_death_releases_every_thread PASS' in out
