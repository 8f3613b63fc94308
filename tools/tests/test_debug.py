"""scons debug, tools/debug.py and the gdb helper tools/gdb/tessera.py
(docs/debugging.md), with gdb-multiarch in batch mode against QEMU halted.

The system: two containers, "alpha" and "beta", running the same hello
program at the same address (tools/tests/manifests/debug_pair.toml), so
the only way to tell a stop in one from a stop in the other is the
kernel's state, which is what the helper reads.
"""
import os
import pty
import queue
import re
import select
import shlex
import signal
import subprocess
import threading
import time

import pytest

import harness

TOP = harness.TOP
OUT = os.path.join(TOP, 'build', 'h-dbg-test')
DEBUG_PY = os.path.join(TOP, 'tools', 'debug.py')
LINE_RE = re.compile(r"^\s*(gdb-multiarch -q -iex 'set confirm off' -x \S+)$")
PORT_RE = re.compile(r'QEMU is waiting for GDB on port (\d+)\.')
GDB_TIMEOUT = 30  # seconds a gdb session may take (the system runs ~1 s)


@pytest.fixture(scope='module')
def build():
    harness.build('qemu_virt_hello_defconfig', OUT, extra_config=[
        'CONFIG_MANIFEST="tools/tests/manifests/debug_pair.toml"'])
    return OUT


class Session:
    """A launcher (tools/debug.py or scons debug) run under timeout(1), in
    its own process group, its output read as it comes."""

    def __init__(self, cmd):
        self.p = subprocess.Popen(['timeout', '60'] + cmd, cwd=TOP,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL,
                                  start_new_session=True)
        self.lines, self.q = [], queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in iter(self.p.stdout.readline, b''):
            self.q.put(raw.decode('utf-8', 'replace').rstrip('\n'))
        self.q.put(None)

    def wait_line(self, timeout=40):
        """(gdb line, port) once printed; fails with the output so far."""
        deadline, port = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            try:
                line = self.q.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            m = PORT_RE.search(line)
            if m:
                port = int(m.group(1))
            m = LINE_RE.match(line)
            if m:
                return m.group(1), port
        pytest.fail('no gdb line:\n' + '\n'.join(self.lines))

    def output(self, timeout=20):
        """Everything the launcher printed, once it ended."""
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        self.stop()
        while True:
            try:
                line = self.q.get(timeout=1)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        return '\n'.join(self.lines)

    def stop(self):
        """End the launcher and its QEMU (its process group, by id):
        SIGTERM, so the launcher removes its session script, then
        SIGKILL for whatever is left."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.p.poll() is not None:
                break
            try:
                os.killpg(self.p.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        try:  # timeout(1) gone first: the rest of its group
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait()


@pytest.fixture
def sessions():
    started = []

    def start(cmd):
        s = Session(cmd)
        started.append(s)
        return s
    yield start
    for s in started:  # QEMU ends with its launcher, even on failure
        s.stop()


def debug_py(build, *args):
    return ['/usr/bin/python3', DEBUG_PY, '--build', build] + list(args)


def gdb(line, *commands):
    """Run the printed line in batch mode with commands after the
    session script; gdb's output."""
    cmd = ['timeout', str(GDB_TIMEOUT)] + shlex.split(line) + ['-batch']
    for c in commands:
        cmd += ['-ex', c]
    r = subprocess.run(cmd, cwd=TOP, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                       text=True)
    assert r.returncode != 124, f'gdb timed out:\n{r.stdout}'
    return r.stdout


STOP_RE = re.compile(r"\[tessera\] Breakpoint (\d+), in container '(\w+)' "
                     r'\(core (\d+), thread (\d+)\)')


def test_break_stops_only_in_the_named_container(build, sessions):
    """`tessera break beta main`: alpha runs main at the same address
    first, without stopping; the one stop is in beta, by the kernel's
    current thread; continuing reaches the end of the system."""
    s = sessions(debug_py(build))
    line, _ = s.wait_line()
    out = gdb(line, 'tessera break beta main', 'continue', 'tessera current',
              'bt', 'continue')
    stops = STOP_RE.findall(out)
    assert [name for _, name, _, _ in stops] == ['beta'], out
    assert "in container 'alpha'" not in out, out
    assert re.search(r"\[tessera\] container 'beta' \(core 0, thread \d+\);"
                     r' symbols: \S+/containers/beta/hello\.elf', out), out
    assert re.search(r'#\d+\s+main \(\) at containers/examples/hello/main\.c',
                     out), out
    assert '[Inferior 1 (process 1) exited normally]' in out, out
    qemu_out = s.output()
    assert qemu_out.count('hello: goodbye') == 2, qemu_out


