"""The isolation configuration (<board>_isolation_defconfig) booted in QEMU
on every board: containers/tests/isolation/adversary makes its escape
attempts against containers/tests/isolation/victim, one TEST line each; the
victim then checks its memory, its threads and its capabilities and prints
the summary line of both.

Every case of both containers must pass; besides, the manifest must give
the adversary nothing on the victim, the victim must outlive the
adversary, and the kernel's own summary must show that the adversary
really reached every budget it has.

A third container, the intruder (containers/tests/isolation/intruder),
holds a channel to the victim and nothing else on it: it queues a full
message on the victim's pager and rewrites the waiting sender's tag; one
of the victim's cases checks what arrived. It prints no TEST line.
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

MANIFEST = os.path.join(TOP, 'configs', 'isolation.toml')
MAN = manifest.load(MANIFEST, board.load('qemu_virt'),
                    os.path.join(TOP, 'containers'))
BOOT_LIMIT = 20  # seconds a run may take

# The adversary's cases in the order it runs them (containers/tests/isolation/adversary):
# the first and the last two are its own set-up, its budget check and what
# it leaves for its teardown; everything between is an escape attempt.
ADVERSARY_CASES = [
    'adversary.victim_published_its_threads',
    'map.victim_pattern_memory',
    'map.victim_program_region',
    'map.victim_memory_as_device',
    'map.range_running_into_victim_memory',
    'map.kernel_memory',
    'map.boot_image_and_loader',
    'map.ram_of_nobody',
    'map.into_kernel_virtual_range',
    'map.over_the_kip',
    'map.outside_own_virtual_ranges',
    'map.read_only_memory_writable',
    'map.into_victim_space',
    'unmap.victim_space',
    'unmap.victim_address_in_own_space',
    'device.uart',
    'device.victim_rtc',
    'device.interrupt_controller',
    'irq.bind_victim_device_irq',
    'irq.bind_irq_of_no_device',
    'irq.bind_kernel_timer',
    'irq.take_over_victim_binding',
    'irq.bind_to_victim_thread',
    'ipc.send_to_victim_blocking',
    'ipc.send_to_victim_nonblocking',
    'ipc.call_victim',
    'ipc.full_and_extended_to_victim',
    'thread.run_victim',
    'thread.suspend_victim',
    'thread.resume_victim',
    'thread.destroy_victim',
    'thread.recycle_victim',
    'thread.cpus_victim',
    'thread.create_from_victim_space',
    'thread.join_victim_thread_group',
    'thread.reap_victim',
    'thread.probe_foreign_tids',
    'exregs.read_victim',
    'exregs.write_victim',
    'exregs.victim_as_pager_of_own_child',
    'exregs.utcb_in_kernel_range',
    'mutex.wake_victim_word',
    'budget.threads',
    'budget.spaces',
    'budget.mutexes',
    'budget.page_tables',
    'budget.caps_by_replicate_and_split',
    'budget.irqs',
    'cap.forge_victim_ids',
    'cap.forge_id_range',
    'cap.read_shows_only_own',
    'cap.widen_operations',
    'cap.widen_flags',
    'cap.widen_target_to_victim_container',
    'cap.narrow_target_to_victim_thread',
    'cap.widen_memory_access',
    'cap.oversplit_budget',
    'cap.split_whole_or_unaligned_memory',
    'cap.split_operations_not_held',
    'cap.replicate_budget_or_memory',
    'cap.share_siblings_without_pager',
    'cap.share_what_it_does_not_hold',
    'cap.grant_to_victim_thread',
    'cap.child_cannot_manage_container_capabilities',
    'pointer.console_write',
    'pointer.exchange_registers',
    'pointer.cap_read',
    'pointer.mutex_control',
    'pointer.ipc_full_bad_utcb',
    'pointer.ipc_extended_bad_buffer',
    'pointer.utcb_over_the_kip',
    'fault.data_abort_on_victim_address',
    'fault.write_to_kip',
    'fault.jump_into_kernel',
    'fault.disable_mmu',
    'channel.lookup_without_a_channel_is_noent',
    'channel.lookup_of_no_such_name_is_noent',
    'channel.lookup_of_its_own_container_is_its_pager',
    'channel.lookup_with_a_bad_pointer_is_fault',
    'channel.lookup_with_a_bad_length_is_inval',
    'channel.getid_unknown_operation_is_inval',
    'adversary.budgets_back_where_they_started',
    'adversary.leaves_what_it_cannot_destroy',
]
# The victim's checks, after the adversary's answer (containers/tests/isolation/victim).
VICTIM_CASES = [
    'victim.set_up_and_published_its_threads',
    'victim.adversary_answered_when_done',
    'victim.kept_working_during_the_attacks',
    'victim.still_running_after_the_attacks',
    'victim.pattern_unchanged',
    'victim.worker_never_saw_a_bad_checksum',
    'victim.sleeper_never_woken',
    'victim.receiver_got_nothing_from_the_adversary',
    'victim.queued_message_keeps_the_length_it_was_sent_with',
    'victim.irq_still_bound_to_it',
    'victim.capabilities_unchanged',
    'victim.channel_lookup_names_the_adversary',
    'victim.channel_lookup_without_a_channel_is_noent',
    'victim.channel_lookup_after_the_adversary_ended_is_dead',
]
EXPECTED_CASES = ADVERSARY_CASES + VICTIM_CASES
ATTEMPTS = [c for c in ADVERSARY_CASES if not c.startswith('adversary.')]
ADVERSARY_BUDGET = dict(threads=4, spaces=1, mutexes=2, pt_pages=4, caps=4,
                        irqs=0)


@pytest.fixture(scope='module', params=MACHINES)
def machine(request):
    return request.param


# One boot per machine; every case below is checked on each.
@pytest.fixture(scope='module')
def isolation(machine):
    board = machine_board(machine)
    image = machine_build(machine, 'isolation', 'isolation' if
                          board == 'qemu_virt' else f'isolation-{board}')
    start = time.monotonic()
    b = harness.boot(image, timeout=60)
    return b, harness.parse_tests(b), time.monotonic() - start


def container(name):
    return next(c for c in MAN.containers if c.name == name)


def test_manifest_gives_the_adversary_nothing_on_the_victim():
    """Its own region, a read-only page and two virtual ranges, small
    budgets, operation capabilities on itself only: no channel, no
    device, no capability entry. The one channel runs the other way."""
    adv, vic = container('adversary'), container('victim')
    assert adv.channels == [] and adv.capabilities == [] and \
        adv.devices == [], adv
    assert adv.budget == ADVERSARY_BUDGET
    assert [m.access for m in adv.memory] == ['r']
    assert all(m.virt is None for m in adv.memory)
    pattern = vic.memory[0]
    assert not any(v <= pattern.virt < v + size
                   for v, size in adv.virtual_ranges())
    assert vic.channels == ['adversary']
    assert [d.irq for d in vic.devices] == [34]
    # the adversary's region ends where the victim's pattern begins (the
    # mapping that runs from one into the other)
    assert adv.phys + adv.size == pattern.phys
    assert adv.virt == vic.virt  # the victim's addresses name its own


def test_manifest_gives_the_intruder_a_channel_only():
    """The intruder's only right on the victim is the channel any client
    of a service holds; no other container may send to the intruder."""
    intruder = container('intruder')
    assert intruder.channels == ['victim'] and \
        intruder.capabilities == [] and intruder.devices == [], intruder
    assert intruder.memory == []
    assert all('intruder' not in c.channels for c in MAN.containers)


def test_at_least_40_distinct_attempts():
    assert len(ATTEMPTS) >= 40
    assert len(set(EXPECTED_CASES)) == len(EXPECTED_CASES)


@pytest.mark.parametrize('case', EXPECTED_CASES)
def test_case(isolation, case):
    b, run, _ = isolation
    check_case(b, run, case)


def test_run_is_clean(isolation):
    b, run, seconds = isolation
    assert run.problems == [], f'{run.problems}\n{b.output}'
    assert b.status == 0, b.output
    assert run.summary == (len(EXPECTED_CASES), 0), b.output
    assert seconds < BOOT_LIMIT, f'the run took {seconds:.1f} s'


def test_no_unexpected_cases(isolation):
    _, run, _ = isolation
    extra = sorted(set(run.results) - set(EXPECTED_CASES))
    assert not extra, f'cases missing from EXPECTED_CASES: {extra}'


def test_cases_run_in_order(isolation):
    _, run, _ = isolation
    assert list(run.results) == EXPECTED_CASES


def test_each_container_summarises_its_own_cases(isolation):
    """The adversary's summary line, then the victim's, then the one of
    the whole run (the last line the harness reads), which adds them."""
    b, _, _ = isolation
    sums = [tuple(map(int, m)) for m in
            re.findall(r'^(\d+) passed, (\d+) failed$', b.output, re.M)]
    assert sums == [(len(ADVERSARY_CASES), 0), (len(VICTIM_CASES), 0),
                    (len(EXPECTED_CASES), 0)], b.output
    assert (f'victim: the adversary (pager tid 2) reports '
            f'{len(ADVERSARY_CASES)} passed, 0 failed') in b.output


def test_victim_outlives_the_adversary(isolation):
    """The adversary answers the victim's call as its last act and ends;
    every one of the victim's checks comes after that."""
    b, _, _ = isolation
    lines = b.lines
    adv_done = next(i for i, l in enumerate(lines)
                    if l.startswith("kernel: container 'adversary' "
                                    "finished, exit code 0"))
    first_victim = min(i for i, l in enumerate(lines)
                       if l.startswith('TEST victim.'))
    last_adversary = max(i for i, l in enumerate(lines)
                         if l.startswith('TEST ') and
                         not l.startswith('TEST victim.'))
    vic_done = next(i for i, l in enumerate(lines)
                    if l.startswith("kernel: container 'victim' finished"))
    assert last_adversary < adv_done < first_victim < vic_done, b.output


