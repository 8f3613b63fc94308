#!/usr/bin/python3
"""Benchmarks: kernel costs in guest instructions (docs/benchmarks.md).

Builds configs/<board>_bench_defconfig (--board, default qemu_virt) into
its own build directory, boots it under QEMU with
-icount shift=0,align=off,sleep=off (virtual time advances one nanosecond
per guest instruction, so the bench counter -- the generic timer's, at
CNTFRQ, or on the Cortex-A9 the A9 global timer at 100 MHz, which user
mode reads through time(TIME_COUNTER) -- advances once per 1e9/rate
instructions) and turns
the bench container's BENCH lines into instructions per operation. Then
builds and boots the boot-cost variants (N tiny containers), prints a
table, writes results.json and draws the two curves (curves.png).

--cpus N (N > 1) does all of it with a kernel for N cores
(CONFIG_NR_CPUS=N, QEMU -smp N) into its own directory
(build/bench-smpN, build/bench-<board>-smpN) and adds the figures of
several cores (containers/bench/figs_smp.c) and of the kernel lock (its
line at the end of the run). Under -icount QEMU runs the cores in turn
and the counter advances with every core's instructions: those figures are
instructions of all cores per operation.

Usage: bench.py [--board NAME] [--cpus N] [--iterations N]
                [--containers 1,8,32] [--out DIR]
                [--profile FIGURE [--profile-iterations N]]
                [--compare BEFORE.json [AFTER.json]]
Exit status: 0 figures reported; 1 the calibration is off by more than 1%
(the run is invalid); 2 a build or boot failed.
"""
import argparse
import datetime
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import board as boardmod  # noqa: E402
import qemu  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The board measured: --board (default qemu_virt) sets both.
BOARD = 'qemu_virt'
DEFCONFIG = f'{BOARD}_bench_defconfig'
# Cores of the measured kernel (--cpus): CONFIG_NR_CPUS and QEMU's -smp.
CPUS = 1


def select_board(name):
    """Measure on board name: its bench defconfig and QEMU line."""
    global BOARD, DEFCONFIG
    if name not in boardmod.names():
        raise BenchError(f'--board {name}: no such board (boards: '
                         f'{", ".join(boardmod.names())})')
    BOARD, DEFCONFIG = name, f'{name}_bench_defconfig'
ICOUNT = ['-icount', 'shift=0,align=off,sleep=off']
CALIBRATION_TOLERANCE = 0.01
CURVE_THREADS = (2, 16, 128, 1024)
CURVE_CONTAINERS = (1, 8, 32)
TINY_SIZE = 0x10000   # region of a boot-variant container: 64 KiB
TINY_STACK = 0x4000

# name: (what it measures, unit, target as (text, bound) or None,
#        Codezero at -O2, Codezero as shipped (-O0))
# Codezero: measured with the same method on QEMU versatilepb (ARM926),
# 100k iterations.
PER_OP = 'instructions/op'
FIGURES = {
    'null_syscall': ('getid of its own ids in a loop (mov, svc, subs, bne)',
                     PER_OP, ('<= 60', 60), 154, 385),
    'ipc_short_same_space': ('call (loop: 7 user instructions) to an echo '
                             'server (reply-wait: 10), registers only, one '
                             'space', PER_OP, None, 1800, 5587),
    'ipc_full_same_space': ('the same, 64 UTCB words each way, one space',
                            PER_OP, None, None, None),
    'ipc_short_other_space': ('call + reply-wait, registers only, two '
                              'spaces', PER_OP, ('<= 300', 300), 1800, 5587),
    'ipc_full_other_space': ('call + reply-wait, 64 UTCB words each way, '
                             'two spaces', PER_OP, None, None, None),
    'ipc_short_other_container': ('call + reply-wait, registers only, two '
                                  'containers (a channel)', PER_OP, None,
                                  None, None),
    'ipc_full_other_container': ('call + reply-wait, 64 UTCB words each way,'
                                 ' two containers', PER_OP, None, None, None),
    'thread_create_destroy': ('thread_control create + destroy + wait (reap)',
                              PER_OP, ('<= 1500', 1500), 3253, 7472),
    'thread_create_run_exit': ('create + run + the thread exits + wait (reap)',
                               PER_OP, None, None, None),
    'page_fault': ('fault, ipc to the pager, map, reply, retry',
                   PER_OP, None, None, None),
    'map_unmap': ('map + unmap of one page', PER_OP, None, None, None),
    'mutex_handoff': ('contended user mutex passed to the other thread',
                      PER_OP, None, None, None),
    'usched_quantum_round_trip': ('a user-scheduled thread\'s quantum runs '
                                  'out: the kernel\'s message, the '
                                  'scheduler\'s receive and sched_control '
                                  'SET, the thread runs again',
                                  PER_OP, None, None, None),
    'cpu_budget_refill': ('a throttled container\'s CPU budget comes back '
                          'while the CPU idles: from the refill\'s due time '
                          'through the timer interrupt, the unthrottle and '
                          'the pick to its thread running again',
                          PER_OP, None, None, None),
    'loader_unpack_per_byte': ('loader: lz4 decode + xxh32 check + bss fill,'
                               ' per output byte', 'instructions/byte', None,
                               None, None),
    'boot_reset_to_started': ('reset to every container started (bench '
                              'system)', 'instructions', None, None, None),
    'kernel_head': ('loader jump to kernel_main (head.S: bss, page table, '
                    'MMU)', 'instructions', None, None, None),
    'kernel_init': ('loader jump to every container started (bench system)',
                    'instructions', None, None, None),
    'kernel_text_bytes': ('kernel .text size', 'bytes',
                          ('<= 48 KiB', 48 * 1024), 58868, 97850),
}


