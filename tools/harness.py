"""Boot harness: build a configuration, boot it in QEMU, read its output.

Used by the pytest suites in tools/tests. A run is a failure when the
system panics, hangs (timeout) or prints a failing TEST line (docs/testing.md:
"TEST <suite>.<name> PASS" / "TEST <suite>.<name> FAIL <why>", then
"N passed, N failed").
"""
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import board as boardmod  # noqa: E402
import qemu  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Deterministic time: one guest instruction a nanosecond (QEMU -icount);
# sleep=off: an idle CPU jumps to its next timer deadline instead of
# waiting for it in host time, so idle stretches are exact too.
ICOUNT = ('-icount', 'shift=0,align=off,sleep=off')
TEST_RE = re.compile(r'^TEST (\S+)\.(\S+) (PASS|FAIL)(?: (.*))?$')
SUMMARY_RE = re.compile(r'^(\d+) passed, (\d+) failed$')


@dataclass
class Boot:
    status: int
    output: str
    lines: list = field(default_factory=list)

    @property
    def panicked(self):
        return 'KERNEL PANIC' in self.output

    @property
    def timed_out(self):
        return self.status == qemu.TIMEOUT_STATUS


def scons(*args, cwd=TOP):
    """Run scons; returns CompletedProcess (stdout+stderr in .stdout)."""
    return subprocess.run(['scons', '-Q', '-j2'] + list(args), cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)


def build(defconfig, outdir, extra_config=()):
    """Configure outdir from a defconfig (plus CONFIG_ lines) and build it."""
    r = scons(f'O={outdir}', defconfig)
    assert r.returncode == 0, r.stdout
    if extra_config:
        with open(os.path.join(outdir, '.config'), 'a') as f:
            f.write(''.join(line + '\n' for line in extra_config))
    r = scons(f'O={outdir}')
    assert r.returncode == 0, r.stdout
    return os.path.join(outdir, 'image.elf')


def boot(image, board='qemu_virt', timeout=60, extra=()):
    """Boot image in QEMU (extra: more QEMU arguments, e.g. ICOUNT)."""
    b = boardmod.load(board)
    cmd = qemu.command(b, image, extra=extra)
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        status, out = p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        status, out = qemu.TIMEOUT_STATUS, e.stdout or b''
    text = out.decode('utf-8', errors='replace').replace('\r\n', '\n')
    return Boot(status, text, text.splitlines())


@dataclass
class TestRun:
    results: dict  # "suite.name" -> (passed, why)
    summary: tuple  # (passed, failed) from the final line, or None
    problems: list  # harness-level failures (panic, hang, mismatch)


def parse_tests(b):
    """TEST lines of a boot, and whatever makes the run as a whole fail."""
    results, summary, problems = {}, None, []
    for line in b.lines:
        m = TEST_RE.match(line.strip())
        if m:
            key = f'{m.group(1)}.{m.group(2)}'
            if key in results:
                problems.append(f'test {key} reported twice')
            results[key] = (m.group(3) == 'PASS', m.group(4) or '')
        m = SUMMARY_RE.match(line.strip())
        if m:
            summary = (int(m.group(1)), int(m.group(2)))
    if b.panicked:
        problems.append('kernel panic')
    if b.timed_out:
        problems.append('hang: no exit before the timeout')
    if summary is None:
        problems.append('no "N passed, N failed" summary line')
    else:
        passed = sum(1 for ok, _ in results.values() if ok)
        if summary != (passed, len(results) - passed):
            problems.append(f'summary {summary} does not match the TEST '
                            f'lines ({passed}, {len(results) - passed})')
        if (summary[1] == 0) != (b.status == 0):
            problems.append(f'exit status {b.status} does not match '
                            f'{summary[1]} failures')
    return TestRun(results, summary, problems)
