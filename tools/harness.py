"""Boot harness: build a configuration, boot it in QEMU, read its output.

Used by the pytest suites in tools/tests. A run is a failure when the
system panics, hangs (timeout) or prints a failing TEST line (docs/testing.md:
"TEST <suite>.<name> PASS" / "TEST <suite>.<name> FAIL <why>" /
"TEST <suite>.<name> SKIP <why>", then "N passed, N failed", or
"N passed, N failed, N skipped" when some case skipped).
"""
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import board as boardmod  # noqa: E402
import qemu  # noqa: E402
import symbolize as symbolizemod  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Deterministic time: one guest instruction a nanosecond (QEMU -icount);
# sleep=off: an idle CPU jumps to its next timer deadline instead of
# waiting for it in host time, so idle stretches are exact too.
ICOUNT = ('-icount', 'shift=0,align=off,sleep=off')
TEST_RE = re.compile(r'^TEST (\S+)\.(\S+) (PASS|FAIL|SKIP)(?: (.*))?$')
SUMMARY_RE = re.compile(r'^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$')
# The state of a skipped case in TestRun.results (passed is True, failed
# False): not a failure, so `if not ok` still finds only the failures.
SKIPPED = 'skipped'


@dataclass
class Boot:
    status: int
    output: str
    lines: list = field(default_factory=list)
    # the image booted (harness.boot sets it): its build directory's ELFs
    # symbolize the fault and panic lines (.symbolized)
    image: str = ''

    @property
    def symbolized(self):
        """The output with function and file:line under each fault and
        panic line (tools/symbolize.py; docs/testing.md "Readable
        crashes"); the output unchanged when the image is unknown."""
        if '_symbolized' not in self.__dict__:
            self.__dict__['_symbolized'] = symbolize(self)
        return self.__dict__['_symbolized']

    @property
    def panicked(self):
        return 'KERNEL PANIC' in self.output

    @property
    def timed_out(self):
        return self.status == qemu.TIMEOUT_STATUS


def symbolize(b, image=None):
    """A boot's output with its fault and panic lines symbolized against
    the ELFs of the image's build directory (default: the image it
    booted). Never raises: on any trouble, the output as it was."""
    image = image or b.image
    if not image:
        return b.output
    try:
        return symbolizemod.symbolize(
            b.output, os.path.dirname(os.path.abspath(image)))
    except Exception as e:  # a failure message must not fail itself
        return b.output + f'\n(symbolize: {e})\n'


def explain(b, tail=3000):
    """For assertion messages: the end of a boot's symbolized output (the
    whole of it with tail=None), so a failing test shows where a crash
    happened by name."""
    text = b.symbolized
    return text if tail is None else text[-tail:]


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


def config_of(image):
    """The .config of an image's build directory (harness.build puts the
    image beside it; the default build directory's is the top one)."""
    outdir = os.path.dirname(os.path.abspath(image))
    if outdir == os.path.join(TOP, 'build'):
        return os.path.join(TOP, '.config')
    return os.path.join(outdir, '.config')


def board_of(image):
    """The board an image was built for: CONFIG_BOARD in the .config of
    its build directory (harness.build puts the image beside it); the
    default build directory's .config is the top one."""
    config = config_of(image)
    if not os.path.isfile(config):
        raise ValueError(f'{image}: no .config beside it to tell its board '
                         '(pass board= to harness.boot)')
    with open(config) as f:
        for line in f:
            if line.startswith('CONFIG_BOARD='):
                return line.split('=', 1)[1].strip().strip('"')
    raise ValueError(f'{config}: no CONFIG_BOARD line')


def boot(image, board=None, timeout=60, extra=(), realtime=False):
    """Boot image in QEMU on its board (default: the one it was built for;
    extra: more QEMU arguments). Under ICOUNT unless realtime: the guest's
    time is its instruction count, so a tick lands at the same instruction
    on every run whatever the host's load, and a test's outcome cannot
    depend on how busy the machine is (CI runs two boots at a time)."""
    b = boardmod.load(board or board_of(image))
    extra = list(extra)
    if not realtime and '-icount' not in extra:
        extra = list(ICOUNT) + extra
    # as many cores as the kernel starts (extra's -smp wins)
    cmd = qemu.command(b, image, extra=extra,
                       cpus=qemu.nr_cpus_of(config_of(image)))
    # a timeout asks the kernel for its state first (qemu.run)
    status, out = qemu.run(cmd, timeout, stderr=subprocess.STDOUT)
    text = out.decode('utf-8', errors='replace').replace('\r\n', '\n')
    return Boot(status, text, text.splitlines(), image=image)


@dataclass
class TestRun:
    # "suite.name" -> (state, why): state True (PASS), False (FAIL) or
    # SKIPPED (SKIP, why says what the board lacks)
    results: dict
    # from the final line: (passed, failed), or (passed, failed, skipped)
    # when it counts skips; None when missing
    summary: tuple
    problems: list  # harness-level failures (panic, hang, mismatch)

    @property
    def skipped(self):
        """The cases that skipped themselves: {"suite.name": why}."""
        return {k: why for k, (state, why) in self.results.items()
                if state == SKIPPED}


def parse_tests(b):
    """TEST lines of a boot, and whatever makes the run as a whole fail."""
    results, summary, problems = {}, None, []
    for line in b.lines:
        m = TEST_RE.match(line.strip())
        if m:
            key = f'{m.group(1)}.{m.group(2)}'
            if key in results:
                problems.append(f'test {key} reported twice')
            state = {'PASS': True, 'FAIL': False,
                     'SKIP': SKIPPED}[m.group(3)]
            results[key] = (state, m.group(4) or '')
        m = SUMMARY_RE.match(line.strip())
        if m:
            summary = tuple(int(g) for g in m.groups() if g is not None)
    if b.panicked:
        problems.append('kernel panic')
    if b.timed_out:
        problems.append('hang: no exit before the timeout')
    if summary is None:
        problems.append('no "N passed, N failed" summary line')
    else:
        states = [state for state, _ in results.values()]
        passed, skipped = states.count(True), states.count(SKIPPED)
        lines = (passed, states.count(False))
        # the summary counts skips exactly when some case skipped
        lines += (skipped,) if skipped else ()
        if summary != lines and summary != lines + (0,):
            problems.append(f'summary {summary} does not match the TEST '
                            f'lines {lines}')
        if (summary[1] == 0) != (b.status == 0):
            problems.append(f'exit status {b.status} does not match '
                            f'{summary[1]} failures')
    return TestRun(results, summary, problems)