def curve_figure(name):
    """The FIGURES entry of a curve point, for any thread/container count."""
    m = re.match(r'^(ipc_threads|boot_kernel_init|boot_reset_to_started)_'
                 r'(\d+)$', name)
    if not m:
        return None
    kind, n = m.group(1), int(m.group(2))
    if kind == 'ipc_threads':
        return (f'ipc_short_other_space with {n} threads alive', PER_OP,
                ('flat within 5%', None) if n == CURVE_THREADS[-1] else None,
                None, None)
    if kind == 'boot_kernel_init':
        return (f'kernel init (loader jump to all started), {n} tiny '
                'containers', 'instructions', ('<= 50000', 50000)
                if n == 8 else None, 78464 if n == 1 else None,
                176390 if n == 1 else None)
    return (f'reset to all started, {n} tiny containers', 'instructions',
            None, None, None)


for _n in CURVE_THREADS:
    FIGURES[f'ipc_threads_{_n}'] = curve_figure(f'ipc_threads_{_n}')
for _n in CURVE_CONTAINERS:
    for _k in ('boot_kernel_init', 'boot_reset_to_started'):
        FIGURES[f'{_k}_{_n}'] = curve_figure(f'{_k}_{_n}')

# Several cores (--cpus N, N > 1; containers/bench/figs_smp.c and the
# kernel's lock line): left out of a single-core run's table.
PAIRS = (1, 2, 4)
LOCK_UNIT = 'instructions'
SMP_FIGURES = {
    'ipc_short_same_core_smp': ('ipc_short_other_space on the SMP kernel, '
                                'client and server pinned to one core',
                                PER_OP, None, None, None),
    'ipc_short_cross_core': ('ipc_short_other_space, the server pinned to '
                             'another core (woken there by an IPI)',
                             PER_OP, None, None, None),
}
for _n in PAIRS:
    SMP_FIGURES[f'ipc_pairs_{_n}'] = (
        f'{_n} ping-pong pair(s) at once, pair i (client and server) '
        'pinned to core i: instructions of all cores per round trip',
        PER_OP, None, None, None)
SMP_FIGURES.update({
    'lock_hold_mean': ('kernel lock held, mean per acquisition, over the '
                       'whole run (counter ticks x 1e9/rate)', LOCK_UNIT,
                       None, None, None),
    'lock_hold_max': ('kernel lock held, longest', LOCK_UNIT, None, None,
                      None),
    'lock_wait_mean': ('kernel lock waited for, mean per acquisition',
                       LOCK_UNIT, None, None, None),
    'lock_wait_max': ('kernel lock waited for, longest', LOCK_UNIT, None,
                      None, None),
})
FIGURES.update(SMP_FIGURES)

# POSIX (qemu_virt, one core): a boot of its own,
# qemu_virt_posix_bench_defconfig, whose init runs /bin/posixbench
# (containers/posix/bin/posixbench/); instructions of all the code that
# runs (the kernel, the memory and file servers, the processes).
POSIX_DEFCONFIG = 'qemu_virt_posix_bench_defconfig'
POSIX_ITERATIONS = 1000
POSIX_BENCH_DIR = os.path.join(TOP, 'containers', 'posix', 'bin',
                               'posixbench')
POSIX_FIGURES = {
    'posix_fork_exit_wait': ('POSIX fork + the child _exits + the parent\'s '
                             'waitpid reaps it', PER_OP, None, None, None),
    'posix_fork_exec_wait': ('POSIX fork + the child execs a newlib program '
                             'that exits at once + waitpid', PER_OP, None,
                             None, None),
    'posix_cow_fault': ('POSIX copy-on-write fault: the parent\'s first '
                        'write to a private page its child shares',
                        PER_OP, None, None, None),
    'posix_pipe_round_trip': ('POSIX pipe round trip: 1 byte written to a '
                              'child, read, written back, read',
                              PER_OP, None, None, None),
}
FIGURES.update(POSIX_FIGURES)

FIG_RE = re.compile(r'^BENCH fig (\S+) (\d+) (\d+)$')
NA_RE = re.compile(r'^BENCH na (\S+) (.*)$')
START_RE = re.compile(r'^BENCH start cntfrq (\d+) iterations (\d+)')
LOADER_RE = re.compile(r'^loader: bench counters: loader_main (\d+), '
                       r'unpack (\d+) to (\d+)$')
KERNEL_RE = re.compile(r'^kernel: bench counters: loader jump (\d+), '
                       r'kernel_main (\d+), all containers started (\d+)$')
LOCK_RE = re.compile(r'^kernel: lock: (\d+) acquisitions, held (\d+) ticks '
                     r'in all \(max (\d+)\), waited (\d+) in all \(max '
                     r'(\d+)\), counter (\d+) Hz$')


class BenchError(Exception):
    """A build or boot problem: the figures cannot be had."""


