"""The state report on a timeout (docs/testing.md "Readable crashes"):
when a run does not end, the harness and `scons run` send the console the
kernel's state key (Ctrl-T, CONFIG_CONSOLE_STATE_KEY) before they stop
QEMU, and the kernel prints every container and thread: its state, what
it waits for, its pc and lr (kernel/generic/state_report.c), which
tools/symbolize.py turns into function and file:line.

The system (tools/tests/manifests/hang.toml): a service that waits for
requests nobody sends, and hello, which ends at once.
"""
import os
import re
import subprocess

import pytest

import harness
import qemu
from conftest import BOARDS, TEST_BUILD, TOP

HANG = 'CONFIG_MANIFEST="tools/tests/manifests/hang.toml"'
SERVICE_RE = re.compile(
    r"^kernel: state: container 'service' thread (\d+): receiving from any "
    r'thread, priority 10 at pc 0x([0-9a-f]{8}) lr 0x([0-9a-f]{8}) '
    r'sp 0x([0-9a-f]{8})$', re.M)


def build(name, board, extra=()):
    return harness.build(f'{board}_hello_defconfig',
                         os.path.join(TEST_BUILD, name),
                         extra_config=[HANG] + list(extra))


@pytest.fixture(scope='module', params=BOARDS)
def hung(request):
    image = build(f'state-{request.param}', request.param)
    return harness.boot(image, timeout=3), request.param


def report_of(b):
    """The report's lines: from its header to its end line."""
    text = b.output
    start = text.index('kernel: state at tick')
    end = text.index('kernel: state end', start)
    return text[start:end].splitlines()


def test_timeout_prints_every_container(hung):
    b, board = hung
    assert b.timed_out, b.output[-2000:]
    lines = report_of(b)
    assert re.match(r'^kernel: state at tick \d+, on core 0:$', lines[0])
    assert ("kernel: state: container 'service' (id 0): running, 1 live "
            'threads, restarted 0 times') in lines
    assert ("kernel: state: container 'hello' (id 1): stopped, 0 live "
            'threads, restarted 0 times, exit code 0') in lines
    # one thread line, for the service's one thread: hello has none left
    threads = [line for line in lines if ' thread ' in line]
    assert len(threads) == 1, lines
    m = SERVICE_RE.search(b.output)
    assert m, lines
    # its registers as the kernel saved them: in its program, on its stack
    pc, lr, sp = (int(m.group(i), 16) for i in (2, 3, 4))
    assert 0x10000000 <= pc < lr < 0x10100000
    assert 0x10000000 < sp < 0x10100000


def test_each_thread_is_symbolized(hung):
    """Function and file:line under the thread's line: the system call
    it waits in, and from lr the service's main loop."""
    b, _ = hung
    text = b.symbolized
    at = text.index("kernel: state: container 'service' thread")
    under = text[at:].splitlines()[1:4]
    assert re.match(r'^    at sys_ipc \(containers/lib/include/tessera/'
                    r'sys\.h:\d+\)$', under[0]), under
    assert re.match(r'^    lr at ipc_receive \(containers/lib/include/'
                    r'tessera/sys\.h:\d+\)$', under[1]), under
    assert re.match(r'^      inlined into main \(containers/examples/'
                    r'service/main\.c:\d+\)$', under[2]), under


def test_the_report_comes_after_the_system_went_quiet(hung):
    b, _ = hung
    out = b.output
    assert out.index('hello: goodbye') < out.index('kernel: state at tick')
    assert out.count('kernel: state end') == 1


def test_two_cores():
    """With two cores, the report says which core it is printed on and
    the waiting thread is the same."""
    image = build('state-virt-smp2', 'qemu_virt', ['CONFIG_NR_CPUS=2'])
    b = harness.boot(image, timeout=3)
    assert b.timed_out
    assert SERVICE_RE.search(b.output), b.output[-2000:]
    assert re.search(r'^kernel: state at tick \d+, on core 0:$', b.output,
                     re.M)


def test_scons_run_prints_it_symbolized():
    """`scons run` on a timeout: the same report, symbolized as it
    streams, and the timeout's status."""
    outdir = os.path.join(TEST_BUILD, 'state-qemu_virt')
    build('state-qemu_virt', 'qemu_virt')
    p = subprocess.run(['scons', '-Q', f'O={outdir}', 'run', 'TIMEOUT=3'],
                       cwd=TOP, capture_output=True, text=True, timeout=120)
    assert p.returncode == qemu.TIMEOUT_STATUS, p.stdout + p.stderr
    assert SERVICE_RE.search(p.stdout.replace('\r\n', '\n')), p.stdout
    assert re.search(r"thread \d+: receiving from any thread.*\n"
                     r'    at sys_ipc \(', p.stdout), p.stdout
    assert 'no exit after 3 s' in p.stderr


def test_without_the_key_the_wait_runs_out():
    """CONFIG_CONSOLE_STATE_KEY=n: the kernel never looks at its input,
    so there is no report and the run still ends (after the wait)."""
    image = build('state-nokey', 'qemu_virt',
                  ['# CONFIG_CONSOLE_STATE_KEY is not set'])
    b = harness.boot(image, timeout=2)
    assert b.timed_out
    assert 'service: ready' in b.output
    assert 'kernel: state' not in b.output


def test_other_input_is_dropped():
    """Bytes other than the key, typed from the start, change nothing:
    the system runs as without them and the key still works after."""
    image = build('state-qemu_virt', 'qemu_virt')
    cmd = qemu.command(harness.boardmod.load('qemu_virt'), image,
                       extra=harness.ICOUNT)
    status, out = qemu.run(cmd, 3, stderr=subprocess.STDOUT,
                           typed=b'hello kernel\x03\x1b[A\r\n' * 8)
    text = out.decode(errors='replace').replace('\r\n', '\n')
    assert status == qemu.TIMEOUT_STATUS
    assert 'hello: goodbye' in text
    assert text.count('kernel: state end') == 1
    assert SERVICE_RE.search(text), text[-2000:]
