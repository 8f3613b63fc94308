"""The fuzzing system's runs (configs/fuzz.toml, <board>_fuzz_defconfig,
docs/testing.md "Fuzzing system"): build one seed for a board, boot it
under QEMU's instruction counting, and tell what went wrong.

Used by scripts/fuzz (campaigns over many seeds) and
tools/tests/test_fuzz.py (the short campaign CI runs). A boot under
-icount shift=0 (with sleep=off and the RTC on the virtual clock) is
deterministic: the same seed and call count give the same output, line for
line, so a finding reproduces by booting the same build again.
"""
import os
import re
import subprocess
import time
from dataclasses import dataclass, field

import board as boardmod
import harness
import qemu

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The board a campaign runs on unless told (scripts/fuzz --board).
BOARD = 'qemu_virt'
DEFCONFIG = f'{BOARD}_fuzz_defconfig'
# Deterministic QEMU: virtual time is the instruction count (one ns each),
# idle time jumps to the next timer, and the RTC the victim arms counts
# virtual seconds from a fixed date.
QEMU_EXTRA = ['-icount', 'shift=0,align=off,sleep=off',
              '-rtc', 'base=2026-01-01T00:00:00,clock=vm']
# Invariant checks of the kernel (kernel/generic/invariants.c) after every
# N-th call: the defconfig's choice, a balance of speed and how soon a
# broken invariant stops the kernel.
DEFAULT_INVARIANTS = 16


def _header_defines(path):
    out = {}
    with open(os.path.join(TOP, path)) as f:
        for m in re.finditer(r'^#define (\w+)\s+\(?(\d+)', f.read(), re.M):
            out[m.group(1)] = int(m.group(2))
    return out


FZ = _header_defines('containers/tests/fuzz/common/fuzz.h')
ATTACKERS = FZ['FZ_ATTACKERS']
LIVES = FZ['FZ_LIVES']
FUZZ_LIVES = LIVES - 2
_KM = _header_defines('libmem/include/libmem/kmalloc.h')
# A slab cache keeps one empty page as its spare: two moments with the same
# objects alive may differ by that much.
CACHE_SPARES = _KM['KMALLOC_MAX_SHIFT'] - _KM['KMALLOC_MIN_SHIFT'] + 1

VICTIM_CASES = [
    'set_up', 'attackers_completed', 'kept_working', 'pattern_unchanged',
    'ipc_round_trips_intact', 'mutex_exclusion_held', 'sleeper_never_woken',
    'irq_delivered', 'messages_bounded', 'threads_intact',
    'capabilities_unchanged', 'budgets_back',
]


def attacker_names():
    return [f'attacker{i}' for i in range(1, ATTACKERS + 1)]


def expected_cases():
    cases = [f'victim.{c}' for c in VICTIM_CASES]
    for a in attacker_names():
        cases += [f'{a}.life{n}' for n in range(1, FUZZ_LIVES + 1)]
        cases.append(f'{a}.calls')
    return cases


BUDGETS = ['threads', 'spaces', 'mutexes', 'pt', 'caps', 'irqs']
SUMMARY_RE = re.compile(r'^kernel:\s+(\S+)\s+exit\s+(-?\d+) restarts (\d+)' +
                        ''.join(rf'\s+{b} (\d+)/(\d+)' for b in BUDGETS) +
                        r'(?:\s.*)?$')
DEATH_RE = re.compile(r"^kernel: container '([^']+)' (crashed|finished), "
                      r"exit code (-?\d+) \(([^)]+)\), (\d+) pages free$")
BOOT_FREE_RE = re.compile(r'^kernel: \d+ containers started, (\d+) pages '
                          r'free$')
CALLS_RE = re.compile(r'^(attacker\d+): (\d+) calls returned over (\d+) '
                      r'fuzz lives')
TICKS_RE = re.compile(r'^victim: during the fuzzing \((\d+) ticks\)')
# What shows a kernel that misbehaved, first of all.
PANIC_MARKS = ('KERNEL PANIC', 'BUG at', 'kernel fault:', 'panic:')


