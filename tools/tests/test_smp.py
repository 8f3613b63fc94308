"""Bringing up the other cores (kernel/generic/smp.c, docs/smp.md).

A kernel built for CONFIG_NR_CPUS cores starts the others through the
board (PSCI CPU_ON on QEMU virt, the loader's spin table on raspi2b and
vexpress-a9) and reports each one that did not start; threads run on the
cores that came online. Checked with QEMU's -smp
1, 2 and 4, in HYP entry (where the firmware call reaches the loader's HYP
stub and is refused), and the build refuses a core count the board cannot
start.
"""
import os
import re

import pytest

import harness
from conftest import TEST_BUILD

ONLINE_RE = re.compile(r'^kernel: (\d+) of (\d+) cpus online', re.M)
REFUSED_RE = re.compile(r'^kernel: cpu (\d+) not started: the firmware '
                        r'refused \((-?\d+)\)$', re.M)
PSCI_NOT_SUPPORTED = -1
PSCI_INVALID_PARAMETERS = -2  # QEMU: no such core


def build(name, defconfig, nr_cpus):
    return harness.build(defconfig, os.path.join(TEST_BUILD, name),
                         extra_config=[f'CONFIG_NR_CPUS={nr_cpus}'])


@pytest.fixture(scope='module')
def suite4():
    return build('smp-suite4', 'qemu_virt_test_defconfig', 4)


def suite_passes(b):
    run = harness.parse_tests(b)
    assert run.problems == [], (run.problems, b.output[-3000:])
    assert run.summary and run.summary[1] == 0, b.output[-3000:]
    assert b.status == 0


@pytest.mark.parametrize('smp', [4, 2, 1])
def test_cores_the_machine_has_come_online(suite4, smp):
    """With -smp N, cores 1..N-1 start; the ones QEMU does not have are
    refused by its PSCI (invalid parameters) and reported, one line
    each; the in-target suite passes either way."""
    b = harness.boot(suite4, timeout=120, extra=('-smp', str(smp)))
    m = ONLINE_RE.search(b.output)
    assert m and (int(m.group(1)), int(m.group(2))) == (smp, 4), b.output
    refused = [(int(c), int(e)) for c, e in REFUSED_RE.findall(b.output)]
    assert refused == [(c, PSCI_INVALID_PARAMETERS) for c in range(smp, 4)]
    suite_passes(b)


def test_isolation_with_four_cores():
    image = build('smp-isolation4', 'qemu_virt_isolation_defconfig', 4)
    b = harness.boot(image, timeout=120, extra=('-smp', '4'))
    assert ONLINE_RE.search(b.output).groups() == ('4', '4'), b.output
    suite_passes(b)


def test_one_core_says_nothing():
    """The default (CONFIG_NR_CPUS=1) starts nothing and prints no line."""
    image = build('smp-hello1', 'qemu_virt_hello_defconfig', 1)
    b = harness.boot(image, timeout=60, extra=('-smp', '2'))
    assert b.status == 0, b.output
    assert 'cpus online' not in b.output and 'not started' not in b.output


def test_entered_in_hyp_the_firmware_call_is_refused():
    """Under virt,virtualization=on QEMU's PSCI answers smc; the board's
    hvc reaches the loader's HYP stub, which refuses it: the core is
    reported as not started and the system runs on one core."""
    image = build('smp-hello2', 'qemu_virt_hello_defconfig', 2)
    b = harness.boot(image, timeout=60,
                     extra=('-smp', '2', '-M', 'virt,virtualization=on'))
    assert b.status == 0, b.output
    assert REFUSED_RE.findall(b.output) == [('1', str(PSCI_NOT_SUPPORTED))]
    assert ONLINE_RE.search(b.output).groups() == ('1', '2'), b.output


NOT_ONLINE_RE = re.compile(r'^kernel: cpu (\d+) not started: not online '
                           r'after \d+ us$', re.M)


@pytest.mark.parametrize('board_name,smp', [('raspi2b', 4),
                                            ('vexpress_a9', 4),
                                            ('vexpress_a9', 2)])
