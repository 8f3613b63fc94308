"""The in-target test suite (containers/tests/suite) booted in QEMU.

One pytest case per in-target case: the TEST lines of one boot are collected
in a module fixture and checked against EXPECTED_CASES, so a case that
prints no line fails here as well as one that prints FAIL. A second build
makes one case fail on purpose (CONFIG_TESTSUITE_PROVE_FAILURE) to show a
failure reaches the harness as it should.
"""
import os

import pytest

import harness
from conftest import (MACHINES, TEST_BUILD, board_has, check_case,
                      machine_board, machine_build, machine_cpus)

# Every case the testsuite container runs, in the order it runs them. Add a
# case here when adding one to containers/tests/suite/.
EXPECTED_CASES = [
    'selftest.expectations_pass',
    'selftest.prove_failure',
    'getid.returns_tid',
    'getid.pager_tgid_is_tid',
    'getid.container_index',
    'getid.stable',
    'time.returns_zero',
    'time.hz_is_configured',
    'time.monotonic',
    'time.ticks_advance',
    'time.counter_agrees_with_microseconds',
    'time.unknown_unit',
    'syscall.unknown_number_past_table',
    'syscall.unknown_number_255',
    'syscall.unknown_number_max',
    'thread_control.unknown_op',
    'console_write.returns_length',
    'console_write.max_length',
    'console_write.zero_length',
    'console_write.too_long',
    'console_write.null_pointer',
    'console_write.kernel_pointer',
    'console_write.unmapped_pointer',
    'console_write.crosses_into_unmapped',
    'console_write.wraps_around',
    'thread.create_run_wait',
    'thread.wait_any_reaps_each_child_once',
    'thread.tgid_of_new_thread_is_its_tid',
    'thread.clone_joins_supplied_group',
    'thread.clone_with_foreign_group_leads_its_own',
    'thread.copy_space_thread_leads_its_own_group',
    'thread.creator_is_pager',
    'thread.copy_space_shares_pages',
    'thread.create_rejects_bad_flags',
    'thread.bad_ops_and_targets',
    'thread.run_twice_is_busy',
    'thread.suspend_stops_resume_continues',
    'thread.suspend_interrupts_blocking_receive',
    'thread.destroy_blocked_thread',
    'thread.sender_to_destroyed_thread_gets_dead',
    'thread.recycle_resets_inactive_thread',
    'thread.ids_are_never_reused',
    'exregs.set_then_get',
    'exregs.errors',
    'ipc.short_call_reply_same_space',
    'ipc.short_call_across_spaces',
    'ipc.server_loop_serves_many_calls',
    'ipc.full_message_copies_utcb_words',
    'ipc.extended_message_of_a_page',
    'ipc.extended_message_too_big_for_receiver',
    'ipc.extended_message_bad_buffer',
    'ipc.errors',
    'ipc.nonblocking_send_to_busy_thread',
    'ipc.queued_sender_keeps_the_tag_it_was_sent_with',
    'ipc.fast_round_trips_keep_every_message_register',
    'ipc.call_to_a_receiver_not_waiting_queues',
    'ipc.reply_wait_with_a_queued_caller_takes_it',
    'ipc.call_to_a_receiver_waiting_for_another_queues',
    'ipc.lent_place_settled_by_every_other_kernel_entry',
    'ipc.full_messages_of_0_1_and_all_words_arrive_intact',
    'ipc.extended_buffers_crossing_pages_at_different_offsets',
    'ipc.extended_unaligned_buffers',
    'ipc.extended_source_fault_changes_nothing',
    'ipc.extended_destination_fault_writes_nothing',
    'ipc.read_only_receiver_utcb_writes_nothing',
    'ipc.full_message_source_fault_changes_nothing',
    'ipc.extended_lengths_at_and_over_the_limits',
    'ipc.extended_overlapping_buffers_in_one_space',
    'ipc.extended_overlap_through_an_alias',
    'map.alias_page_reads_and_writes_through',
    'map.errors',
    'pager.faults_served_on_demand',
    'pager.error_reply_ends_faulting_thread',
    'pager.death_ends_waiting_clients',
    'mutex.contended_increments_are_exact',
    'mutex.uncontended_lock_unlock',
    'mutex.errors',
    'kip.facts',
    'kip.utcb_register_points_at_utcb',
    'stress.ipc_ping_pong_64_threads',
    'stress.contended_mutex_64_threads',
    'undef.reported_to_pager_and_refusal_ends_thread',
    'undef.emulated_by_pager_through_exchange_registers',
    'undef.thumb_state_reported_at_the_instruction',
    'undef.suspended_while_waiting_retries_instruction',
    'undef.privileged_cp15_access',
    'data.write_to_read_only_page_faults_then_lands_after_remap',
    'data.read_of_read_only_page_needs_no_pager',
    'data.read_of_unmapped_page_reports_read_fault',
    'data.write_to_kip_faults',
    'data.kernel_memory_is_out_of_reach',
    'data.unaligned_ldm_reports_alignment_fault',
    'exec.from_non_exec_page_faults_then_runs_after_remap',
    'exec.from_device_page_faults',
    'exec.user_mode_cannot_be_left',
    'map.device_alias_of_ram_reads_and_writes_through',
    'map.attribute_errors',
    'map.ranges_next_to_the_kip',
    'thread.destroy_children_ends_everything_paged',
    'thread.destroy_children_without_children_returns_zero',
    'thread.wait_ends_when_the_child_gets_another_pager',
    'thread.pager_chains_are_bounded_and_acyclic',
    'pager.death_after_receiving_fault_ends_client',
    'sched.equal_priority_busy_threads_share_the_cpu',
    'fault_reply.call_back_resumes_with_every_register',
    'fault_reply.reply_wait_from_anyone_resumes_with_every_register',
    'fault_reply.refusal_in_a_call_back_ends_the_thread',
    'fault_reply.refusal_ending_the_awaited_thread_ends_the_wait',
    'fault_reply.reply_wait_with_a_sender_queued_receives_it',
    'cap.count_and_read',
    'cap.read_bad_pointers',
    'cap.bad_operations_and_forged_ids',
    'cap.split_budget_and_destroy_gives_units_back',
    'cap.split_memory',
    'cap.narrowed_memory_stops_covering_at_once',
    'cap.replicate_split_and_deduce_operations',
    'cap.deduce_target',
    'cap.missing_ipc_capability_refuses_send_then_share_allows_it',
    'cap.call_without_ipc_capability_to_a_waiting_receiver',
    'cap.thread_capability_stops_matching_when_its_thread_dies',
    'cap.share_with_siblings_and_group',
    'cap.grant_errors_and_busy_budget',
    'budget.threads_exhausted_and_refunded',
    'budget.spaces_and_page_tables_refunded',
    'budget.copied_space_pays_only_for_the_tables_it_copies',
    'budget.caps_exhausted_and_refunded',
    'budget.split_of_caps_budget_pays_for_the_new_capability',
    'domain.thousand_children_leave_budgets_unchanged',
    'domain.stopped_child_in_the_callers_group_starts_when_told',
    'asid.more_spaces_than_asids',
    'cap.undestroyable_capabilities_left_for_the_teardown',
    'irq.device_mapping_needs_the_device_capability',
    'irq.alarm_delivered_masked_and_acknowledged',
    'irq.errors',
    'irq.binding_ends_with_its_thread',
    'smp.cpus_reads_and_refuses',
    'smp.thread_moves_to_each_online_core',
    'smp.child_starts_on_its_creators_core',
    'smp.ipc_calls_across_cores',
    'smp.suspend_stops_a_thread_running_elsewhere',
    'smp.registers_of_a_thread_running_elsewhere',
    'smp.move_of_a_thread_running_elsewhere',
    'smp.mutex_contention_across_cores',
]

