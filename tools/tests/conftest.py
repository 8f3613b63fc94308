import os
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOP = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)

# Every test build goes under build/test/<name>, away from the user's build.
TEST_BUILD = os.path.join(TOP, 'build', 'test')

# Every board: each test system is booted on each (docs/porting.md).
BOARDS = ['qemu_virt', 'vexpress_a9', 'raspi2b']
# Every machine each test system boots on: a board alone (a one-core
# kernel), or "<board>-smp<N>": a kernel that starts N cores
# (CONFIG_NR_CPUS=N; harness.boot gives QEMU as many). docs/smp.md.
SMP_MACHINES = ['qemu_virt-smp2', 'qemu_virt-smp4', 'vexpress_a9-smp4',
                'raspi2b-smp4']
MACHINES = BOARDS + SMP_MACHINES


def machine_board(machine):
    """The board of a machine ("raspi2b-smp4" -> "raspi2b")."""
    return machine.split('-smp')[0]


def machine_cpus(machine):
    """The cores its kernel starts ("qemu_virt-smp2" -> 2)."""
    return int(machine.split('-smp')[1]) if '-smp' in machine else 1


def machine_config(machine):
    """The CONFIG_ lines a build for the machine adds to its defconfig."""
    n = machine_cpus(machine)
    return [f'CONFIG_NR_CPUS={n}'] if n > 1 else []


def machine_build(machine, system, name):
    """Build <board>_<system>_defconfig for the machine into
    build/test/<name> (one-core machines) or <name>-smp<N>."""
    import harness
    n = machine_cpus(machine)
    out = os.path.join(TEST_BUILD, name + (f'-smp{n}' if n > 1 else ''))
    return harness.build(f'{machine_board(machine)}_{system}_defconfig', out,
                         extra_config=machine_config(machine))


def board_has(board_name, peripheral):
    """Whether a board's board.toml lists a peripheral (e.g. "rtc")."""
    import board
    return peripheral in board.load(board_name).get('peripherals', {})


def check_case(b, run, case):
    """One in-target case of a boot: a pytest failure when it failed or
    printed no line, a pytest skip (with the case's reason) when the case
    skipped itself, so skips are counted, never dropped."""
    import pytest

    import harness
    assert case in run.results, f'no TEST line for {case}\n{b.symbolized}'
    state, why = run.results[case]
    if state == harness.SKIPPED:
        pytest.skip(f'{case}: {why}')
    assert state is True, f'{case}: {why}'