# ------------------------------------------------------------ build, boot
def scons(*args):
    jobs = str(max(2, os.cpu_count() or 2))
    return subprocess.run(['scons', '-Q', f'-j{jobs}'] + list(args),
                          cwd=TOP, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


def build(outdir, extra=(), defconfig=None):
    """Configure outdir from the bench defconfig (or defconfig) plus
    CONFIG_ lines; build. Returns the image path."""
    rel = os.path.relpath(outdir, TOP)
    r = scons(f'O={rel}', defconfig or DEFCONFIG)
    if CPUS > 1:
        extra = [f'CONFIG_NR_CPUS={CPUS}'] + list(extra)
    if r.returncode == 0:
        with open(os.path.join(outdir, '.config'), 'a') as f:
            f.write(''.join(line + '\n' for line in extra))
        r = scons(f'O={rel}')
    if r.returncode != 0:
        raise BenchError(f'build of {rel} failed:\n{r.stdout[-3000:]}')
    return os.path.join(outdir, 'image.elf')


def read_config(outdir):
    """The CONFIG_ values of a build directory's .config (last one wins)."""
    cfg = {}
    with open(os.path.join(outdir, '.config')) as f:
        for line in f:
            m = re.match(r'^CONFIG_(\w+)=(.*)$', line.strip())
            if m:
                cfg[m.group(1)] = m.group(2).strip('"')
    return cfg


def boot(image, timeout, stop_line, extra=()):
    """Boot image under icount; returns (status, lines). Stops QEMU a little
    after stop_line (a container left waiting would keep it running)."""
    cmd = qemu.command(boardmod.load(BOARD), image, extra=ICOUNT + list(extra),
                       cpus=CPUS)
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    q = queue.Queue()

    def reader():
        for raw in p.stdout:
            q.put(raw.decode('utf-8', errors='replace').rstrip('\r\n'))
        q.put(None)

    threading.Thread(target=reader, daemon=True).start()
    lines, deadline, seen_stop = [], time.monotonic() + timeout, False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            line = q.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        lines.append(line)
        if line.startswith(stop_line) and not seen_stop:
            seen_stop = True
            deadline = min(deadline, time.monotonic() + 3)
    if p.poll() is None:
        p.kill()
        p.wait()
        status = 0 if seen_stop else qemu.TIMEOUT_STATUS
    else:
        status = p.returncode
    return status, lines


def git_revision():
    try:
        return subprocess.run(['git', 'describe', '--always', '--dirty'],
                              cwd=TOP, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def qemu_version():
    try:
        out = subprocess.run([boardmod.load(BOARD)['qemu']['binary'],
                              '--version'], stdout=subprocess.PIPE,
                             text=True).stdout
        return out.splitlines()[0]
    except (OSError, IndexError):
        return 'unknown'


# ----------------------------------------------------------------- parse
class Run:
    """What one boot printed: counters, figures, unavailable figures."""

    def __init__(self, lines, status):
        self.lines, self.status = lines, status
        self.cntfrq = self.iterations = None
        self.loader = self.kernel = self.lock = None
        self.figs, self.na, self.ended = {}, {}, False
        for line in lines:
            for regex, attr in ((LOADER_RE, 'loader'), (KERNEL_RE, 'kernel'),
                                (LOCK_RE, 'lock')):
                m = regex.match(line)
                if m:
                    setattr(self, attr, tuple(int(g) for g in m.groups()))
            m = START_RE.match(line)
            if m:
                self.cntfrq, self.iterations = int(m.group(1)), int(
                    m.group(2))
            m = FIG_RE.match(line)
            if m:
                self.figs[m.group(1)] = (int(m.group(2)), int(m.group(3)))
            m = NA_RE.match(line)
            if m:
                self.na[m.group(1)] = m.group(2)
            if line == 'BENCH end':
                self.ended = True

    def problems(self, need_bench=True):
        out = []
        text = '\n'.join(self.lines)
        if 'KERNEL PANIC' in text:
            out.append('kernel panic')
        if self.loader is None or self.kernel is None:
            out.append('no loader/kernel counter line')
        if need_bench and not self.ended:
            out.append('no "BENCH end" line')
        if self.status not in (0,):
            out.append(f'exit status {self.status}')
        return out


def ns_per_count(cntfrq):
    return 1e9 / cntfrq


# --------------------------------------------------------------- figures
def record(name, value, iterations, config, revision, na=None, extra=None):
    desc, unit, target, cz2, cz0 = (FIGURES.get(name) or curve_figure(name)
                                    or (name, PER_OP, None, None, None))
    r = {'name': name, 'description': desc, 'unit': unit,
         'instructions_per_op' if unit == PER_OP else 'value': value,
         'iterations': iterations, 'target': target[0] if target else None,
         'codezero_O2': cz2, 'codezero_O0': cz0,
         'configuration': config, 'git_revision': revision}
    if na:
        r['not_available'] = na
    if extra:
        r.update(extra)
    return r


def value_of(rec):
    return rec.get('instructions_per_op', rec.get('value'))


def calibration(run):
    """(measured, expected, ratio) instructions of the calibration loop."""
    if 'calibration' not in run.figs or not run.cntfrq:
        raise BenchError('the bench container printed no calibration line')
    turns, counts = run.figs['calibration']
    measured = counts * ns_per_count(run.cntfrq)
    expected = 2 * turns + 2  # subs, bne per turn; isb + mrrc at the end
    return measured, expected, measured / expected


def calibration_problem(cal):
    """None when the calibration is within tolerance, else why not."""
    ratio = cal[2]
    if abs(ratio - 1) <= CALIBRATION_TOLERANCE:
        return None
    return (f'calibration off by {ratio - 1:+.2%} (more than '
            f'{CALIBRATION_TOLERANCE:.0%}): this run is INVALID, its figures '
            'mean nothing')


def image_sizes(outdir):
    """Raw (unpacked) and in-memory bytes of every part of the image."""
    import inspect_image
    img = inspect_image.load(os.path.join(outdir, 'image.bin'))
    return (sum(p['raw_size'] for p in img.parts),
            sum(p['mem_size'] for p in img.parts))


def kernel_text_bytes(outdir):
    out = subprocess.run(['arm-none-eabi-size', '-A', os.path.join(
        outdir, 'kernel', 'kernel.elf')], stdout=subprocess.PIPE,
        text=True, check=True).stdout
    return sum(int(line.split()[1]) for line in out.splitlines()
               if line.startswith('.text'))


def main_figures(run, outdir, config, rev):
    """Records of the bench system's own boot: figures, boot counters."""
    per_instr = ns_per_count(run.cntfrq)
    recs = []
    for name in FIGURES:
        if name in SMP_FIGURES and (CPUS == 1 or name.startswith('lock_')):
            continue  # one core: not in the table; the lock: lock_figures
        if name in run.figs and name != 'calibration':
            iters, counts = run.figs[name]
            recs.append(record(name, counts * per_instr / iters, iters,
                               config, rev))
        elif name in run.na:
            recs.append(record(name, None, 0, config, rev, na=run.na[name]))
    main_, unpack0, unpack1 = run.loader
    jump, entry, started = run.kernel
    raw, mem = image_sizes(outdir)
    recs.append(record('loader_unpack_per_byte',
                       (unpack1 - unpack0) * per_instr / raw, raw, config,
                       rev, extra={'raw_bytes': raw, 'memory_bytes': mem}))
    recs.append(record('boot_reset_to_started', started * per_instr, 1,
                       config, rev))
    if entry:
        recs.append(record('kernel_head', (entry - jump) * per_instr, 1,
                           config, rev))
    else:  # a memory-mapped counter, unmapped at kernel_main's entry
        recs.append(record('kernel_head', None, 0, config, rev,
                           na='the counter is unreadable before the kernel '
                           'maps it on this board'))
    recs.append(record('kernel_init', (started - jump) * per_instr, 1,
                       config, rev))
    recs.append(record('kernel_text_bytes', kernel_text_bytes(outdir), 1,
                       config, rev))
    return recs


def lock_variant(outdir, timeout, log):
    """The kernel lock's statistics come from a boot of its own, built with
    CONFIG_KLOCK_STATS: counting them costs instructions on every kernel
    entry, which the main boot (built without) leaves out of its figures."""
    vdir = os.path.join(outdir, 'lockstats')
    log('bench: kernel lock statistics variant')
    extra = ['CONFIG_KLOCK_STATS=y']
    cfg = read_config(outdir)
    if cfg.get('BENCH_ITERATIONS'):
        extra.append(f'CONFIG_BENCH_ITERATIONS={cfg["BENCH_ITERATIONS"]}')
    image = build(vdir, extra)
    status, lines = boot(image, timeout, 'BENCH end')
    return Run(lines, status), config_summary(vdir)


def lock_figures(run, config, rev):
    """The kernel lock's line (an SMP kernel with CONFIG_BENCH_COUNTERS
    prints it at the end of the run): hold and wait times per acquisition
    over the whole run (boot, every figure), counter ticks turned into
    instructions at 1e9/rate each (-icount shift=0; the calibration checks
    it), counting the instructions of every core in that time."""
    names = [n for n in SMP_FIGURES if n.startswith('lock_')]
    if run.lock is None:
        return [record(n, None, 0, config, rev, na='the kernel printed no '
                       '"kernel: lock:" line') for n in names]
    acq, held, held_max, waited, waited_max, hz = run.lock
    per = ns_per_count(hz)
    extra = {'acquisitions': acq, 'counter_hz': hz,
             'ticks': {'held_total': held, 'held_max': held_max,
                       'waited_total': waited, 'waited_max': waited_max}}
    vals = {'lock_hold_mean': held * per / max(acq, 1),
            'lock_hold_max': held_max * per,
            'lock_wait_mean': waited * per / max(acq, 1),
            'lock_wait_max': waited_max * per}
    return [record(n, vals[n], acq, config, rev, extra=extra)
            for n in names]


# ------------------------------------------------------ boot-cost variants
def toml_value(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return f'0x{v:x}' if v >= 0x1000 else str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return '[' + ', '.join(toml_value(x) for x in v) + ']'
    raise BenchError(f'cannot write {v!r} into a manifest')


def variant_manifest(template_path, n):
    """A manifest of n tiny bench containers, in the format of the bench
    manifest: its first container's program, virt and priority; each its
    own 64 KiB region."""
    with open(template_path, 'rb') as f:
        tmpl = tomllib.load(f)
    first = tmpl['container'][0]
    out = [f'# {n} tiny containers for the boot-cost curve (tools/bench.py)',
           f'format = {toml_value(tmpl["format"])}', '']
    for i in range(n):
        c = {'name': 'bench' if i == 0 else f'tiny{i}',
             'program': first['program'], 'ram_offset':
             first['ram_offset'] + i * TINY_SIZE, 'virt': first['virt'],
             'size': TINY_SIZE, 'stack': TINY_STACK}
        if 'priority' in first:
            c['priority'] = first['priority']
        out.append('[[container]]')
        out += [f'{k} = {toml_value(v)}' for k, v in c.items()]
        if tmpl['format'] >= 2:  # budgets: 32 x the default would not fit
            out += ['', '[container.budget]', 'threads = 2']
        out.append('')
    return '\n'.join(out)


def build_variant(vdir, n, template, extra=()):
    """Build the bench configuration with n tiny containers into vdir."""
    os.makedirs(vdir, exist_ok=True)
    man = os.path.join(vdir, f'boot-{n}.toml')
    text = variant_manifest(template, n)
    old = open(man).read() if os.path.exists(man) else None
    if old != text:  # keep the file (and the build) when unchanged
        with open(man, 'w') as f:
            f.write(text)
    return build(vdir, [f'CONFIG_MANIFEST="{os.path.relpath(man, TOP)}"',
                        'CONFIG_BENCH_BOOT_ONLY=y'] + list(extra))


def boot_variant(outdir, n, template, timeout):
    vdir = os.path.join(outdir, f'boot-{n}')
    image = build_variant(vdir, n, template)
    status, lines = boot(image, timeout, 'kernel: bench counters')
    run = Run(lines, status)
    bad = run.problems(need_bench=False)
    if bad:
        raise BenchError(f'boot of {vdir} ({n} containers): '
                         f'{", ".join(bad)}\n' + '\n'.join(lines[-20:]))
    return vdir, run


def variant_figures(outdir, counts, template, cntfrq, rev, timeout, log):
    recs = []
    for n in counts:
        log(f'bench: boot-cost variant with {n} containers')
        vdir, run = boot_variant(outdir, n, template, timeout)
        cfg = config_summary(vdir)
        jump, _, started = run.kernel
        per_instr = ns_per_count(cntfrq)
        recs.append(record(f'boot_kernel_init_{n}', (started - jump) *
                           per_instr, 1, cfg, rev, extra={'containers': n}))
        recs.append(record(f'boot_reset_to_started_{n}', started * per_instr,
                           1, cfg, rev, extra={'containers': n}))
    return recs


REFILL_RE = re.compile(r'^kernel: bench cpu refills (\d+) counter (\d+)$')
# The CPU-budget test's hog (eight spinning threads), alone, with a budget
# of 500 us every 1000 us: about a thousand refills while the CPU idles.
REFILL_PROGRAM = 'tests/cpu/hog'
REFILL_BUDGET = (500, 1000)


def refill_manifest(template):
    with open(template, 'rb') as f:
        first = tomllib.load(f)['container'][0]
    budget, period = REFILL_BUDGET
    return '\n'.join([
        '# CPU budget refills for cpu_budget_refill (tools/bench.py)',
        'format = 2', '', '[[container]]', 'name = "hog"',
        f'program = "{REFILL_PROGRAM}"', f'ram_offset = {first["ram_offset"]:#x}',
        f'virt = {first["virt"]:#x}', 'size = 0x100000', 'priority = 255',
        f'cpu = {{ budget_us = {budget}, period_us = {period} }}', '',
        '[container.budget]', 'threads = 7', ''])


def refill_figure(outdir, template, cntfrq, rev, timeout, log):
    """cpu_budget_refill: the kernel adds up, over every refill that ends a
    throttle, the counter ticks from the refill's due time to the
    container's thread running again (CONFIG_BENCH_COUNTERS)."""
    vdir = os.path.join(outdir, 'refill')
    os.makedirs(vdir, exist_ok=True)
    man = os.path.join(vdir, 'refill.toml')
    text = refill_manifest(template)
    if not os.path.exists(man) or open(man).read() != text:
        with open(man, 'w') as f:
            f.write(text)
    log('bench: CPU budget refill variant')
    image = build(vdir, [f'CONFIG_MANIFEST="{os.path.relpath(man, TOP)}"'])
    status, lines = boot(image, timeout, 'kernel: all containers finished')
    found = [REFILL_RE.match(line) for line in lines]
    found = [m for m in found if m]
    if status != 0 or not found:
        raise BenchError(f'refill variant in {vdir}: status {status}, no '
                         '"bench cpu refills" line\n' + '\n'.join(lines[-20:]))
    refills, ticks = int(found[-1].group(1)), int(found[-1].group(2))
    return [record('cpu_budget_refill',
                   ticks * ns_per_count(cntfrq) / refills, refills,
                   config_summary(vdir), rev,
                   extra={'budget_us': REFILL_BUDGET[0],
                          'period_us': REFILL_BUDGET[1]})]


def config_summary(outdir, defconfig=None):
    cfg = read_config(outdir)
    opt = ('-Os' if cfg.get('OPTIMIZE_OS') == 'y' else
           '-O0' if cfg.get('OPTIMIZE_O0') == 'y' else '-O2')
    out = {'defconfig': defconfig or DEFCONFIG,
           'build_dir': os.path.relpath(outdir, TOP),
           'manifest': cfg.get('MANIFEST'),
           'optimisation': opt,
           'debug_asserts': cfg.get('DEBUG_ASSERTS') == 'y',
           'max_threads': int(cfg.get('MAX_THREADS', 0)),
           'tick_hz': int(cfg.get('TICK_HZ', 0)),
           'bench_iterations': int(cfg.get('BENCH_ITERATIONS', 0)),
           'board': BOARD,
           'qemu': f'{qemu_version()}, '
                   + ' '.join(boardmod.load(BOARD)['qemu']['args'][:4]) +
                   ', ' + ' '.join(ICOUNT)}
    if CPUS > 1:  # a single-core run's records stay as they were
        out['nr_cpus'] = int(cfg.get('NR_CPUS', CPUS))
        smp = qemu.smp_args(boardmod.load(BOARD), CPUS)
        out['qemu'] += ''.join(' ' + a for a in smp)  # none: fixed_smp
    return out


# --------------------------------------------------------------- output
def target_status(rec, all_recs):
    """'met', 'missed by N%' or '' for a record with a numeric target."""
    name = rec['name']
    target = (FIGURES.get(name) or curve_figure(name) or (None,) * 5)[2]
    v = value_of(rec)
    if not target or v is None:
        return ''
    if name == f'ipc_threads_{CURVE_THREADS[-1]}':
        vals = [value_of(r) for r in all_recs
                if r['name'].startswith('ipc_threads_') and value_of(r)]
        if len(vals) < 2:
            return ''
        spread = (max(vals) - min(vals)) / min(vals)
        return ('met' if spread <= 0.05 else 'missed') + \
            f' (spread {spread:.1%})'
    bound = target[1]
    if v <= bound:
        return 'met'
    return f'missed by {(v - bound) / bound:.0%}'


def fmt_value(rec):
    v = value_of(rec)
    if v is None:
        return 'n/a'
    if rec['unit'] == 'instructions/byte':
        return f'{v:,.2f}'
    return f'{v:,.0f}'


def table(recs, cal):
    measured, expected, ratio = cal
    rows = [('figure', 'value', 'unit', 'iterations', 'target', 'status',
             'Codezero -O2', '-O0')]
    for r in recs:
        rows.append((r['name'], fmt_value(r), r['unit'].replace(
            'instructions', 'instr'), f"{r['iterations']:,}"
            if r['unit'] == PER_OP and value_of(r) is not None else '',
            r['target'] or '', target_status(r, recs),
            f"{r['codezero_O2']:,}" if r['codezero_O2'] else '',
            f"{r['codezero_O0']:,}" if r['codezero_O0'] else ''))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    valid = calibration_problem(cal) is None
    out = [f'calibration: {measured:,.0f} instructions measured / '
           f'{expected:,} expected = {ratio:.5f} '
           f'({"valid" if valid else "INVALID"}: tolerance '
           f'{CALIBRATION_TOLERANCE:.0%})']
    for i, row in enumerate(rows):
        out.append('  '.join(c.rjust(w) if 0 < j < 4 or j > 5 else c.ljust(w)
                             for j, (c, w) in enumerate(zip(row, widths)))
                   .rstrip())
        if i == 0:
            out.append('  '.join('-' * w for w in widths))
    for r in recs:
        if r.get('not_available'):
            out.append(f"n/a {r['name']}: {r['not_available']}")
    return '\n'.join(out)


def thousands(n):
    return f'{n:,}' if n else ''


def markdown(recs, cal, rev):
    """The table in Markdown, for docs/benchmarks.md."""
    out = [f'Revision `{rev}`; calibration {cal[0]:,.0f} / {cal[1]:,} '
           f'instructions = {cal[2]:.5f}.', '',
           '| figure | value | unit | target | status | Codezero -O2 | '
           'Codezero -O0 |', '|---|---:|---|---|---|---:|---:|']
    for r in recs:
        v = fmt_value(r)
        out.append(f"| `{r['name']}` | {v} | {r['unit']} | "
                   f"{r['target'] or ''} | {target_status(r, recs)} | "
                   f"{thousands(r['codezero_O2'])} | "
                   f"{thousands(r['codezero_O0'])} |")
    for r in recs:
        if r.get('not_available'):
            out.append(f"\n`{r['name']}`: n/a, {r['not_available']}.")
    return '\n'.join(out) + '\n'


def plot(recs, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    ipc = sorted((int(r['name'].rsplit('_', 1)[1]), value_of(r))
                 for r in recs if r['name'].startswith('ipc_threads_')
                 and value_of(r) is not None)
    if ipc:
        xs, ys = zip(*ipc)
        a.plot(xs, ys, 'o-', label='ipc round trip, short, two spaces')
        a.fill_between(xs, [ys[0] * 0.95] * len(xs), [ys[0] * 1.05] * len(xs),
                       alpha=0.15, label='target: within 5% of 2 threads')
        a.set_xscale('log', base=2)
        a.set_xticks(list(xs), [str(x) for x in xs])
        a.set_ylim(0, max(ys) * 1.3)
    a.set_xlabel('threads alive')
    a.set_ylabel('guest instructions per round trip')
    a.set_title('IPC round trip vs. threads alive')
    a.legend(loc='lower right', fontsize=8)
    for key, label in (('boot_kernel_init_', 'kernel init (loader jump to '
                        'all started)'),
                       ('boot_reset_to_started_', 'reset to all started')):
        pts = sorted((r['containers'], value_of(r)) for r in recs
                     if r['name'].startswith(key))
        if pts:
            xs, ys = zip(*pts)
            b.plot(xs, ys, 'o-', label=label)
            b.set_xticks(list(xs))
    b.axhline(50000, color='grey', linestyle='--', linewidth=1,
              label='target: kernel init <= 50,000 at 8 containers')
    b.set_ylim(bottom=0)
    b.set_xlabel('containers')
    b.set_ylabel('guest instructions')
    b.set_title('Boot cost vs. containers')
    b.legend(loc='upper left', fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------- compare
# A figure more than this much above the baseline is a regression
# (tools/tests/test_bench.py, docs/benchmarks.md "Regression check").
REGRESSION_TOLERANCE = 0.10


def load_results(path):
    """The figures of a results.json (as main() writes it): name -> record,
    in the file's order."""
    try:
        with open(path) as f:
            data = json.load(f)
        return {r['name']: r for r in data['figures']}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BenchError(f'{path}: not a results.json of tools/bench.py '
                         f'({e})')


def compare(before, after):
    """Rows (name, unit, before, after, change, relative change, note) over
    every figure of either run: before's order, then those only after. A
    value is None when n/a or absent; change and relative change are None
    unless both have a value (relative: None when before is 0). Every
    figure is a cost: a positive change is worse."""
    rows = []
    for name in list(before) + [n for n in after if n not in before]:
        b, a = before.get(name), after.get(name)
        vb = value_of(b) if b else None
        va = value_of(a) if a else None
        unit = (a or b)['unit']
        if b is None:
            note = 'only after'
        elif a is None:
            note = 'only before'
        elif vb is None or va is None:
            note = 'n/a ' + ('before' if vb is None else '') + \
                (' and ' if vb is None and va is None else '') + \
                ('after' if va is None else '')
        else:
            note = ''
        delta = rel = None
        if vb is not None and va is not None:
            delta = va - vb
            rel = delta / vb if vb else None
            if b['unit'] != a['unit']:
                note = f"unit {b['unit']} before"
        rows.append((name, unit, vb, va, delta, rel, note))
    return rows


def regressions(before, after, tolerance=REGRESSION_TOLERANCE):
    """(name, before, after, relative change) of every figure with a value
    in both runs that is more than tolerance above its value before."""
    return [(name, vb, va, rel) for name, _, vb, va, _, rel, _ in
            compare(before, after)
            if rel is not None and rel > tolerance]


def fmt_number(v, unit):
    if v is None:
        return ''
    if unit == 'instructions/byte' or (v != int(v) and abs(v) < 100):
        return f'{v:,.2f}'
    if v != int(v):
        return f'{v:,.1f}'
    return f'{v:,.0f}'


def compare_table(rows, before_name, after_name):
    """The comparison as text: one line per figure."""
    out = [f'before: {before_name}', f'after:  {after_name}']
    table_rows = [('figure', 'before', 'after', 'change', 'relative',
                   'unit', '')]
    for name, unit, vb, va, delta, rel, note in rows:
        table_rows.append((
            name, fmt_number(vb, unit) or '-', fmt_number(va, unit) or '-',
            ('+' if delta and delta > 0 else '') + fmt_number(delta, unit)
            if delta is not None else '',
            f'{rel:+.2%}' if rel is not None else '',
            unit.replace('instructions', 'instr'), note))
    widths = [max(len(r[i]) for r in table_rows)
              for i in range(len(table_rows[0]))]
    for i, row in enumerate(table_rows):
        out.append('  '.join(c.rjust(w) if 0 < j < 5 else c.ljust(w)
                             for j, (c, w) in enumerate(zip(row, widths)))
                   .rstrip())
        if i == 0:
            out.append('  '.join('-' * w for w in widths))
    same = 0.001  # the counter's resolution shows at a few iterations
    worse = [r for r in rows if r[5] is not None and r[5] > same]
    better = [r for r in rows if r[5] is not None and r[5] < -same]
    unchanged = [r for r in rows if r[5] is not None and abs(r[5]) <= same]
    out.append(f'{len(better)} better, {len(worse)} worse, '
               f'{len(unchanged)} the same (within 0.1 %); '
               f'{sum(1 for r in rows if r[6].startswith("only"))} in one '
               'run only, '
               f'{sum(1 for r in rows if r[6].startswith("n/a"))} n/a in '
               'one or both (every figure is a cost: + is worse)')
    return '\n'.join(out)


# ----------------------------------------------------------------- POSIX
def posix_files(pdir, iterations):
    """The POSIX bench system's file tree, made in pdir: rootfs/ with
    etc/init = "/bin/posixbench <iterations>" (the server's init execs
    what /etc/init names, docs/posix.md) and the README of
    containers/posix/bin/posixbench/rootfs/, and bin/ beside it, a link to
    posixbench/bin/ (the build puts the programs of a files folder's
    sibling bin/ into its /bin). Returns the rootfs path."""
    root = os.path.join(pdir, 'rootfs')
    os.makedirs(os.path.join(root, 'etc'), exist_ok=True)
    shutil.copyfile(os.path.join(POSIX_BENCH_DIR, 'rootfs', 'README'),
                    os.path.join(root, 'README'))
    init = f'/bin/posixbench {iterations}\n'
    path = os.path.join(root, 'etc', 'init')
    if not os.path.exists(path) or open(path).read() != init:
        with open(path, 'w') as f:
            f.write(init)
    link = os.path.join(pdir, 'bin')
    if not os.path.islink(link):
        os.symlink(os.path.join(POSIX_BENCH_DIR, 'bin'), link)
    return root


def posix_manifest(template, files):
    """configs/posix_bench.toml with its files folder replaced by files
    (the tree posix_files made in the build directory)."""
    out = []
    for line in open(template).read().splitlines():
        m = re.match(r'^files\s*=\s*"([^"]*)"(.*)$', line)
        if m:
            line = f'files = "{files}"{m.group(2)}'
        out.append(line)
    return '\n'.join(out) + '\n'


def posix_figures(outdir, iterations, rev, timeout, log):
    """Build and boot the POSIX bench system into outdir/posix: the
    records of its figures (n/a with the reason when a figure failed)."""
    pdir = os.path.join(outdir, 'posix')
    os.makedirs(pdir, exist_ok=True)
    log(f'bench: POSIX figures ({POSIX_DEFCONFIG}, {iterations} '
        'iterations)')
    man = os.path.join(pdir, 'posix_bench.toml')
    text = posix_manifest(os.path.join(TOP, 'configs', 'posix_bench.toml'),
                          posix_files(pdir, iterations))
    if not os.path.exists(man) or open(man).read() != text:
        with open(man, 'w') as f:
            f.write(text)
    image = build(pdir, [f'CONFIG_MANIFEST="{os.path.relpath(man, TOP)}"',
                         f'CONFIG_BENCH_ITERATIONS={iterations}'],
                  defconfig=POSIX_DEFCONFIG)
    status, lines = boot(image, timeout, 'BENCH end')
    with open(os.path.join(pdir, 'console.log'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    run = Run(lines, status)
    bad = run.problems()
    if bad or not run.cntfrq:
        raise BenchError(f'POSIX bench boot: '
                         f'{", ".join(bad) or "no BENCH start"}\n' +
                         '\n'.join(lines[-30:]))
    cfg = config_summary(pdir, POSIX_DEFCONFIG)
    per_instr = ns_per_count(run.cntfrq)
    recs = []
    for name in POSIX_FIGURES:
        if name in run.figs:
            iters, counts = run.figs[name]
            recs.append(record(name, counts * per_instr / iters, iters, cfg,
                               rev))
        else:
            recs.append(record(name, None, 0, cfg, rev, na=run.na.get(
                name, 'not printed by /bin/posixbench')))
    return recs


# ------------------------------------------------------------------ main
def run_bench(args, log):
    outdir = os.path.abspath(args.out)
    # several cores: the figures without the lock's statistics (their own
    # boot, lock_variant)
    extra = ['CONFIG_KLOCK_STATS=n'] if CPUS > 1 else []
    if args.iterations:
        extra.append(f'CONFIG_BENCH_ITERATIONS={args.iterations}')
    log(f'bench: building {DEFCONFIG} into {os.path.relpath(outdir, TOP)}')
    image = build(outdir, extra)
    cfg = config_summary(outdir)
    log(f'bench: booting under QEMU {" ".join(ICOUNT)} '
        f'({cfg["bench_iterations"]} iterations per figure)')
    t0 = time.monotonic()
    status, lines = boot(image, args.timeout, 'BENCH end')
    run = Run(lines, status)
    bad = run.problems()
    if bad or not run.cntfrq:
        raise BenchError(f'bench boot: {", ".join(bad) or "no BENCH start"}'
                         '\n' + '\n'.join(lines[-30:]))
    log(f'bench: booted in {time.monotonic() - t0:.1f} s')
    with open(os.path.join(outdir, 'console.log'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    cal = calibration(run)
    rev = git_revision()
    recs = main_figures(run, outdir, cfg, rev)
    template = os.path.join(TOP, read_config(outdir)['MANIFEST'])
    recs += variant_figures(outdir, args.containers, template, run.cntfrq,
                            rev, args.timeout, log)
    recs += refill_figure(outdir, template, run.cntfrq, rev, args.timeout,
                          log)
    if CPUS > 1:
        lock_run, lock_cfg = lock_variant(outdir, args.timeout, log)
        recs += lock_figures(lock_run, lock_cfg, rev)
    if args.posix:
        recs += posix_figures(outdir, args.posix_iterations, rev,
                              args.timeout, log)
    return run, cal, cfg, rev, recs


def order(recs):
    """The table's order: FIGURES, curve points by kind then count."""
    names = list(FIGURES)

    def key(r):
        m = re.match(r'^(.*)_(\d+)$', r['name'])
        if r['name'] in names and not (m and curve_figure(r['name'])):
            return (names.index(r['name']), 0)
        first = min((i for i, n in enumerate(names)
                     if n.startswith(m.group(1) + '_')), default=len(names))
        return (first, int(m.group(2)))
    return sorted(recs, key=key)


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog='scripts/bench', description=__doc__.splitlines()[0])
    ap.add_argument('--iterations', type=int,
                    help='measured iterations per figure (default: the '
                    'defconfig\'s CONFIG_BENCH_ITERATIONS)')
    ap.add_argument('--containers', default=','.join(
        str(n) for n in CURVE_CONTAINERS),
        help='container counts of the boot-cost curve (default %(default)s;'
        ' "" for none)')
    ap.add_argument('--board', default='qemu_virt',
                    help='the board to measure (default %(default)s; '
                    'see scons help)')
    ap.add_argument('--cpus', type=int, default=1,
                    help='cores: a kernel with CONFIG_NR_CPUS=N booted '
                    'with -smp N, plus the figures of several cores '
                    '(default %(default)s)')
    ap.add_argument('--out',
                    help='build and output directory (default build/bench, '
                    'build/bench-<board> for another board; with --cpus N '
                    'above 1, build/bench-smpN or build/bench-<board>-smpN)')
    ap.add_argument('--no-posix', dest='posix', action='store_false',
                    help='leave out the POSIX figures (their own boot; '
                    'qemu_virt, one core only)')
    ap.add_argument('--posix-iterations', type=int,
                    default=POSIX_ITERATIONS,
                    help='iterations of each POSIX figure (default '
                    '%(default)s)')
    ap.add_argument('--timeout', type=int, default=900,
                    help='seconds allowed for one boot')
    ap.add_argument('--profile', metavar='FIGURE',
                    help='instead: attribute one figure\'s instructions to '
                    'functions (FIGURE as in the table, or boot)')
    ap.add_argument('--profile-iterations', type=int, default=200)
    ap.add_argument('--compare', nargs='+', metavar='RESULTS_JSON',
                    help='BEFORE [AFTER]: print every figure of two runs '
                    '(results.json files) with its change; with BEFORE '
                    'alone, against this run (after its table)')
    args = ap.parse_args(argv)
    if args.compare and len(args.compare) > 2:
        ap.error('--compare: BEFORE [AFTER], two results.json files at most')
    if args.compare and args.profile:
        ap.error('--compare: not with --profile')
    try:
        args.containers = [int(x) for x in args.containers.split(',') if x]
    except ValueError:
        ap.error('--containers: a comma-separated list of numbers')
    if any(n < 1 or n > 64 for n in args.containers):
        ap.error('--containers: 1..64 containers')
    if args.board not in boardmod.names():
        ap.error(f'--board {args.board}: no such board (boards: '
                 f'{", ".join(boardmod.names())})')
    if not 1 <= args.cpus <= 8:
        ap.error('--cpus: 1..8 cores')
    if args.profile and args.cpus > 1:
        ap.error('--profile: one core only (tools/bench_profile.py boots '
                 'without -smp)')
    if args.posix_iterations < 1:
        ap.error('--posix-iterations: at least 1')
    # the POSIX system: qemu_virt's generic timer, one core
    args.posix = args.posix and args.board == 'qemu_virt' and \
        args.cpus == 1
    select_board(args.board)
    global CPUS
    CPUS = args.cpus
    if not args.out:
        args.out = os.path.join(TOP, 'build', 'bench' if args.board ==
                                'qemu_virt' else f'bench-{args.board}')
        if CPUS > 1:
            args.out += f'-smp{CPUS}'
    return args


def main(argv=None):
    args = parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    if args.compare and len(args.compare) == 2:
        try:
            before, after = (load_results(p) for p in args.compare)
        except BenchError as e:
            print(f'bench: error: {e}', file=sys.stderr)
            return 2
        print(compare_table(compare(before, after), *args.compare))
        return 0
    baseline = None
    if args.compare:  # read before the run: a bad file fails at once
        try:
            baseline = load_results(args.compare[0])
        except BenchError as e:
            print(f'bench: error: {e}', file=sys.stderr)
            return 2
    if args.profile:
        import bench_profile
        try:
            return bench_profile.main(args, log)
        except BenchError as e:
            print(f'bench: error: {e}', file=sys.stderr)
            return 2
    try:
        run, cal, cfg, rev, recs = run_bench(args, log)
    except BenchError as e:
        print(f'bench: error: {e}', file=sys.stderr)
        return 2
    recs = order(recs)
    problem = calibration_problem(cal)
    results = {
        'date': datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec='seconds'),
        'git_revision': rev,
        'method': 'QEMU ' + ' '.join(ICOUNT) + ': 1 ns of virtual time per '
                  'guest instruction; the bench counter at its rate '
                  '(generic timer: CNTFRQ; Cortex-A9: the global timer, '
                  '100 MHz, read through time(TIME_COUNTER))',
        'cntfrq_hz': run.cntfrq,
        'instructions_per_count': ns_per_count(run.cntfrq),
        'calibration': {'measured': cal[0], 'expected': cal[1],
                        'ratio': cal[2], 'valid': problem is None,
                        'tolerance': CALIBRATION_TOLERANCE},
        'figures': recs,
    }
    outdir = os.path.abspath(args.out)
    with open(os.path.join(outdir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
        f.write('\n')
    plot(recs, os.path.join(outdir, 'curves.png'))
    with open(os.path.join(outdir, 'results.md'), 'w') as f:
        f.write(markdown(recs, cal, rev))
    print(table(recs, cal))
    rel = os.path.relpath(outdir, TOP)
    print(f'\nresults: {rel}/results.json, plot: {rel}/curves.png, '
          f'console: {rel}/console.log (revision {rev})')
    if baseline is not None:
        print()
        print(compare_table(compare(baseline, {r['name']: r for r in recs}),
                            args.compare[0], f'this run ({rel}, {rev})'))
    if problem:
        print(f'bench: error: {problem}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
