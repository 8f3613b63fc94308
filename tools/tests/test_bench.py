"""The benchmark suite (scripts/bench, docs/benchmarks.md) keeps working.

Runs tools/bench.py on the bench configuration with few iterations and one
small boot-cost variant, into build/test/bench: every figure must be
reported (a number, or n/a with a reason), the calibration must be valid,
results.json and the plot must be written. The figures themselves are never
asserted: this is not a timed test. A profile run checks that the
per-function attribution adds up to what the counter measured.
"""
import json
import os
import re
import subprocess

import pytest

import bench
import board as boardmod
import manifest as manifestmod
from conftest import BOARDS, TEST_BUILD, TOP

OUT = os.path.join(TEST_BUILD, 'bench')
PY = '/usr/bin/python3'
GUEST_FIGURES = [
    'null_syscall', 'ipc_short_same_space', 'ipc_full_same_space',
    'ipc_short_other_space', 'ipc_full_other_space',
    'ipc_short_other_container', 'ipc_full_other_container',
    'thread_create_destroy', 'thread_create_run_exit', 'page_fault',
    'map_unmap', 'mutex_handoff', 'usched_quantum_round_trip',
    'ipc_threads_2', 'ipc_threads_16',
    'ipc_threads_128', 'ipc_threads_1024',
]
# Iterations and boot-cost containers of each board's run. On qemu_virt
# the run is also the regression check against docs/bench_baseline.json
# (test_no_figure_regressed): 200 iterations put every per-operation
# figure within 0.2 % of the baseline's 10,000 (the counter's 16
# instructions per count divided by 20 iterations are 1.2 % of
# null_syscall), and 8 containers is a point of the baseline's curve.
RUN_ARGS = {'qemu_virt': (200, 8)}
DEFAULT_RUN_ARGS = (20, 2)
BASELINE = os.path.join(TOP, 'docs', 'bench_baseline.json')


def run_args(board_name):
    return RUN_ARGS.get(board_name, DEFAULT_RUN_ARGS)


def host_figures(board_name):
    n = run_args(board_name)[1]
    return ['loader_unpack_per_byte', 'boot_reset_to_started',
            'kernel_head', 'kernel_init', 'kernel_text_bytes',
            f'boot_kernel_init_{n}', f'boot_reset_to_started_{n}']


# qemu_virt, one core only: the POSIX bench system's own boot
# (qemu_virt_posix_bench_defconfig, /bin/posixbench), 20 iterations here
# (the figures are within 0.1 % of the default 1,000's).
POSIX_FIGURES = ['posix_fork_exit_wait', 'posix_fork_exec_wait',
                 'posix_cow_fault', 'posix_pipe_round_trip']
POSIX_ITERATIONS = 20

# scripts/bench --cpus N (N > 1) only: containers/bench/figs_smp.c and
# the kernel lock's line.
SMP_FIGURES = ['ipc_short_same_core_smp', 'ipc_short_cross_core',
               'ipc_pairs_1', 'ipc_pairs_2', 'ipc_pairs_4',
               'lock_hold_mean', 'lock_hold_max', 'lock_wait_mean',
               'lock_wait_max']


def out_dir(board_name):
    return OUT if board_name == 'qemu_virt' else f'{OUT}-{board_name}'


def bench_cmd(*args, board_name='qemu_virt'):
    return subprocess.run([PY, 'tools/bench.py', '--board', board_name,
                           '--out', out_dir(board_name)] + list(args),
                          cwd=TOP, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=600)


# The same table on every board (scripts/bench --board).
@pytest.fixture(scope='module', params=BOARDS)
def run(request):
    name = request.param
    iterations, containers = run_args(name)
    p = bench_cmd('--iterations', str(iterations), '--containers',
                  str(containers), '--posix-iterations',
                  str(POSIX_ITERATIONS), board_name=name)
    results = None
    path = os.path.join(out_dir(name), 'results.json')
    if p.returncode in (0, 1) and os.path.exists(path):
        with open(path) as f:
            results = json.load(f)
    return p, results, name


