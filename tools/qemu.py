#!/usr/bin/python3
"""QEMU and GDB launchers for a built image.

As a module (used by SConstruct and the test harness): boot(), command(),
print_gdb_line(). As a script: qemu.py [--debug] [--timeout S] <board> <image>.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import board as boardmod  # noqa: E402

GDB_PORT = 1234
TIMEOUT_STATUS = 124  # as timeout(1) reports it


def smp_args(board, cpus):
    """QEMU's -smp for a kernel that starts `cpus` cores (CONFIG_NR_CPUS):
    as many, unless the board's machine always has all its cores
    ([qemu] fixed_smp, e.g. raspi2b's four)."""
    if cpus <= 1 or board['qemu'].get('fixed_smp'):
        return []
    return ['-smp', str(cpus)]


def command(board, image, debug=False, extra=(), cpus=1):
    """The QEMU command line; extra's own -smp, if any, wins over cpus."""
    q = board['qemu']
    cmd = [q['binary']] + list(q['args']) + ['-semihosting', '-kernel', image]
    if '-smp' not in extra:
        cmd += smp_args(board, cpus)
    if debug:
        cmd += ['-S', '-gdb', f'tcp::{GDB_PORT}']
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
         annotate=None):
    """Boot image; returns the system's exit status (124 on timeout).
    annotate: a function of one output line giving lines to print under
    it (tools/symbolize.py's Symbolizer.feed); QEMU's output then passes
    through here, as it comes, instead of going straight to the
    terminal."""
    cmd = command(board, image, debug, extra, cpus)
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
    import select
    import time
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE)
    out = sys.stdout.buffer
    deadline = None if timeout is None else time.monotonic() + timeout
    pending, shown = b'', 0  # the line so far; how much of it is out
    fd = p.stdout.fileno()

    def under(raw):
        try:
            extra = annotate(raw.decode('utf-8', errors='replace')
                             .rstrip('\r'))
        except Exception as e:
            extra = [f'    (symbolize: {e})']
        return b''.join(e.encode() + b'\n' for e in extra)

    while True:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            p.kill()
            p.wait()
            out.flush()
            print(f'\nqemu: no exit after {timeout} s, stopped',
                  file=sys.stderr)
            return TIMEOUT_STATUS
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            continue
        data = os.read(fd, 4096)
        if not data:
            break
        pending += data
        *complete, rest = pending.split(b'\n')
        for raw in complete:  # each line, then what goes under it
            out.write(raw[shown:] + b'\n' + under(raw))
            shown = 0
        out.write(rest[shown:])  # a line not ended yet shows as it comes
        pending, shown = rest, len(rest)
        out.flush()
    if pending:
        extra = under(pending)
        out.write(b'\n' + extra if extra else b'')
    out.flush()
    return p.wait()


def gdb_line(kernel, loader, containers):
    """One gdb-multiarch command with kernel, loader and container symbols."""
    parts = ['gdb-multiarch', '-q', kernel, '-ex',
             f"'target remote :{GDB_PORT}'",
             '-ex', f"'add-symbol-file {loader}'"]
    for name, path in sorted(containers.items()):
        parts += ['-ex', f"'add-symbol-file {path}'"]
    return ' '.join(parts)


def print_gdb_line(board, kernel, loader, containers):
    print('QEMU is waiting for GDB. In another terminal, attach with:\n  ' +
          gdb_line(kernel, loader, containers) +
          '\n(the loader runs first at its physical address, then the kernel;'
          ' quit QEMU with Ctrl-C here)', flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description='boot an image in QEMU')
    ap.add_argument('--debug', action='store_true')
    ap.add_argument('--timeout', type=int, default=60)
    ap.add_argument('board')
    ap.add_argument('image')
    args = ap.parse_args(argv)
    board = boardmod.load(args.board)
    return boot(board, args.image, args.debug,
                None if args.debug else args.timeout)


if __name__ == '__main__':
    sys.exit(main())
