import os
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOP = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)

# Every test build goes under build/test/<name>, away from the user's build.
TEST_BUILD = os.path.join(TOP, 'build', 'test')

# Every board: each test system is booted on each (docs/porting.md).
BOARDS = ['qemu_virt', 'vexpress_a9', 'raspi2b']