def defconfig(board=BOARD):
    """The fuzzing system's defconfig for a board."""
    return f'{board}_fuzz_defconfig'


def build_dir(out, seed):
    return os.path.join(out, str(seed))


def config_lines(seed, calls, invariants=DEFAULT_INVARIANTS, extra=()):
    return [f'CONFIG_FUZZ_SEED={seed}', f'CONFIG_FUZZ_CALLS={calls}',
            f'CONFIG_DEBUG_INVARIANTS_EVERY={invariants}'] + list(extra)


def build(outdir, seed, calls, invariants=DEFAULT_INVARIANTS, extra=(),
          top=TOP, board=BOARD):
    """Configure outdir for one seed on a board and build it; the image
    path. Raises RuntimeError with scons' output when a step fails."""
    os.makedirs(outdir, exist_ok=True)
    r = harness.scons(f'O={outdir}', defconfig(board), cwd=top)
    if r.returncode:
        raise RuntimeError(r.stdout)
    with open(os.path.join(outdir, '.config'), 'a') as f:
        f.write(''.join(line + '\n' for line in
                        config_lines(seed, calls, invariants, extra)))
    r = harness.scons(f'O={outdir}', cwd=top)
    if r.returncode:
        raise RuntimeError(r.stdout)
    return os.path.join(outdir, 'image.elf')


def qemu_command(image, board=None):
    """The QEMU command line of a boot; board: the image's own (the
    CONFIG_BOARD of its build directory) unless given."""
    if board is None:
        board = harness.board_of(image)
    return qemu.command(boardmod.load(board), image, extra=QEMU_EXTRA,
                        cpus=qemu.nr_cpus_of(harness.config_of(image)))