def test_runs_and_exits_zero(run):
    p, results, _ = run
    assert p.returncode == 0, p.stdout + p.stderr
    assert results is not None


def test_calibration_is_valid_and_printed(run):
    p, results, _ = run
    cal = results['calibration']
    assert cal['valid'] and abs(cal['ratio'] - 1) <= 0.01, cal
    assert re.search(r'^calibration: .* measured / .* expected = '
                     r'[0-9.]+ \(valid', p.stdout, re.M), p.stdout


def test_every_figure_is_reported(run):
    _, results, board_name = run
    recs = {r['name']: r for r in results['figures']}
    for name in GUEST_FIGURES + host_figures(board_name):
        assert name in recs, f'{name} missing from results.json'
        r = recs[name]
        v = bench.value_of(r)
        if v is None:  # n/a must say why
            assert r.get('not_available'), r
        else:
            assert v > 0, r
    # one core: the figures of several cores stay out of the table
    assert not set(SMP_FIGURES) & set(recs), sorted(recs)
    # the POSIX figures: qemu_virt only, each with a value
    if board_name == 'qemu_virt':
        for name in POSIX_FIGURES:
            assert name in recs, f'{name} missing from results.json'
            assert (bench.value_of(recs[name]) or 0) > 0, recs[name]
            assert recs[name]['iterations'] == POSIX_ITERATIONS
    else:
        assert not set(POSIX_FIGURES) & set(recs), sorted(recs)


def test_posix_figures_are_plausible(run):
    """Sanity of the POSIX figures (never timed: instruction counts).
    fork + exit + wait is many ipc round trips and a space made and torn
    down; exec is a fork + exit + wait plus reading and mapping a program;
    the copy-on-write fault is a page fault plus a page copied (page_fault
    maps a fresh page and copies nothing); a pipe round trip is at least
    four calls to the file server."""
    _, results, board_name = run
    if board_name != 'qemu_virt':
        pytest.skip('the POSIX figures are of qemu_virt')
    v = {r['name']: bench.value_of(r) for r in results['figures']}
    ipc = v['ipc_short_other_space']
    assert v['posix_fork_exit_wait'] > 10 * ipc, v
    assert v['posix_fork_exec_wait'] > v['posix_fork_exit_wait'], v
    assert v['posix_cow_fault'] > v['page_fault'], v
    assert v['posix_cow_fault'] < v['posix_fork_exit_wait'], v
    assert v['posix_pipe_round_trip'] > 4 * ipc, v
    with open(os.path.join(out_dir(board_name), 'posix',
                           'console.log')) as f:
        console = f.read()
    assert 'posix: init ended with status 0x0' in console, console[-2000:]


def test_posix_files_name_the_bench_in_etc_init(tmp_path):
    """The POSIX bench system's file tree: /etc/init runs /bin/posixbench
    with the iteration count, its programs come from posixbench/bin/, and
    the manifest is configs/posix_bench.toml with that tree as files."""
    root = bench.posix_files(str(tmp_path), 123)
    with open(os.path.join(root, 'etc', 'init')) as f:
        assert f.read() == '/bin/posixbench 123\n'
    assert os.path.samefile(os.path.join(tmp_path, 'bin'),
                            os.path.join(bench.POSIX_BENCH_DIR, 'bin'))
    man = bench.posix_manifest(os.path.join(TOP, 'configs',
                                            'posix_bench.toml'), root)
    assert 'program = "posix/server"' in man
    assert f'files = "{root}"' in man


