"""QEMU boot tests: the default configuration, the panic report, and the
kernel's invariant checks (CONFIG_DEBUG_INVARIANTS_EVERY)."""
import os
import re
import subprocess

import pytest

import board
import harness
import qemu
import version
from conftest import TEST_BUILD, TOP

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


# ---------------------------------------------------------------- invariants
@pytest.fixture(scope='module')
def invariant_boot():
    """CONFIG_SELFTEST_INVARIANTS: the first check after a system call
    finds a budget charged beyond its size, as a bug would leave it."""
    image = harness.build('qemu_virt_hello_defconfig',
                          os.path.join(TEST_BUILD, 'invariants'),
                          extra_config=['CONFIG_SELFTEST_INVARIANTS=y'])
    return harness.boot(image, timeout=30)


def test_invariant_check_panics_naming_container_budget_and_invariant(
        invariant_boot):
    b = invariant_boot
    print(b.output)
    assert b.status == 3, b.output
    corrupt = re.search(r"kernel: self-test: container 'hello' budget (\d+): "
                        r"used (\d+) -> (\d+), beyond its size (\d+)",
                        b.output)
    assert corrupt, b.output
    cap, _, used, size = corrupt.groups()
    assert int(used) == int(size) + 1
    # the check runs when the pager's first system call (getid) returns
    assert (f"KERNEL PANIC: invariant violated after getid: container "
            f"'hello': budget {cap} (caps): used {used} exceeds its size "
            f"{size}") in b.output
    assert 'hello: hello from' not in b.output  # stopped at that call


def kernel_symbols(image):
    elf = os.path.join(os.path.dirname(image), 'kernel', 'kernel.elf')
    out = subprocess.run(['arm-none-eabi-nm', elf], capture_output=True,
                         text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines()}


def test_invariant_checks_run_by_default_in_debug_builds(hello_image):
    assert 'invariants_after_syscall' in kernel_symbols(hello_image)


def test_invariant_checks_off_compile_nothing(tmp_path):
    image = harness.build('qemu_virt_hello_defconfig',
                          os.path.join(TEST_BUILD, 'invariants_off'),
                          extra_config=['CONFIG_DEBUG_INVARIANTS_EVERY=0'])
    assert not {s for s in kernel_symbols(image) if 'invariants' in s}
    b = harness.boot(image, timeout=30)
    assert b.status == 0 and not b.panicked, b.output


def test_benchmark_configuration_has_no_invariant_checks():
    """scripts/bench figures are those of the kernel without the checks:
    the bench defconfig keeps debug assertions (the shipped options) and
    the checks default to 0 there (BENCH_COUNTERS)."""
    import kconfiglib
    old = os.getcwd()
    os.chdir(TOP)
    try:
        kconf = kconfiglib.Kconfig('Kconfig', warn=False)
        kconf.load_config('configs/qemu_virt_bench_defconfig')
        assert kconf.syms['DEBUG_ASSERTS'].str_value == 'y'
        assert kconf.syms['DEBUG_INVARIANTS_EVERY'].str_value == '0'
        kconf.load_config('configs/qemu_virt_test_defconfig')
        assert kconf.syms['DEBUG_INVARIANTS_EVERY'].str_value == '1'
    finally:
        os.chdir(old)


# ---- entered in HYP mode --------------------------------------------------
def boot_in_hyp(image, timeout=60):
    """QEMU's virt with the Virtualization Extensions on starts the image
    in HYP mode, as U-Boot and firmware do on such boards."""
    b = board.load('qemu_virt')
    cmd = qemu.command(b, image)
    cmd[cmd.index('-M') + 1] += ',virtualization=on'
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    return p.returncode, p.stdout.decode('utf-8', errors='replace')


def test_entered_in_hyp_mode_the_system_runs(hello_image):
    """The loader leaves HYP for SVC (a cps from HYP is an illegal mode
    change and the old loader hung there)."""
    status, out = boot_in_hyp(hello_image)
    assert status == 0, out
    assert 'hello: goodbye' in out
    assert 'kernel: all containers finished, exit status 0' in out


def test_hyp_left_with_the_stub_as_its_vectors(hello_image):
    """Left in a state a hypervisor layer can build on: the loader asks the
    HYP stub for HVBAR with hvc (loader/hyp_stub.h) and prints it; it is
    the stub's vector table in the loader. Entered in SVC there is no such
    line (and no hvc: it would be undefined there)."""
    from elf import Elf
    status, out = boot_in_hyp(hello_image)
    assert status == 0, out
    m = re.search(r'^loader: entered in HYP: left for SVC \(HCR 0, '
                  r'CNTVOFF 0, HVBAR 0x([0-9a-f]{8}): the HYP stub\)$',
                  out.replace('\r\n', '\n'), re.M)
    assert m, out
    loader = Elf(os.path.join(os.path.dirname(hello_image), 'loader',
                              'loader.elf'))
    vectors = loader.symbol('hyp_stub_vectors')
    assert int(m.group(1), 16) == vectors and vectors % 32 == 0
    b = harness.boot(hello_image, timeout=30)
    assert b.status == 0 and 'entered in HYP' not in b.output, b.output


def test_entered_in_hyp_mode_the_in_target_suite_passes():
    image = harness.build('qemu_virt_test_defconfig',
                          os.path.join(TEST_BUILD, 'target'))
    status, out = boot_in_hyp(image, timeout=120)
    b = harness.Boot(status, out, out.replace('\r\n', '\n').splitlines())
    run = harness.parse_tests(b)
    assert not run.problems, (run.problems, out[-3000:])
    assert run.summary and run.summary[1] == 0, out[-3000:]
