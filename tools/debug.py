#!/usr/bin/python3
"""Boot a build under QEMU's GDB stub and print the gdb line that attaches.

    tools/debug.py --build <O> [--container NAME] [--port N] [--gdb]

QEMU starts halted with its GDB stub on a free TCP port (the first free
one from 1234, or --port). A session script, <O>/debug/session-<port>.gdb,
loads the kernel's and the loader's symbols, the Tessera helper
(tools/gdb/tessera.py), registers the containers with their ELFs and
connects; the printed line is

    gdb-multiarch -q -iex 'set confirm off' -x <O>/debug/session-<port>.gdb

--container NAME registers that container alone (and `tessera break`
means it when none is named). --gdb starts gdb here too and stops QEMU
when gdb ends. `scons debug` (CONTAINER=, GDB_PORT=) does the same after
building. docs/debugging.md.
"""
import argparse
import os
import signal
import subprocess
import sys
import threading
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)
import board as boardmod  # noqa: E402
import qemu  # noqa: E402
import symbolize as symbolizemod  # noqa: E402

GDB_HELPER = os.path.join(TOOLS, 'gdb')
READY_WAIT = 10  # seconds QEMU may take to listen on its port
PORT_TRIES = 5   # QEMU starts tried when another process takes the port


class DebugError(Exception):
    pass


def choose_container(containers, name):
    """containers narrowed to name (all of them for None); an unknown name
    is a DebugError listing the names."""
    if name is None:
        return dict(containers), None
    if name not in containers:
        raise DebugError(f'debug: error: no container {name!r} in this '
                         f'build; its containers: {", ".join(containers)}')
    return {name: containers[name]}, name


def parse_port(text, source='GDB_PORT'):
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise DebugError(f'debug: error: {source}={text}: expected a TCP '
                         'port, 1..65535')
    return int(text)


def session_script(path, kernel, loader, containers, default, port):
    """Write the gdb session script; returns its path."""
    def lit(s):
        return repr(os.path.abspath(s))
    pairs = ', '.join(f'({n!r}, {lit(e)})' for n, e in containers.items())
    text = f'''# Written by tools/debug.py for the QEMU waiting on port {port}.
# Kernel and loader symbols stay loaded; tools/gdb/tessera.py loads the
# symbols of the container each stop is in (docs/debugging.md).
set confirm off
set pagination off
file {os.path.abspath(kernel)}
add-symbol-file {os.path.abspath(loader)}
python import sys; sys.path.insert(0, {GDB_HELPER!r}); import tessera
python tessera.setup(kernel={lit(kernel)}, loader={lit(loader)}, \
containers=[{pairs}], default={default!r})
target remote localhost:{port}
echo [tessera] containers:\\n
tessera containers
'''
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
    return path


def forward(stream, sink, keep):
    """Copy QEMU's stderr to ours, keeping it to explain a failed start."""
    for raw in iter(stream.readline, b''):
        keep.append(raw)
        sink.write(raw)
        sink.flush()


def listens(pid, port):
    """Whether process pid itself listens on TCP port (Linux: its socket
    inodes against /proc/net/tcp*; elsewhere: whether anyone does). The
    port being taken is not enough: two launchers may have picked the
    same free port, and the other's QEMU may be the one holding it."""
    try:
        inodes = set()
        for fd in os.listdir(f'/proc/{pid}/fd'):
            try:
                link = os.readlink(f'/proc/{pid}/fd/{fd}')
            except OSError:
                continue
            if link.startswith('socket:['):
                inodes.add(link[8:-1])
        for table in ('/proc/net/tcp', '/proc/net/tcp6'):
            try:
                with open(table) as f:
                    rows = f.read().splitlines()[1:]
            except OSError:
                continue
            for row in rows:
                cols = row.split()
                local, state, inode = cols[1], cols[3], cols[9]
                if (state == '0A' and int(local.rsplit(':', 1)[1], 16) == port
                        and inode in inodes):
                    return True
        return False
    except OSError:
        return not qemu.port_free(port)


def start_qemu(board, image, cpus, port, extra=()):
    """Start QEMU halted on port; returns (process, stderr lines) once it
    listens, or (None, lines) when it ended first (port taken, say)."""
    cmd = qemu.command(board, image, debug=True, extra=extra, cpus=cpus,
                       gdb_port=port)
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    lines = []
    threading.Thread(target=forward, args=(p.stderr, sys.stderr.buffer,
                                           lines), daemon=True).start()
    deadline = time.monotonic() + READY_WAIT
    while time.monotonic() < deadline:
        if p.poll() is not None:
            return None, lines
        if listens(p.pid, port):  # ready for gdb
            return p, lines
        time.sleep(0.02)
    return p, lines  # slow start: let gdb try


