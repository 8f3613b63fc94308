"""The POSIX test system (configs/posix_test.toml, docs/posix.md "The
server as built") booted on every board.

The container's first thread is the POSIX memory server
(containers/posix/server), its second the file server; its first process,
init, runs the cases of containers/posix/server/init.c (fork and
copy-on-write, waitpid, orphans, brk, mmap, a fork bomb against the
budgets; files, the packed initial tree, descriptor recycling, a pipe
between two processes, descriptors shared across fork; everything given
back) and the container exits with init's status. One pytest case per in-target
case, checked against EXPECTED_CASES, so a case that prints no line fails.
"""
import pytest

import harness
from conftest import BOARDS, check_case, machine_build

# Every case init runs, in order. Add a case here when adding one to
# containers/posix/server/init.c.
EXPECTED_CASES = [
    'cow.parent_and_child_see_own_writes',
    'fork.three_generations',
    'fork.copies_the_forking_thread_by_tid',
    'fault.threads_of_a_process_share_one_page',
    'wait.status_nohang_and_echild',
    'wait.fault_ends_child_with_sigsegv',
    'orphan.reaped_by_init',
    'brk.sbrk_grows_and_shrinks',
    'mmap.anonymous_map_and_unmap',
    'mmap.mprotect_lowers_and_raises_rights',
    'fork.bomb_stops_with_eagain_and_leaks_nothing',
    'memory.exhaustion_ends_the_process_with_sigkill',
    'files.create_write_read_back',
    'files.packed_initial_file',
    'files.open_close_10000_recycles_descriptors',
    'files.pipe_between_two_processes',
    'files.pipe_full_parks_writer_nonblock_and_epipe',
    'files.descriptors_forked_share_the_offset',
    'files.unlink_rename_mkdir_rmdir_chdir',
    'processes.hold_only_ipc_to_the_servers',
    'budgets.back_where_they_started',
]


@pytest.fixture(scope='module', params=BOARDS)
def posix(request):
    board = request.param
    image = machine_build(board, 'posix_test', f'posix-{board}')
    b = harness.boot(image, timeout=60)
    return b, harness.parse_tests(b)


@pytest.mark.parametrize('case', EXPECTED_CASES)
def test_case(posix, case):
    b, run = posix
    check_case(b, run, case)


def test_run_is_clean(posix):
    b, run = posix
    assert run.problems == [], f'{run.problems}\n{b.output}'
    assert run.summary == (len(EXPECTED_CASES), 0), b.output
    assert list(run.results) == EXPECTED_CASES, b.output
    assert b.status == 0, b.output
    assert 'posix: init ended with status 0x0, 0 processes left' \
        in b.output, b.output
    assert "kernel: container 'posix' finished, exit code 0" in b.output


def test_faults_are_reported(posix):
    """The three children that touch memory they may not end with
    SIGSEGV (11), reported by the server with the address."""
    b, _ = posix
    lines = [line for line in b.output.splitlines()
             if line.startswith('posix: pid ') and ': signal 11 at ' in line]
    assert len(lines) == 3, b.output
    assert ' at 0x30000000 ' in lines[0], lines
