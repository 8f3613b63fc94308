import os
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOP = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)

# Every test build goes under build/test/<name>, away from the user's build.
TEST_BUILD = os.path.join(TOP, 'build', 'test')

# Every board: each test system is booted on each (docs/porting.md).
BOARDS = ['qemu_virt', 'vexpress_a9', 'raspi2b']


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
    assert case in run.results, f'no TEST line for {case}\n{b.output}'
    state, why = run.results[case]
    if state == harness.SKIPPED:
        pytest.skip(f'{case}: {why}')
    assert state is True, f'{case}: {why}'