PROVE_FAILURE_CASE = 'selftest.prove_failure'


# The irq_control cases need an alarm device (the PL031 RTC or the BCM2835
# system timer) and skip themselves on a board with neither.
ALARM_CASES = [c for c in EXPECTED_CASES if c.startswith('irq.')]


def boot_suite(name, board='qemu_virt', extra_config=()):
    image = harness.build(f'{board}_test_defconfig',
                          os.path.join(TEST_BUILD, name),
                          extra_config=extra_config)
    b = harness.boot(image, timeout=60)
    return b, harness.parse_tests(b)


# The cases that need two cores online skip themselves on one.
TWO_CORE_CASES = ['smp.ipc_calls_across_cores',
                  'smp.suspend_stops_a_thread_running_elsewhere',
                  'smp.registers_of_a_thread_running_elsewhere',
                  'smp.move_of_a_thread_running_elsewhere']


def expected_skips(machine):
    board = machine_board(machine)
    skips = (set() if board_has(board, 'rtc') or
             board_has(board, 'system_timer') else set(ALARM_CASES))
    return skips | (set(TWO_CORE_CASES) if machine_cpus(machine) < 2
                    else set())


# The whole suite on every machine (each boots its own build).
@pytest.fixture(scope='module', params=MACHINES)
def suite(request):
    machine = request.param
    board = machine_board(machine)
    image = machine_build(machine, 'test', 'target' if board == 'qemu_virt'
                          else f'target-{board}')
    b = harness.boot(image, timeout=60)
    return b, harness.parse_tests(b), machine


