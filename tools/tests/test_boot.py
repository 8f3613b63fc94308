"""QEMU boot tests: the default configuration and the panic report."""
import os

import pytest

import harness
import version
from conftest import TEST_BUILD

VERSION = version.string(version.read())


@pytest.fixture(scope='module')
def hello_image():
    return harness.build('qemu_virt_hello_defconfig',
                         os.path.join(TEST_BUILD, 'hello'))


def test_default_configuration_boots_and_exits_zero(hello_image):
    b = harness.boot(hello_image, timeout=30)
    expected = [
        f'loader: Tessera {VERSION} image at 0x48000000',
        'loader: part 0 \'kernel\'',
        'loader: part 2 \'hello\'',
        'loader: starting kernel at 0x40100000',
        f'kernel: Tessera {VERSION} on qemu_virt',
        "kernel: container 'hello' started: pager tid 1",
        'kernel: 1 containers started',
        'hello: hello from container 0, thread 1',
        f'hello: kernel {VERSION} (tessera {VERSION} qemu_virt)',
        'hello: timer ticking: 3 ticks at 100 Hz',
        'hello: goodbye',
        "kernel: container 'hello' finished, exit code 0",
        'kernel: all containers finished, exit status 0',
    ]
    pos = 0
    for line in expected:
        found = b.output.find(line, pos)
        assert found >= 0, f'missing or out of order: {line!r}\n{b.output}'
        pos = found
    assert not b.panicked and not b.timed_out
    assert b.status == 0, b.output


@pytest.fixture(scope='module')
def panic_boot():
    image = harness.build('qemu_virt_hello_defconfig',
                          os.path.join(TEST_BUILD, 'panic'),
                          extra_config=['CONFIG_SELFTEST_PANIC=y'])
    return harness.boot(image, timeout=30)


def test_kernel_panic_reports_and_exits_nonzero(panic_boot):
    b = panic_boot
    assert b.status == 3, b.output
    assert 'kernel fault: data abort in svc mode' in b.output
    assert 'address 00000ff0' in b.output
    for reg in ('r0 ', 'r12', 'sp ', 'lr ', 'pc ', 'cpsr'):
        assert f'  {reg}' in b.output, reg
    assert 'KERNEL PANIC: data abort in kernel mode' in b.output
    assert 'hello: hello from' not in b.output  # it never reached user mode