def test_records_say_how_they_were_made(run):
    _, results, name = run
    for r in results['figures']:
        for key in ('name', 'unit', 'iterations', 'configuration',
                    'git_revision'):
            assert key in r, (key, r)
        assert r['configuration']['defconfig'] == (
            bench.POSIX_DEFCONFIG if r['name'] in POSIX_FIGURES
            else f'{name}_bench_defconfig')
    per_op = [r for r in results['figures'] if r['name'] in GUEST_FIGURES
              and bench.value_of(r) is not None]
    # mutex_handoff counts both threads' passes; the user-scheduling
    # figure runs at most 50 quanta
    assert per_op and all(r['iterations'] == run_args(name)[0] or
                          r['name'] in ('mutex_handoff',
                                        'usched_quantum_round_trip')
                          for r in per_op)


def test_table_has_targets_and_plot_is_written(run):
    p, _, board_name = run
    assert 'target' in p.stdout and 'Codezero' in p.stdout
    for name in GUEST_FIGURES:
        assert re.search(rf'^{name}\s', p.stdout, re.M), name
    with open(os.path.join(out_dir(board_name), 'curves.png'), 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_no_figure_regressed(run):
    """The regression check: on qemu_virt (one core) no figure of this run
    is more than 10 % above docs/bench_baseline.json (scripts/bench with
    the defaults; docs/benchmarks.md says when to refresh it). Instruction
    counts under -icount are deterministic: this is not a timed test."""
    p, results, board_name = run
    if board_name != 'qemu_virt':
        pytest.skip('the baseline is of qemu_virt')
    assert p.returncode == 0, p.stdout + p.stderr
    baseline = bench.load_results(BASELINE)
    now = {r['name']: r for r in results['figures']}
    iterations, containers = run_args(board_name)
    rel_out = os.path.relpath(out_dir(board_name), TOP)
    cmd = (f'scripts/bench --iterations {iterations} --containers '
           f'{containers} --out {rel_out} --compare '
           f'{os.path.relpath(BASELINE, TOP)}')
    worse = [f'{name}: {bench.fmt_number(a, now[name]["unit"])} against '
             f'the baseline\'s {bench.fmt_number(b, now[name]["unit"])} '
             f'{now[name]["unit"]} ({rel:+.1%})'
             for name, b, a, rel in bench.regressions(baseline, now)]
    assert not worse, (
        f'{len(worse)} figure(s) more than '
        f'{bench.REGRESSION_TOLERANCE:.0%} worse than '
        f'{os.path.relpath(BASELINE, TOP)} (revision '
        f'{next(iter(baseline.values()))["git_revision"]}):\n  ' +
        '\n  '.join(worse) + f'\nreproduce: {cmd}')
    # what the check compares: every figure of this run but the curve
    # points the baseline does not have
    compared = [r for r in bench.compare(baseline, now)
                if r[4] is not None]
    assert len(compared) >= len(GUEST_FIGURES) + 5, compared


def test_baseline_is_a_default_run():
    """docs/bench_baseline.json is a whole default run on qemu_virt, one
    core: scripts/bench's own results.json."""
    baseline = bench.load_results(BASELINE)
    for name in GUEST_FIGURES + host_figures('qemu_virt') + [
            'cpu_budget_refill'] + POSIX_FIGURES:
        assert name in baseline, name
        assert bench.value_of(baseline[name]) or \
            baseline[name].get('not_available'), baseline[name]
    for r in baseline.values():
        cfg = r['configuration']
        assert cfg['board'] == 'qemu_virt' and 'nr_cpus' not in cfg, r
    assert baseline['null_syscall']['iterations'] == 10000


def write_results(path, figures):
    recs = [bench.record(name, value, 10, {}, 'abc') for name, value in
            figures.items()]
    with open(path, 'w') as f:
        json.dump({'figures': recs}, f)


def test_compare(tmp_path):
    """scripts/bench --compare BEFORE AFTER: every figure of either run
    with its change; those of one run only and the n/a marked; the
    regression check's list."""
    before, after = tmp_path / 'before.json', tmp_path / 'after.json'
    write_results(before, {'null_syscall': 66, 'map_unmap': 1500,
                           'kernel_init': 1000, 'page_fault': 2000,
                           'boot_kernel_init_1': 5})
    write_results(after, {'null_syscall': 66, 'map_unmap': 1651,
                          'kernel_init': 900, 'page_fault': None,
                          'boot_kernel_init_8': 7})
    p = subprocess.run([PY, 'tools/bench.py', '--compare', str(before),
                        str(after)], cwd=TOP, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert re.search(r'^null_syscall\s+66\s+66\s+0\s+\+0\.00%', out,
                     re.M), out
    assert re.search(r'^map_unmap\s+1,500\s+1,651\s+\+151\s+\+10\.07%',
                     out, re.M), out
    assert re.search(r'^kernel_init\s+1,000\s+900\s+-100\s+-10\.00%', out,
                     re.M), out
    assert re.search(r'^page_fault\s+2,000\s+-\s.*n/a after$', out,
                     re.M), out
    assert re.search(r'^boot_kernel_init_1\s+5\s+-\s.*only before$', out,
                     re.M), out
    assert re.search(r'^boot_kernel_init_8\s+-\s+7\s.*only after$', out,
                     re.M), out
    assert ('1 better, 1 worse, 1 the same (within 0.1 %); 2 in one run '
            'only, 1 n/a') in out
    regs = bench.regressions(bench.load_results(before),
                             bench.load_results(after))
    assert [(n, b, a) for n, b, a, _ in regs] == [('map_unmap', 1500, 1651)]
    assert bench.regressions(bench.load_results(before),
                             bench.load_results(after), 0.2) == []
    bad = subprocess.run([PY, 'tools/bench.py', '--compare',
                          str(tmp_path / 'none.json'), str(after)], cwd=TOP,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, timeout=60)
    assert bad.returncode == 2 and 'none.json' in bad.stderr, bad.stderr


def bench_on_cores(n):
    """scripts/bench --cpus n, 20 iterations, no boot curve, into
    build/test/bench-smp<n>: (its out dir, the finished process)."""
    out = f'{OUT}-smp{n}'
    p = subprocess.run([PY, 'tools/bench.py', '--cpus', str(n),
                        '--iterations', '20', '--containers', '', '--out',
                        out], cwd=TOP, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    return out, p


def test_several_cores():
    """scripts/bench --cpus 4 on qemu_virt: a four-core kernel under -smp 4
    (build/test/bench-smp4) reports every figure of several cores with a
    value (none n/a with four cores online), the lock figures from the
    kernel's line, and the usual figures beside them. Sanity only: the
    round trip with the server on another core costs more than on the
    same core, one pair costs about what the pinned round trip does, more
    pairs at once cost no less per round trip (instructions of all cores
    under -icount), a maximum is no smaller than its mean."""
    out, p = bench_on_cores(4)
    with open(os.path.join(out, 'results.json')) as f:
        results = json.load(f)
    assert results['calibration']['valid'], results['calibration']
    recs = {r['name']: r for r in results['figures']}
    v = {}
    for name in SMP_FIGURES + GUEST_FIGURES + ['boot_reset_to_started']:
        assert name in recs, f'{name} missing from results.json'
        assert not recs[name].get('not_available'), recs[name]
        v[name] = bench.value_of(recs[name])
        assert v[name] > 0, recs[name]
        assert re.search(rf'^{name}\s', p.stdout, re.M), name
    for r in results['figures']:
        assert r['configuration']['nr_cpus'] == 4, r
        assert '-smp 4' in r['configuration']['qemu'], r
    assert recs['lock_hold_mean']['acquisitions'] > 0
    same, cross = v['ipc_short_same_core_smp'], v['ipc_short_cross_core']
    assert cross > same, (same, cross)
    assert abs(v['ipc_pairs_1'] - same) <= 0.1 * same, (v['ipc_pairs_1'],
                                                        same)
    for n in (2, 4):  # the cores cost each other, never save
        assert v[f'ipc_pairs_{n}'] >= 0.9 * v['ipc_pairs_1'], v
    assert v['lock_hold_max'] >= v['lock_hold_mean']
    assert v['lock_wait_max'] >= v['lock_wait_mean']
    with open(os.path.join(out, 'console.log')) as f:
        console = f.read()
    assert 'kernel: 4 of 4 cpus online' in console
    # the figures' boot counts nothing on the lock (CONFIG_KLOCK_STATS=n);
    # its statistics come from a boot of their own
    assert not re.search(r'^kernel: lock:', console, re.M)
    with open(os.path.join(out, 'lockstats', '.config')) as f:
        assert 'CONFIG_KLOCK_STATS=y' in f.read()


def test_variant_manifests_are_valid():
    """The generated boot-cost manifests pass the manifest checks."""
    board = boardmod.load(bench.BOARD)
    path = os.path.join(TEST_BUILD, 'bench-variant-32.toml')
    os.makedirs(TEST_BUILD, exist_ok=True)
    with open(path, 'w') as f:
        f.write(bench.variant_manifest(
            os.path.join(TOP, 'configs', 'bench.toml'), 32))
    m = manifestmod.load(path, board, os.path.join(TOP, 'containers'),
                         1152)
    assert len(m.containers) == 32


def test_output_lines_are_parsed():
    lines = ['loader: bench counters: loader_main 10, unpack 20 to 120',
             'kernel: bench counters: loader jump 130, kernel_main 140, '
             'all containers started 200',
             'BENCH start cntfrq 62500000 iterations 5 warmup 10',
             'BENCH fig calibration 1000 125',
             'BENCH fig null_syscall 5 40',
             'BENCH na ipc_full_other_container no peer',
             'BENCH end']
    r = bench.Run(lines, 0)
    assert r.problems() == []
    assert r.loader == (10, 20, 120) and r.kernel == (130, 140, 200)
    assert r.figs['null_syscall'] == (5, 40)
    assert r.na == {'ipc_full_other_container': 'no peer'}
    measured, expected, ratio = bench.calibration(r)
    assert (measured, expected) == (2000, 2002)
    assert bench.calibration_problem((measured, expected, ratio)) is None
    assert 'INVALID' in bench.calibration_problem((2050, 2000, 1.025))
    assert 'no "BENCH end" line' in bench.Run(lines[:-1], 0).problems()


def test_profile_adds_up_to_the_measurement():
    p = bench_cmd('--profile', 'null_syscall', '--profile-iterations', '20')
    assert p.returncode == 0, p.stdout + p.stderr
    m = re.search(r'counter measured ([0-9.,]+) in this run', p.stdout)
    total = re.search(r'^\s+([0-9.,]+)\s+100\.0%\s+total$', p.stdout, re.M)
    assert m and total, p.stdout
    measured = float(m.group(1).replace(',', ''))
    attributed = float(total.group(1).replace(',', ''))
    assert abs(attributed - measured) <= 0.05 * measured, p.stdout
    assert re.search(r'\bkernel\b', p.stdout)


def test_two_cores():
    """scripts/bench --cpus 2: every figure of several cores has a value
    but ipc_pairs_4, n/a with its reason (two cores online); every usual
    figure is reported, a number or n/a with a reason."""
    out, p = bench_on_cores(2)
    with open(os.path.join(out, 'results.json')) as f:
        recs = {r['name']: r for r in json.load(f)['figures']}
    assert recs['ipc_pairs_4'].get('not_available'), recs['ipc_pairs_4']
    for name in SMP_FIGURES:
        if name != 'ipc_pairs_4':
            assert bench.value_of(recs[name]) > 0, recs[name]
    for name in GUEST_FIGURES:
        r = recs[name]
        assert (bench.value_of(r) or 0) > 0 or r.get('not_available'), r
    for r in recs.values():
        assert r['configuration']['nr_cpus'] == 2, r