def test_each_container_stops_once_under_its_own_name(build, sessions):
    """One breakpoint per container at the same address: two stops, one
    in each, with different threads; so the name comes from the kernel,
    not from the breakpoint."""
    s = sessions(debug_py(build))
    line, _ = s.wait_line()
    out = gdb(line, 'tessera break alpha main', 'tessera break beta main',
              'continue', 'print $_tessera_container()', 'continue',
              'print $_tessera_container()', 'continue')
    stops = STOP_RE.findall(out)
    assert sorted((bp, name) for bp, name, _, _ in stops) == [
        ('1', 'alpha'), ('2', 'beta')], out
    assert stops[0][3] != stops[1][3], out  # two threads
    assert re.findall(r'^\$\d+ = "(\w+)"$', out, re.M) == [
        name for _, name, _, _ in stops], out
    assert '[Inferior 1 (process 1) exited normally]' in out, out


def test_kernel_breakpoint_is_unambiguous(build, sessions):
    """`break sys_time` is the kernel's function alone, though the hello
    ELF has the user library's inline sys_time too (the breakpoint that
    stopped in the wrapper first); it stops in the kernel, and stays
    there after a container's symbols came in. (sys_time, not sys_getid:
    the kernel answers a thread's own ids without a call, so its
    sys_getid does not run for hello's getid.)"""
    s = sessions(debug_py(build))
    line, _ = s.wait_line()
    out = gdb(line, 'break sys_time', 'info breakpoints', 'continue',
              'info breakpoints', 'bt 1', 'tessera symbols beta',
              'break sys_time', 'kill')
    m = re.search(r'^Breakpoint 1 at (0x[0-9a-f]+): file (\S+), line \d+\.$',
                  out, re.M)
    assert m and int(m.group(1), 16) >= 0xc0000000, out
    assert re.search(r'^Breakpoint 1, sys_time \(.*\) at kernel/', out,
                     re.M), out
    assert re.search(r'^#0\s+sys_time \(.*\) at kernel/generic/', out,
                     re.M), out
    # after the stop alpha's symbols are in: bp 1 got its inline sites
    # and they are disabled; a new `break` with beta's has them too
    first, after = out.split('Breakpoint 1, ', 1)
    assert 'locations' not in first, out
    user_locs = re.findall(r'^1\.\d+\s+(\S)\s+(0x1[0-9a-f]{7})', after,
                           re.M)
    assert user_locs and all(e == 'n' for e, _ in user_locs), out
    assert re.search(r'^1\.\d+\s+y\s+0xc[0-9a-f]{7}', after, re.M), out
    # the contrast: the container's ELF alone does name sys_time
    assert re.search(r'^Breakpoint 2 at 0x[0-9a-f]+: sys_time\. '
                     r'\(\d+ locations\)$', after, re.M), out


def test_narrowed_session_and_pasted_line(build, sessions):
    """--container beta: beta alone is registered, `tessera break main`
    means beta's; the line, typed at a terminal (a pty), asks no
    (y or n) question, not even at quit with the target attached."""
    s = sessions(debug_py(build, '--container', 'beta'))
    line, port = s.wait_line()
    assert "-iex 'set confirm off'" in line and port, line
    master, slave = pty.openpty()
    p = subprocess.Popen(['timeout', str(GDB_TIMEOUT)] + shlex.split(line),
                         cwd=TOP, stdin=slave, stdout=slave, stderr=slave,
                         start_new_session=True)
    os.close(slave)
    got = b''

    def until(text, timeout=20):
        nonlocal got
        deadline = time.monotonic() + timeout
        while text not in got and time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    got += os.read(master, 4096)
                except OSError:
                    break
        return text in got

    try:
        assert until(b'(gdb) '), got.decode(errors='replace')
        got = b''
        os.write(master, b'tessera containers\n')
        assert until(b'(gdb) '), got.decode(errors='replace')
        listing = got.decode(errors='replace')
        got = b''
        os.write(master, b'tessera break main\ncontinue\n')
        assert until(b"in container 'beta'"), got.decode(errors='replace')
        assert until(b'(gdb) ')
        os.write(master, b'quit\n')
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        os.close(master)
    text = got.decode(errors='replace')
    assert 'beta' in listing and 'alpha' not in listing, listing
    assert '(y or n)' not in text and '(y or n)' not in listing, text
    assert p.returncode == 0, text


def test_two_scons_debug_sessions_get_different_ports(build, sessions):
    """`scons debug` twice at once: each QEMU on its own port, each
    line attaches to its own (the second used to fail on port 1234)."""
    a = sessions(['scons', '-Q', f'O={build}', 'debug'])
    line_a, port_a = a.wait_line()
    b = sessions(['scons', '-Q', f'O={build}', 'debug', 'CONTAINER=alpha'])
    line_b, port_b = b.wait_line()
    assert port_a and port_b and port_a != port_b
    assert line_a != line_b
    out_b = gdb(line_b, 'tessera containers', 'kill')
    out_a = gdb(line_a, 'tessera containers', 'kill')
    assert re.search(r'^alpha\s+\S+alpha/hello\.elf\s+\[default\]$', out_b,
                     re.M) and '\nbeta ' not in out_b, out_b
    assert re.search(r'^alpha\s', out_a, re.M) and re.search(
        r'^beta\s', out_a, re.M), out_a
    for sess in (a, b):
        out = sess.output()
        assert 'Address already in use' not in out, out


