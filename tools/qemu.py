#!/usr/bin/python3
"""QEMU and GDB launchers for a built image.

As a module (used by SConstruct, tools/debug.py and the test harness):
boot(), command(), free_gdb_port(), gdb_line(), print_gdb_line(). As a
script: qemu.py [--debug] [--port N] [--timeout S] <board> <image>.
"""
import argparse
import errno
import os
import shlex
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import board as boardmod  # noqa: E402

GDB_PORT = 1234  # the GDB stub's port when none is given, the first tried
TIMEOUT_STATUS = 124  # as timeout(1) reports it
# Ctrl-T on the console: the kernel prints every container's state, ended
# by STATE_END (kernel/generic/state_report.c); sent when a run times out
STATE_KEY = b'\x14'
STATE_END = b'kernel: state end'
STATE_WAIT = 10  # host seconds the report may take


def smp_args(board, cpus):
    """QEMU's -smp for a kernel that starts `cpus` cores (CONFIG_NR_CPUS):
    as many, unless the board's machine always has all its cores
    ([qemu] fixed_smp, e.g. raspi2b's four)."""
    if cpus <= 1 or board['qemu'].get('fixed_smp'):
        return []
    return ['-smp', str(cpus)]


def port_free(port):
    """Whether a TCP port can be listened on now (on every interface, as
    QEMU's -gdb tcp::PORT does; SO_REUSEADDR as QEMU sets it, so a port
    whose last connection lingers counts as free and one with a listener
    as taken)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('', port))
        s.listen(1)
        return True
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            return False
        raise
    finally:
        s.close()


def free_gdb_port(start=GDB_PORT, tries=200, skip=()):
    """The first port from start that port_free() finds free (not in
    skip); None when none of `tries` is."""
    for port in range(start, min(start + tries, 65536)):
        if port not in skip and port_free(port):
            return port
    return None


def command(board, image, debug=False, extra=(), cpus=1, gdb_port=None):
    """The QEMU command line; extra's own -smp, if any, wins over cpus.
    debug: halted at the first instruction, the GDB stub on gdb_port
    (default GDB_PORT)."""
    q = board['qemu']
    cmd = [q['binary']] + list(q['args']) + ['-semihosting', '-kernel', image]
    if '-smp' not in extra:
        cmd += smp_args(board, cpus)
    if debug:
        cmd += ['-S', '-gdb', f'tcp::{gdb_port or GDB_PORT}']
    return cmd + list(extra)


def nr_cpus_of(config_path):
    """CONFIG_NR_CPUS of a .config (1 if it has none)."""
    try:
        with open(config_path) as f:
            for line in f:
                if line.startswith('CONFIG_NR_CPUS='):
                    return int(line.split('=', 1)[1])
    except FileNotFoundError:
        pass
    return 1


def boot(board, image, debug=False, timeout=60, extra=(), cpus=1,
         annotate=None, gdb_port=None):
    """Boot image; returns the system's exit status (124 on timeout).
    annotate: a function of one output line giving lines to print under
    it (tools/symbolize.py's Symbolizer.feed); QEMU's output then passes
    through here, as it comes, instead of going straight to the
    terminal."""
    cmd = command(board, image, debug, extra, cpus, gdb_port)
    if annotate is not None:
        return boot_annotated(cmd, timeout, annotate)
    try:
        return subprocess.call(cmd, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        print(f'qemu: no exit after {timeout} s, stopped', file=sys.stderr)
        return TIMEOUT_STATUS


def boot_annotated(cmd, timeout, annotate):
    """Run QEMU with its standard output read here: every byte written on
    at once, and under each complete line what annotate(line) gives
    (annotate's own trouble never stops the run)."""
    out = sys.stdout.buffer
    state = {'pending': b'', 'shown': 0}  # the line so far; how much is out

    def under(raw):
        try:
            extra = annotate(raw.decode('utf-8', errors='replace')
                             .rstrip('\r'))
        except Exception as e:
            extra = [f'    (symbolize: {e})']
        return b''.join(e.encode() + b'\n' for e in extra)

    def sink(data):
        pending, shown = state['pending'] + data, state['shown']
        *complete, rest = pending.split(b'\n')
        for raw in complete:  # each line, then what goes under it
            out.write(raw[shown:] + b'\n' + under(raw))
            shown = 0
        out.write(rest[shown:])  # a line not ended yet shows as it comes
        state['pending'], state['shown'] = rest, len(rest)
        out.flush()

    status, _ = run(cmd, timeout, sink=sink)
    if state['pending']:
        extra = under(state['pending'])
        out.write(b'\n' + extra if extra else b'')
    out.flush()
    if status == TIMEOUT_STATUS:
        print(f'\nqemu: no exit after {timeout} s, stopped',
              file=sys.stderr)
    return status


def run(cmd, timeout, sink=None, stderr=None, state_wait=None,
        typed=b''):
    """Run QEMU with its standard output (and stderr=subprocess.STDOUT:
    its errors) read here; sink(bytes) gets each piece as it comes.
    Returns (exit status, everything read). After `timeout` seconds
    (None: none) it sends the console the kernel's state key and waits up
    to state_wait (default STATE_WAIT) seconds for the report ("kernel: state end") before it
    stops QEMU: a hang then says which containers were alive and what
    each thread waited for (CONFIG_CONSOLE_STATE_KEY; a kernel without
    it, or stuck with interrupts masked, says nothing and the wait just
    runs out). Status TIMEOUT_STATUS after a timeout. typed: bytes for
    the console at the start (tests)."""
    import select
    import time
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=stderr)
    fd, got = p.stdout.fileno(), b''
    deadline = None if timeout is None else time.monotonic() + timeout
    asked = False
    if typed:
        p.stdin.write(typed)
        p.stdin.flush()
    try:
        while True:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                if asked or not ask_for_state(p):
                    break
                asked = True
                deadline = time.monotonic() + (
                    STATE_WAIT if state_wait is None else state_wait)
                continue
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                continue
            data = os.read(fd, 4096)
            if not data:
                return p.wait(), got
            got += data
            if sink:
                sink(data)
            if asked and STATE_END in got[-4096 - len(data):]:
                break
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
        p.stdin.close()
        p.stdout.close()
    return TIMEOUT_STATUS, got


def ask_for_state(p):
    """Send the state key to QEMU's serial console; False if it cannot
    take it any more."""
    try:
        p.stdin.write(STATE_KEY)
        p.stdin.flush()
        return True
    except (BrokenPipeError, OSError):
        return False


def gdb_line(script):
    """The one gdb-multiarch command that attaches with a session script
    (tools/debug.py writes it: kernel and loader symbols, the Tessera
    helper tools/gdb/tessera.py, the containers, the port). `set confirm
    off` comes first (-iex), so nothing in the session asks (y or n),
    pasted into a terminal or not."""
    return ('gdb-multiarch -q -iex ' + shlex.quote('set confirm off') +
            ' -x ' + shlex.quote(script))


def print_gdb_line(script, port):
    print(f'QEMU is waiting for GDB on port {port}. In another terminal, '
          'attach with:\n  ' + gdb_line(script) +
          '\n(the loader runs first at its physical address, then the kernel;'
          ' in gdb, "tessera containers" and "tessera break <container>'
          ' <location>"; quit QEMU with Ctrl-C here; docs/debugging.md)',
          flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description='boot an image in QEMU')
    ap.add_argument('--debug', action='store_true')
    ap.add_argument('--port', type=int, default=None,
                    help=f'the GDB stub\'s port with --debug (default '
                    f'{GDB_PORT}; tools/debug.py picks a free one)')
    ap.add_argument('--timeout', type=int, default=60)
    ap.add_argument('board')
    ap.add_argument('image')
    args = ap.parse_args(argv)
    board = boardmod.load(args.board)
    return boot(board, args.image, args.debug,
                None if args.debug else args.timeout, gdb_port=args.port)


if __name__ == '__main__':
    sys.exit(main())