def boot(image, timeout, board=None):
    """Boot under -icount on the board the image was built for (or
    board); returns (harness.Boot, seconds)."""
    start = time.monotonic()
    try:
        p = subprocess.run(qemu_command(image, board),
                           stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        status, out = p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        status, out = qemu.TIMEOUT_STATUS, e.stdout or b''
    text = out.decode('utf-8', errors='replace').replace('\r\n', '\n')
    return harness.Boot(status, text, text.splitlines()), \
        time.monotonic() - start


def timeout_for(calls):
    """Generous: a few thousand calls a second is already slow."""
    return 90 + calls // 2000


@dataclass
class Result:
    """What one boot showed."""
    seed: int
    calls_asked: int
    status: int
    seconds: float
    calls: int = 0            # the attackers' own counts, summed
    ticks: int = 0            # virtual ticks the fuzzing took (10 ms each)
    findings: list = field(default_factory=list)  # (what, first line)
    summary: dict = field(default_factory=dict)   # name -> (exit, restarts,
                                                  #   {budget: (peak, size)})
    free: dict = field(default_factory=dict)      # death figures, boot

    @property
    def ok(self):
        return not self.findings


def _first_line(lines, pred):
    return next((l for l in lines if pred(l)), '')


def analyse(b, seed, calls_asked, seconds):
    """Everything that makes a boot of the fuzzing system a failure."""
    res = Result(seed, calls_asked, b.status, seconds)
    lines = [l.rstrip() for l in b.lines]
    add = res.findings.append

    panic = _first_line(lines, lambda l: any(m in l for m in PANIC_MARKS))
    if panic:
        add(('kernel panic', panic))
    if b.timed_out:
        add(('hang: no end before the timeout',
             lines[-1] if lines else '(no output)'))
    for l in lines:
        if ': FINDING ' in l:
            add(('finding', l))
    run = harness.parse_tests(b)
    for key, (ok, why) in run.results.items():
        if not ok:
            add(('failed test', f'TEST {key} FAIL {why}'))
    missing = [c for c in expected_cases() if c not in run.results]
    if missing and not panic and not b.timed_out:
        add(('missing TEST lines', ', '.join(missing)))
    for p in run.problems:
        if p not in ('kernel panic', 'hang: no exit before the timeout'):
            add(('run', p))
    if b.status != 0 and not panic and not b.timed_out:
        add(('exit status', f'{b.status}: ' +
             _first_line(lines, lambda l: 'exit status' in l)))

    for l in lines:
        m = SUMMARY_RE.match(l.strip())
        if m:
            g = [int(x) for x in m.groups()[1:]]
            res.summary[m.group(1)] = (g[0], g[1], {
                n: (g[2 + 2 * i], g[3 + 2 * i])
                for i, n in enumerate(BUDGETS)})
        m = CALLS_RE.match(l)
        if m:
            res.calls += int(m.group(2))
        m = TICKS_RE.match(l)
        if m:
            res.ticks = int(m.group(1))
    for name, (_, restarts, budgets) in res.summary.items():
        for n, (peak, size) in budgets.items():
            if peak > size:
                add(('budget beyond its size',
                     f'{name} {n} {peak}/{size}: ' + _first_line(
                         lines, lambda l, name=name: l.strip().startswith(
                             f'kernel:   {name} '))))
        if name.startswith('attacker') and restarts != LIVES - 1:
            add(('restarts', f'{name}: {restarts}, expected {LIVES - 1}'))

    # free pages: everything gone at the end frees at least what the
    # boot had free; attacker1's calibrating and closing deaths happen
    # with the same objects alive everywhere else
    deaths = {}
    for l in lines:
        m = DEATH_RE.match(l.strip())
        if m:
            deaths.setdefault(m.group(1), []).append(int(m.group(5)))
    boot_free = next((int(m.group(1)) for m in map(BOOT_FREE_RE.match, lines)
                      if m), None)
    res.free = {'boot': boot_free, 'deaths': deaths}
    if deaths and boot_free is not None and not panic:
        last = [l for l in lines if DEATH_RE.match(l.strip())][-1]
        final = int(DEATH_RE.match(last.strip()).group(5))
        if final < boot_free:
            add(('pages leaked', f'{final} pages free when everything '
                 f'had gone, {boot_free} at boot: {last}'))
        a1 = deaths.get('attacker1', [])
        if len(a1) == LIVES and a1[0] - a1[-1] > CACHE_SPARES:
            add(('pages leaked', f'attacker1 died with {a1[0]} pages free '
                 f'in its calibrating life, {a1[-1]} in its closing life '
                 f'(more than the {CACHE_SPARES} spare pages of the slab '
                 f'caches)'))
    if res.ok and res.calls < calls_asked:
        add(('calls', f'the attackers made {res.calls} calls, '
             f'{calls_asked} asked'))
    return res


def reproduce(out, seed, calls, invariants=DEFAULT_INVARIANTS, board=BOARD,
              cpus=1):
    """The commands that rebuild and reboot one seed exactly."""
    d = os.path.relpath(build_dir(out, seed), TOP)
    cfg = '\\n'.join(config_lines(
        seed, calls, invariants,
        [f'CONFIG_NR_CPUS={cpus}'] if cpus > 1 else []))
    q = ' '.join(qemu_command(os.path.join(d, 'image.elf'), board))
    return [f'scons O={d} {defconfig(board)} && printf \'{cfg}\\n\' >> '
            f'{d}/.config && scons O={d}',
            q,
            f'(or: scripts/fuzz'
            + (f' --board {board}' if board != BOARD else '')
            + (f' --cpus {cpus}' if cpus > 1 else '')
            + f' --seed {seed} --calls {calls} --seeds 1'
            + (f' --invariants {invariants}'
               if invariants != DEFAULT_INVARIANTS else '')
            + (f' --out {os.path.relpath(out, TOP)}'
               if os.path.abspath(out) != default_out(board) else '') + ')']


def default_out(board=BOARD):
    """Where scripts/fuzz builds unless told: build/fuzz for the default
    board, build/fuzz-<board> for another."""
    return os.path.join(TOP, 'build',
                        'fuzz' if board == BOARD else f'fuzz-{board}')
