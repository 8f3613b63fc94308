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
import glob
import os
import struct

import pytest

import files_archive
import harness
import inspect_image
import pack
from conftest import BOARDS, TOP, check_case, machine_build

BIN = os.path.join(TOP, 'containers', 'posix', 'bin')

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
    'exec.runs_a_newlib_program_with_args_and_env',
    'exec.newlib_malloc_string_stdio_files',
    'exec.newlib_mmap_shm_clone_pipe_directory_calls',
    'exec.missing_file_enoent_directory_eacces',
    'exec.non_elf_file_enoexec',
    'exec.corrupt_elf_enoexec_and_the_process_goes_on',
    'exec.argv_too_long_e2big',
    'exec.refused_with_other_threads_ebusy',
    'exec.cloexec_descriptor_closed_others_stay',
    'exec.fork_exec_wait_loop_leaks_nothing',
    'shm.unrelated_processes_share_a_segment',
    'mmap.shared_anonymous_seen_by_both_sides_after_fork',
    'shm.rmid_frees_after_the_last_detach',
    'shm.every_error',
    'clone.storm_of_threads_faulting_on_one_page',
    'clone.tgid_parent_wait_and_exit_group',
    'mmap.file_private_reads_the_file_writes_stay_private',
    'mmap.file_shared_written_back_on_munmap_msync_exit',
    'mmap.file_shared_written_back_at_exec',
    'mmap.file_refused_directory_write_only_bad_fd',
    'channel.granted_one_reaches_its_container_from_every_process',
    'channel.containers_without_a_channel_stay_unreachable',
    'channel.each_process_holds_its_own_and_gives_it_back',
    'budgets.back_where_they_started',
    'channel.secret_heard_from_nobody_else',
]


@pytest.fixture(scope='module', params=BOARDS)
def posix(request):
    board = request.param
    image = machine_build(board, 'posix_test', f'posix-{board}')
    b = harness.boot(image, timeout=60)
    return b, harness.parse_tests(b)


@pytest.fixture(scope='module')
def posix_smp():
    """The test system on two cores, where the server spreads process
    threads over both (docs/posix.md, "Several cores"). Two, not four:
    under -icount QEMU runs the cores in turn, and with the test's
    threads spinning on sched_yield alone on three cores every exchange
    with the servers' core waits for whole turns (a run took from 10 s to
    minutes); on two it takes the same time every run."""
    image = machine_build('qemu_virt-smp2', 'posix_test', 'posix-qemu_virt')
    b = harness.boot(image, timeout=120)
    return b, harness.parse_tests(b)


@pytest.mark.parametrize('case', EXPECTED_CASES)
def test_case_on_two_cores(posix_smp, case):
    """Every case again with the threads of a process on both cores at
    once (the clone storm checks they were)."""
    b, run = posix_smp
    check_case(b, run, case)


def test_two_core_run_is_clean(posix_smp):
    b, run = posix_smp
    assert 'kernel: 2 of 2 cpus online' in b.output, b.output
    assert run.problems == [], f'{run.problems}\n{b.output}'
    assert run.summary == (len(EXPECTED_CASES), 0), b.output
    assert b.status == 0, b.output


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
    # the containers beside it, which init ends through echo
    assert 'echo: done, secret had 0 messages from others' in b.output
    for name in ('echo', 'secret'):
        assert f"kernel: container '{name}' finished, exit code 0" \
            in b.output, b.output


def test_processes_use_the_manifests_channel(posix):
    """A newlib program (containers/posix/bin/chan) calls echo through
    the channel its process holds; the server hands every process thread a
    capability of its own and takes it back (channel.* cases)."""
    b, _ = posix
    assert 'chan: echo answered 8\n' in b.output, b.output


def test_faults_are_reported(posix):
    """The four children that touch memory they may not end with
    SIGSEGV (11), reported by the server with the address (the last one
    reads a page shmdt took away)."""
    b, _ = posix
    lines = [line for line in b.output.splitlines()
             if line.startswith('posix: pid ') and ': signal 11 at ' in line]
    assert len(lines) == 4, b.output
    assert ' at 0x30000000 ' in lines[0], lines