def test_given_port_and_busy_port(build, sessions):
    """GDB_PORT=<n> is used as given; a port in use is an error."""
    import qemu
    port = qemu.free_gdb_port(start=20000)
    a = sessions(['scons', '-Q', f'O={build}', 'debug', f'GDB_PORT={port}'])
    _, got = a.wait_line()
    assert got == port
    r = subprocess.run(['timeout', '30'] + debug_py(build, '--port',
                                                    str(port)),
                       cwd=TOP, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 2 and f'port {port} is in use' in r.stdout, \
        r.stdout


def test_unknown_container_is_rejected_before_qemu(build):
    for cmd in (['scons', '-Q', f'O={build}', 'debug', 'CONTAINER=nosuch'],
                debug_py(build, '--container', 'nosuch')):
        r = subprocess.run(['timeout', '30'] + cmd, cwd=TOP,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        assert r.returncode == 2, r.stdout
        assert ("no container 'nosuch' in this build; its containers: "
                'alpha, beta') in r.stdout, r.stdout
        assert 'QEMU is waiting' not in r.stdout, r.stdout


def test_two_cores_name_the_stopped_core(sessions):
    """On a two-core kernel the container is that of the core that
    stopped (gdb's thread n is core n-1): each container's breakpoint
    stops once, and the core it reports is the selected thread's."""
    out_dir = OUT + '-smp2'
    harness.build('qemu_virt_hello_defconfig', out_dir, extra_config=[
        'CONFIG_MANIFEST="tools/tests/manifests/debug_pair.toml"',
        'CONFIG_NR_CPUS=2'])
    s = sessions(debug_py(out_dir))
    line, _ = s.wait_line()
    out = gdb(line, 'tessera break alpha main', 'tessera break beta main',
              'continue', 'thread', 'continue', 'thread', 'continue')
    stops = STOP_RE.findall(out)
    assert sorted(name for _, name, _, _ in stops) == ['alpha', 'beta'], out
    threads = re.findall(r'^\[Current thread is (\d+) ', out, re.M)
    assert [str(int(t) - 1) for t in threads] == [
        core for _, _, core, _ in stops], out
    # the kernel starts the second container on the second core, so the
    # two names come from two cores' records
    assert sorted(core for _, _, core, _ in stops) == ['0', '1'], out
    assert '[Inferior 1 (process 1) exited normally]' in out, out


def test_driver_and_tenants_the_reported_case(sessions):
    """The report's system (examples/rtc: a driver and two tenants, three
    programs at 0x10000000): a breakpoint on the driver's main stops once,
    in the driver, though both tenants run their own main at that address
    range; `break sys_map` stops in the kernel only, never in the user
    library's inline wrapper the driver calls it through."""
    out_dir = OUT + '-rtc'
    harness.build('qemu_virt_hello_defconfig', out_dir, extra_config=[
        'CONFIG_MANIFEST="examples/rtc/system.toml"'])
    s = sessions(debug_py(out_dir))
    line, _ = s.wait_line()
    out = gdb(line, 'tessera break driver main', 'break sys_map',
              *['continue'] * 6)
    stops = STOP_RE.findall(out)
    assert [name for _, name, _, _ in stops] == ['driver'], out
    kernel_stops = re.findall(r'^Breakpoint 2(?:\.\d+)?, (\w+) \((.*)\) at '
                              r'(\S+):\d+$', out, re.M)
    assert kernel_stops, out
    assert all(f == 'sys_map' and a.startswith('ctx=') and
               p.startswith('kernel/') for f, a, p in kernel_stops), out
    assert '[Inferior 1 (process 1) exited normally]' in out, out
    assert 'all containers finished, exit status 0' in s.output()


def test_plain_break_on_container_code_keeps_gdb_alive(build, sessions):
    """A plain `break main` set with alpha's symbols is an address
    breakpoint for both containers; where gdb hides inline frames at it,
    it keeps pointers into alpha's symbols for that stop, so the stop in
    beta leaves alpha's file loaded and says so (freeing it crashed gdb
    13 with an internal error)."""
    s = sessions(debug_py(build))
    line, _ = s.wait_line()
    out = gdb(line, 'tessera symbols alpha', 'break main', 'continue',
              'continue', 'bt', 'tessera symbols beta', 'continue')
    assert 'internal-error' not in out, out
    assert "gdb holds inline frames of alpha's symbols at this stop, so " \
        'they cannot be unloaded now' in out, out
    assert re.search(r"^\[tessera\] now in container 'alpha'", out, re.M), out
    assert re.search(r"^\[tessera\] in container 'beta' \(core 0, thread \d+"
                     r"\), but the frames shown are named from alpha's", out,
                     re.M), out
    assert '[Inferior 1 (process 1) exited normally]' in out, out