def launch(board, image, kernel, loader, containers, outdir, container=None,
           port=None, cpus=1, start_gdb=False, extra=()):
    """Boot under the GDB stub, print the attach line, wait for QEMU (or
    run gdb with --gdb); returns QEMU's exit status (143 when the
    launcher was terminated)."""
    containers, default = choose_container(containers, container)
    if threading.current_thread() is not threading.main_thread():
        return run_session(board, image, kernel, loader, containers, default,
                           outdir, port, cpus, start_gdb, extra)
    # terminated, the launcher still stops its QEMU and removes its script
    # (SCons's own handler is put back after)
    old = signal.signal(signal.SIGTERM, terminated)
    try:
        return run_session(board, image, kernel, loader, containers, default,
                           outdir, port, cpus, start_gdb, extra)
    except Terminated:
        return 128 + signal.SIGTERM
    finally:
        signal.signal(signal.SIGTERM, old)


class Terminated(Exception):
    pass


def terminated(*_):
    # once: timeout(1) passes its SIGTERM on, so a second one may come
    # while the first one's clean-up runs
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated()


def run_session(board, image, kernel, loader, containers, default, outdir,
                port, cpus, start_gdb, extra):
    tried = set()
    for _ in range(PORT_TRIES if port is None else 1):
        p_port = port
        if p_port is None:
            p_port = qemu.free_gdb_port(skip=tried)
            if p_port is None:
                raise DebugError('debug: error: no free TCP port from '
                                 f'{qemu.GDB_PORT} on')
        elif not qemu.port_free(p_port):
            raise DebugError(f'debug: error: port {p_port} is in use '
                             '(leave GDB_PORT/--port out for a free one)')
        tried.add(p_port)
        proc, lines = start_qemu(board, image, cpus, p_port, extra)
        if proc is not None:
            break
        if port is not None or b'in use' not in b''.join(lines).lower():
            raise DebugError(f'debug: error: QEMU did not start (port '
                             f'{p_port})')
    else:
        raise DebugError('debug: error: every port tried was taken: '
                         f'{sorted(tried)}')
    script = session_script(
        os.path.abspath(os.path.join(outdir, 'debug',
                                     f'session-{p_port}.gdb')), kernel,
        loader, containers, default, p_port)
    try:
        qemu.print_gdb_line(script, p_port)
        if start_gdb:
            subprocess.call(['gdb-multiarch', '-q', '-iex', 'set confirm off',
                             '-x', script])
            if proc.poll() is None:
                proc.terminate()
        return proc.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        try:
            os.remove(script)
        except OSError:
            pass


def build_of(outdir):
    """(board, image, kernel, loader, containers, cpus) of a build dir."""
    cfg = symbolizemod.read_config(outdir)
    if 'BOARD' not in cfg:
        raise DebugError(f'debug: error: {outdir}: no .config with '
                         'CONFIG_BOARD (build it first: scons O=<dir>)')
    image = os.path.join(outdir, 'image.elf')
    kernel = os.path.join(outdir, 'kernel', 'kernel.elf')
    loader = os.path.join(outdir, 'loader', 'loader.elf')
    for f in (image, kernel, loader):
        if not os.path.isfile(f):
            raise DebugError(f'debug: error: {f}: not built')
    containers = symbolizemod.container_elfs(outdir)
    return (boardmod.load(cfg['BOARD']), image, kernel, loader, containers,
            int(cfg.get('NR_CPUS', 1)))


def main(argv=None):
    ap = argparse.ArgumentParser(
        description='boot a build halted under QEMU\'s GDB stub on a free '
        'port and print the gdb-multiarch line that attaches '
        '(docs/debugging.md)')
    ap.add_argument('--build', default=os.path.join(TOP, 'build'),
                    metavar='O', help='the build directory (default build/)')
    ap.add_argument('--container', metavar='NAME',
                    help='register this container alone')
    ap.add_argument('--port', metavar='N',
                    help=f'the GDB stub\'s port (default: the first free one '
                    f'from {qemu.GDB_PORT})')
    ap.add_argument('--gdb', action='store_true',
                    help='start gdb-multiarch here too')
    args = ap.parse_args(argv)
    try:
        port = None if args.port is None else parse_port(args.port, '--port')
        board, image, kernel, loader, containers, cpus = build_of(args.build)
        choose_container(containers, args.container)  # before QEMU starts
        return launch(board, image, kernel, loader, containers, args.build,
                      container=args.container, port=port, cpus=cpus,
                      start_gdb=args.gdb)
    except DebugError as e:
        print(e, file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