def test_spin_table_boards(board_name, smp):
    """raspi2b and vexpress-a9 start every core at the image's entry; the
    loader holds the others on its spin table until the kernel writes
    their entry point (loader/spin_table.h). A core the machine does not
    have never comes online and is given up on."""
    image = build(f'smp-suite4-{board_name}', f'{board_name}_test_defconfig',
                  4)
    extra = () if board_name == 'raspi2b' else ('-smp', str(smp))
    b = harness.boot(image, timeout=120, extra=extra)
    assert ONLINE_RE.search(b.output).groups() == (str(smp), '4'), b.output
    assert [int(c) for c in NOT_ONLINE_RE.findall(b.output)] == \
        list(range(smp, 4)), b.output
    suite_passes(b)


def test_a_board_without_a_start_method_is_refused():
    import board
    b = board.load('raspi2b')
    b['smp']['start'] = 'none'
    assert 'cannot start the other cores of board raspi2b' in \
        board.smp_problem(b, 2)
    assert board.smp_problem(b, 1) is None


@pytest.mark.parametrize('board,nr_cpus,why', [
    ('raspi2b', 5, 'board raspi2b has 4 core(s)'),
    ('vexpress_a9', 5, 'board vexpress_a9 has 4 core(s)'),
])
def test_build_refuses_cores_the_board_cannot_start(board, nr_cpus, why):
    out = os.path.join(TEST_BUILD, f'smp-refused-{board}-{nr_cpus}')
    r = harness.scons(f'O={out}', f'{board}_hello_defconfig')
    assert r.returncode == 0, r.stdout
    with open(os.path.join(out, '.config'), 'a') as f:
        f.write(f'CONFIG_NR_CPUS={nr_cpus}\n')
    r = harness.scons(f'O={out}')
    assert r.returncode != 0, r.stdout
    assert f'config: error: CONFIG_NR_CPUS={nr_cpus}: ' in r.stdout, r.stdout
    assert why in r.stdout, r.stdout
    assert not os.path.exists(os.path.join(out, 'image.elf'))


def test_kconfig_range():
    out = os.path.join(TEST_BUILD, 'smp-range')
    r = harness.scons(f'O={out}', 'qemu_virt_hello_defconfig')
    assert r.returncode == 0, r.stdout
    with open(os.path.join(out, '.config'), 'a') as f:
        f.write('CONFIG_NR_CPUS=9\n')
    r = harness.scons(f'O={out}')
    assert r.returncode != 0 and 'CONFIG_NR_CPUS' in r.stdout, r.stdout


@pytest.fixture(scope='module')
def placed():
    """Two hello containers, "first" on core 0 and "last" on core 3 only
    (tools/tests/manifests/placed.toml), on a four-core kernel."""
    return harness.build(
        'qemu_virt_hello_defconfig', os.path.join(TEST_BUILD, 'smp-placed'),
        extra_config=['CONFIG_NR_CPUS=4', 'CONFIG_MANIFEST='
                      '"tools/tests/manifests/placed.toml"'])


def test_containers_start_on_their_cores(placed):
    b = harness.boot(placed, timeout=60)
    assert "kernel: 2 containers started" in b.output, b.output
    assert b.output.count('hello: goodbye') == 2, b.output
    assert b.status == 0, b.output


def test_container_whose_cores_are_all_offline_is_not_started(placed):
    """With two of its four cores, the kernel cannot start "last": it says
    so, starts the others, and the system's status is a failure."""
    b = harness.boot(placed, timeout=60, extra=('-smp', '2'))
    assert ("kernel: container 'last' not started: none of its cpus (mask "
            "0x8) is online") in b.output, b.output
    assert "kernel: 1 containers started" in b.output, b.output
    assert b.output.count('hello: goodbye') == 1, b.output
    assert re.search(r'^kernel:   last +exit +1 restarts 0', b.output,
                     re.M), b.output
    assert 'KERNEL PANIC' not in b.output
    assert b.status == 1, b.output
