"""Host fuzzing (docs/testing.md, "Host fuzzing"): builds the libFuzzer
targets of loader/fuzz/ ('scons fuzz-host'), runs each over its seed corpus
and then a short campaign that is the same every time (fixed seed, fixed
number of runs, on a copy of the corpus so the tree does not change), and
checks that the boot infos the kernel once read past the end of
(loader/fuzz/known/) are refused. scripts/fuzz-host runs the long campaigns."""
import glob
import os
import re
import shutil
import subprocess

import pytest

import harness
from conftest import TEST_BUILD, TOP

FUZZ_BUILD = os.path.join(TEST_BUILD, 'fuzz')
FUZZ_SRC = os.path.join(TOP, 'loader', 'fuzz')
# runs per target: a few seconds each on one core
RUNS = {
    'fuzz_image_table': 80000,
    'fuzz_lz4frame': 150000,
    'fuzz_lz4_roundtrip': 100000,
    'fuzz_bootinfo': 1000000,
}
FAILURE_MARKS = ('ERROR: AddressSanitizer',
                 'ERROR: UndefinedBehaviorSanitizer', 'ERROR: LeakSanitizer',
                 'ERROR: libFuzzer', 'runtime error', 'SUMMARY: ',
                 'symbol lookup error')


def sources():
    return sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(FUZZ_SRC, 'fuzz_*.c')))


@pytest.fixture(scope='module')
def fuzzers():
    r = harness.scons(f'O={FUZZ_BUILD}', 'qemu_virt_hello_defconfig')
    assert r.returncode == 0, r.stdout
    r = harness.scons(f'O={FUZZ_BUILD}', 'fuzz-host')
    assert r.returncode == 0, r.stdout
    return {n: os.path.join(FUZZ_BUILD, 'host', 'fuzz', n) for n in sources()}


def fuzz(binary, args, env=None, timeout=120):
    r = subprocess.run([binary] + args, cwd=TOP, capture_output=True,
                       text=True, errors='replace', timeout=timeout,
                       env=dict(os.environ, **(env or {})))
    return r.returncode, r.stdout + r.stderr


def test_every_target_is_built_and_run(fuzzers):
    assert sorted(RUNS) == sources()
    for name, path in fuzzers.items():
        assert os.access(path, os.X_OK), path
        assert os.listdir(os.path.join(FUZZ_SRC, 'corpus', name)), name


@pytest.mark.parametrize('name', sorted(RUNS))
def test_seed_corpus_and_short_campaign(fuzzers, name, tmp_path):
    corpus = tmp_path / 'corpus'
    shutil.copytree(os.path.join(FUZZ_SRC, 'corpus', name), corpus)
    artifacts = tmp_path / 'artifacts'
    artifacts.mkdir()
    args = ['-seed=1', f'-runs={RUNS[name]}', '-timeout=10',
            '-print_final_stats=1', f'-artifact_prefix={artifacts}/']
    dictionary = os.path.join(FUZZ_SRC, f'{name}.dict')
    if os.path.exists(dictionary):
        args.append(f'-dict={dictionary}')
    rc, out = fuzz(fuzzers[name], args + [str(corpus)])
    print('\n'.join(line for line in out.splitlines()
                    if re.match(r'#\d+\s+(INITED|DONE)', line)
                    or line.startswith('stat::')))
    assert rc == 0, out[-6000:]
    for mark in FAILURE_MARKS:
        assert mark not in out, out[-6000:]
    assert not os.listdir(artifacts), (os.listdir(artifacts), out[-6000:])
    assert re.search(r'^#\d+\s+DONE ', out, re.M), out[-3000:]


def known_gaps():
    return sorted(os.path.basename(p) for p in glob.glob(
        os.path.join(FUZZ_SRC, 'known', 'fuzz_bootinfo', '*')))


@pytest.mark.parametrize('gap', known_gaps())
def test_boot_info_that_once_read_past_its_end_is_refused(fuzzers, gap):
    """Each input made the kernel read outside the boot info before it
    checked it (kmem_init, containers_create); bootinfo_check now refuses
    it first, with a panic naming the problem, and nothing reads past."""
    rc, out = fuzz(fuzzers['fuzz_bootinfo'],
                   [os.path.join(FUZZ_SRC, 'known', 'fuzz_bootinfo', gap)],
                   env={'FUZZ_BOOTINFO_SHOW_PANIC': '1'})
    assert rc == 0, out[-6000:]
    for mark in FAILURE_MARKS:
        assert mark not in out, out[-6000:]
    assert re.search(r'^panic: boot info: ', out, re.M), out[-3000:]
