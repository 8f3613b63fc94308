"""Runs every host unit test program (cmocka) built by 'scons host-tests'."""
import glob
import os
import subprocess

import pytest

import harness
from conftest import TOP

HOST_BUILD = os.path.join(TOP, 'build', 'test', 'host')


def build_host_tests():
    # every build needs a configuration, host tests too
    r = harness.scons(f'O={HOST_BUILD}', 'qemu_virt_hello_defconfig')
    assert r.returncode == 0, r.stdout
    r = harness.scons(f'O={HOST_BUILD}', 'host-tests')
    assert r.returncode == 0, r.stdout
    return sorted(glob.glob(os.path.join(HOST_BUILD, 'host', 'tests', '*')))


# SConstruct's HOST_MODULES: <module>/tests/test_x.c builds
# host/tests/<module with "/" as "_">_test_x
MODULES = ('libc', 'libmem', 'loader', 'kernel', 'posix/fs', 'posix/vm')


def sources():
    return sorted(f'{d.replace("/", "_")}_' +
                  os.path.splitext(os.path.basename(p))[0]
                  for d in MODULES
                  for p in glob.glob(os.path.join(TOP, d, 'tests', 'test_*.c')))


@pytest.fixture(scope='module')
def programs():
    return {os.path.basename(p): p for p in build_host_tests()}


def test_every_test_source_builds(programs):
    assert sorted(programs) == sources()


@pytest.mark.parametrize('name', sources())
def test_host_unit(programs, name):
    r = subprocess.run([programs[name]], cwd=TOP, capture_output=True,
                       text=True, timeout=300)
    out = r.stdout + r.stderr  # cmocka writes its summary to stderr
    print(out[-3000:])
    assert r.returncode == 0, out
    assert '[  PASSED  ]' in out and '[  FAILED  ]' not in out