def test_exec_programs_print_through_newlib(posix):
    """The newlib programs of containers/posix/bin/ exec'd by init print
    their arguments and environment with printf (flushed by newlib's
    exit), in order: the stack the exec builds holds argc, argv, envp."""
    b, _ = posix
    out = b.output
    expected = ['args: argc=3', 'args: argv[0]="args"',
                'args: argv[1]="one"', 'args: argv[2]="two words"',
                'args: envc=2 GREETING=hello tessera',
                'args: argc=1', 'args: argv[0]="./args"',
                'args: envc=0 GREETING=(none)',
                'files: malloc, string, stdio and time ok (20890 bytes)',
                'libcalls: anonymous mappings ok',
                'libcalls: file mappings ok', 'libcalls: shm ok',
                'libcalls: clone ok', 'libcalls: fork, pipe, dup2 ok',
                'libcalls: directories ok', 'libcalls: 0 failed',
                'args: argc=2', 'args: argv[1]="again"',
                'args: argc=127', 'args: argv[126]="x"',
                'args: envc=1 GREETING=edge',
                'cloexec: 3 open, 4 closed']
    pos = 0
    for line in expected:
        at = out.find(line + '\n', pos)
        assert at >= 0, f'{line!r} missing (or out of order)\n{out}'
        pos = at


@pytest.fixture(scope='module')
def posix_build():
    """The qemu_virt build of the POSIX test system (the boot's)."""
    return os.path.dirname(machine_build('qemu_virt', 'posix_test',
                                         'posix-qemu_virt'))


def test_programs_packed_into_bin(posix_build):
    """Each folder of containers/posix/bin is built into /bin/<name> of the
    files part (pack --files with the build's copy of the rootfs), beside
    the source folder's files, as a stripped ARM executable at the
    process address of containers/posix/libc/posix.ld."""
    img = inspect_image.load(os.path.join(posix_build, 'image.bin'))
    part, = [p for p in img.parts if p['name'] == 'posix.files']
    tree = {path: data for path, _, data in
            files_archive.parse(img.part_data(part))}
    names = sorted(n for n in os.listdir(BIN)
                   if glob.glob(os.path.join(BIN, n, '*.c')))
    assert {'args', 'cloexec', 'files'} <= set(names), names
    for n in names:
        data = tree[f'bin/{n}']
        with open(os.path.join(posix_build, 'posix', 'bin', n, n),
                  'rb') as f:
            assert data == f.read()
        e_type, e_machine = struct.unpack_from('<HH', data, 16)
        entry, = struct.unpack_from('<I', data, 24)
        assert data[:4] == b'\x7fELF' and (e_type, e_machine) == (2, 40)
        assert entry == 0x10000
    with open(os.path.join(TOP, 'containers/posix/rootfs/etc/motd'),
              'rb') as f:
        assert tree['etc/motd'] == f.read()
    assert 'tmp' in tree


def test_pack_files_names_a_container_with_files(posix_build, tmp_path):
    """pack --files NAME DIR: NAME must be a container with a files
    folder; DIR replaces that folder."""
    def args(*files):
        return ['--board', 'qemu_virt',
                '--manifest', os.path.join(TOP, 'configs/posix_test.toml'),
                '--loader', os.path.join(posix_build, 'loader/loader.elf'),
                '--kernel', os.path.join(posix_build, 'kernel/kernel.elf'),
                '--container', 'posix',
                os.path.join(posix_build, 'containers/posix/server.elf'),
                '--container', 'echo',
                os.path.join(posix_build, 'containers/echo/echo.elf'),
                '--container', 'secret',
                os.path.join(posix_build, 'containers/secret/secret.elf'),
                '--bin', str(tmp_path / 'i.bin'),
                '--elf', str(tmp_path / 'i.elf')] + list(files)
    assert pack.main(args('--files', 'nosuch', str(tmp_path))) != 0
    (tmp_path / 'only').mkdir()
    (tmp_path / 'only' / 'f').write_bytes(b'x')
    assert pack.main(args('--files', 'posix', str(tmp_path / 'only'))) == 0
    img = inspect_image.load(str(tmp_path / 'i.bin'))
    part, = [p for p in img.parts if p['name'] == 'posix.files']
    assert [p for p, _, _ in files_archive.parse(img.part_data(part))] == \
        ['f']