def test_intruder_ends_when_the_victim_took_its_message(isolation):
    """Its queued send ends when the victim's case receives it; then it
    exits with 0 (it would exit with the error of a step that failed)."""
    b, _, _ = isolation
    lines = b.lines
    rewritten = next(i for i, l in enumerate(lines)
                     if l.startswith('intruder: a full message of 4 words '
                                     'waits'))
    case = next(i for i, l in enumerate(lines)
                if l.startswith('TEST victim.queued_message_'))
    taken = next(i for i, l in enumerate(lines)
                 if l == 'intruder: the victim took the message: 0')
    done = next(i for i, l in enumerate(lines)
                if l.startswith("kernel: container 'intruder' finished, "
                                "exit code 0"))
    assert rewritten < case and rewritten < taken < done, b.output


def test_adversary_torn_down_with_what_it_could_not_destroy(isolation):
    """adversary.leaves_what_it_cannot_destroy ends it holding
    capabilities without CAP_F_DESTROY, budget parts in use and a child
    still waiting: its teardown refunds and frees all of it (no BUG) and
    the victim carries on."""
    b, _, _ = isolation
    assert 'BUG at' not in b.output, b.output
    lines = b.lines
    left = next(i for i, l in enumerate(lines)
                if l == 'TEST adversary.leaves_what_it_cannot_destroy PASS')
    done = next(i for i, l in enumerate(lines)
                if l.startswith("kernel: container 'adversary' finished, "
                                "exit code 0"))
    assert left < done < len(lines) - 1, b.output
    assert lines[-1] == 'kernel: all containers finished, exit status 0'


def test_victim_kept_working(isolation):
    b, _, _ = isolation
    m = re.search(r'^victim: (\d+) checksum rounds during the attacks$',
                  b.output, re.M)
    assert m and int(m.group(1)) >= 5, b.output


def test_adversary_reached_every_budget(isolation):
    """The kernel's own summary: the adversary used each of its budgets to
    the full (its attempts to go beyond were real), both exited 0."""
    b, _, _ = isolation
    rows = {}
    for name in ('victim', 'adversary'):
        m = re.search(rf'^kernel:\s+{name}\s+exit\s+(-?\d+)\b(.*)$',
                      b.output, re.M)
        assert m, b.output
        assert int(m.group(1)) == 0, m.group(0)
        rows[name] = {k: (int(p), int(s)) for k, p, s in
                      re.findall(r'(\w+) (\d+)/(\d+)', m.group(2))}
    short = dict(threads='threads', spaces='spaces', mutexes='mutexes',
                 pt_pages='pt', caps='caps', irqs='irqs')
    for key, size in ADVERSARY_BUDGET.items():
        assert rows['adversary'][short[key]] == (size, size), rows