@pytest.mark.parametrize('case', EXPECTED_CASES)
def test_case(suite, case):
    b, run, _ = suite
    check_case(b, run, case)


def test_run_is_clean(suite):
    b, run, machine = suite
    assert run.problems == [], f'{run.problems}\n{b.output}'
    assert b.status == 0, b.output
    skips = expected_skips(machine)
    assert set(run.skipped) == skips, (machine, run.skipped)
    n = len(EXPECTED_CASES)
    assert run.summary == ((n - len(skips), 0, len(skips)) if skips
                           else (n, 0)), b.output


def test_no_unexpected_cases(suite):
    b, run, _ = suite
    extra = sorted(set(run.results) - set(EXPECTED_CASES))
    assert not extra, f'cases missing from EXPECTED_CASES: {extra}'


def test_cases_run_in_order(suite):
    _, run, _ = suite
    assert list(run.results) == EXPECTED_CASES


def test_teardown_refunds_what_the_suite_left(suite):
    """cap.undestroyable_capabilities_left_for_the_teardown leaves
    capabilities no one can destroy, paid from the CAPS budget and from a
    part of it: the container's teardown refunds and frees them."""
    b, _, _ = suite
    assert 'BUG at' not in b.output, b.output
    assert "kernel: container 'testsuite' finished, exit code 0 " \
        in b.output, b.output
    assert b.status == 0, b.output


def test_console_write_output_arrives(suite):
    b, _, _ = suite
    assert 'testsuite: console_write reaches the console\n' in b.output
    # 256 bytes in one call: the prefix, dots up to the limit, a newline
    prefix = 'testsuite: 256 bytes '
    assert prefix + '.' * (256 - len(prefix) - 1) + '\n' in b.output


@pytest.fixture(scope='module')
def failing_suite():
    return boot_suite('target_fail',
                      extra_config=['CONFIG_TESTSUITE_PROVE_FAILURE=y'])


def test_failing_case_reaches_harness(failing_suite):
    b, run = failing_suite
    # the protocol itself was followed: the run fails through its results
    assert run.problems == [], f'{run.problems}\n{b.output}'
    passed, why = run.results[PROVE_FAILURE_CASE]
    assert not passed
    assert why.startswith('containers/tests/suite/selftest.c:'), why
    assert why.endswith(': two: expected 3 got 2'), why
    failed = [k for k, (ok, _) in run.results.items() if not ok]
    assert failed == [PROVE_FAILURE_CASE], b.output
    skips = len(expected_skips('qemu_virt'))  # one core: the smp cases
    assert run.summary == (len(EXPECTED_CASES) - 1 - skips, 1, skips), \
        b.output
    assert b.status != 0, b.output
    # a case stops at its first failed expectation
    assert 'prove_failure went on after its failure' not in b.output
