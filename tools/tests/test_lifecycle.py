"""The `core` restart policy: a core container's death stops the system.

The fault-injection system (test_faults) cannot show this, since it would
end that system; so a small one is built here: `flaky` (which crashes on
its first start, see containers/examples/flaky) declared core, beside `hello`.
"""
import os
import re

import harness
from conftest import TEST_BUILD

MANIFEST = '''format = 2

[[container]]
name = "hello"
program = "examples/hello"
phys = 0x41000000
virt = 0x10000000
size = 0x100000

[[container]]
name = "flaky"
program = "examples/flaky"
phys = 0x41100000
virt = 0x10000000
size = 0x100000
restart = "core"
'''


def test_core_container_death_stops_the_system():
    out = os.path.join(TEST_BUILD, 'core')
    os.makedirs(out, exist_ok=True)
    manifest = os.path.join(out, 'core.toml')
    with open(manifest, 'w') as f:
        f.write(MANIFEST)
    image = harness.build('qemu_virt_hello_defconfig', out,
                          [f'CONFIG_MANIFEST="{manifest}"'])
    b = harness.boot(image, timeout=60)
    assert re.search(r"^kernel: container 'flaky' crashed, exit code 132 "
                     r"\(data abort\)", b.output, re.M), b.output
    assert "kernel: core container 'flaky' is gone: stopping the system" \
        in b.output
    assert 'restarting' not in b.output  # core is never restarted
    assert 'kernel: summary (budget peak/size):' in b.output
    assert 'kernel: all containers finished' not in b.output
    assert b.status == 132, b.output
