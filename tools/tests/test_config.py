"""The configuration step and exact incremental builds."""
import glob
import os
import re
import shutil
import subprocess

import pytest

import harness
from conftest import TEST_BUILD, TOP

SOURCE_DIRS = ('kernel', 'loader', 'libc', 'libmem', 'containers')


def scons(*args):
    r = harness.scons(*args)
    return r.returncode, r.stdout


def steps(output):
    """The targets a build printed progress lines for."""
    return {os.path.relpath(os.path.join(TOP, m.group(2)), TOP)
            for m in re.finditer(
        r'^\s+(CC|AS|LD|AR|PACK|GEN|CPP|RANLIB)\s+(\S+)', output, re.M)}


def rel(path):
    return os.path.relpath(path, TOP)


def test_every_config_symbol_used_in_source_is_defined():
    import kconfiglib
    old = os.getcwd()
    os.chdir(TOP)
    try:
        kconf = kconfiglib.Kconfig('Kconfig')
    finally:
        os.chdir(old)
    defined = set(kconf.syms)
    used = {}
    for d in SOURCE_DIRS:
        for root, _, files in os.walk(os.path.join(TOP, d)):
            for f in files:
                if f.endswith(('.c', '.h', '.S', '.in')):
                    path = os.path.join(root, f)
                    for sym in re.findall(r'\bCONFIG_([A-Z0-9_]+)',
                                          open(path).read()):
                        used.setdefault(sym, path)
    missing = {s: p for s, p in used.items() if s not in defined}
    assert not missing, f'CONFIG_ symbols not in Kconfig: {missing}'


def test_defconfig_selects_configuration():
    out = os.path.join(TEST_BUILD, 'cfg')
    shutil.rmtree(out, ignore_errors=True)
    rc, text = scons(f'O={out}', 'qemu_virt_hello_defconfig')
    assert rc == 0, text
    cfg = open(os.path.join(out, '.config')).read()
    assert 'CONFIG_BOARD_QEMU_VIRT=y' in cfg
    assert 'CONFIG_MANIFEST="configs/hello.toml"' in cfg
    assert 'CONFIG_TICK_HZ=100' in cfg
    assert not os.path.exists(os.path.join(out, 'image.bin'))  # config only


def test_unknown_defconfig_is_an_error():
    rc, text = scons(f'O={TEST_BUILD}/cfg', 'nosuch_board_defconfig')
    assert rc != 0
    assert 'configs/nosuch_board_defconfig: no such defconfig' in text
    assert 'qemu_virt_hello_defconfig' in text  # lists what exists


def test_defconfig_with_unknown_symbol_is_an_error(tmp_path):
    bad = os.path.join(TOP, 'configs', 'zz_test_bad_defconfig')
    try:
        with open(bad, 'w') as f:
            f.write('CONFIG_BOARD_QEMU_VIRT=y\nCONFIG_NO_SUCH_OPTION=y\n')
        rc, text = scons(f'O={tmp_path}', 'zz_test_bad_defconfig')
    finally:
        os.remove(bad)
    assert rc != 0
    assert 'NO_SUCH_OPTION' in text and 'Traceback' not in text


def test_savedefconfig_round_trips(tmp_path):
    out = os.path.join(TEST_BUILD, 'cfg')
    scons(f'O={out}', 'qemu_virt_hello_defconfig')
    with open(os.path.join(out, '.config'), 'a') as f:
        f.write('CONFIG_TICK_HZ=250\n')
    rc, text = scons(f'O={out}', 'savedefconfig')
    assert rc == 0, text
    saved = open(os.path.join(TOP, 'defconfig')).read()
    os.remove(os.path.join(TOP, 'defconfig'))
    assert 'CONFIG_TICK_HZ=250' in saved
    assert 'CONFIG_DEBUG_ASSERTS' not in saved  # defaults are left out


def test_autoconf_header_generated():
    out = os.path.join(TEST_BUILD, 'cfg')
    scons(f'O={out}', 'qemu_virt_hello_defconfig')
    rc, text = scons(f'O={out}', os.path.join(out, 'include', 'generated',
                                               'autoconf.h'))
    header = open(os.path.join(out, 'include', 'generated',
                               'autoconf.h')).read()
    assert '#define CONFIG_TICK_HZ 100' in header
    assert '#define CONFIG_BOARD "qemu_virt"' in header


def users_of(symbol, out):
    """Kernel objects whose source, or a header it includes, names symbol:
    found with the compiler's own dependency output, not the build's."""
    users = set()
    kernel_srcs = [os.path.relpath(p, TOP) for p in glob.glob(
        os.path.join(TOP, 'kernel', '**', '*.c'), recursive=True)
        if 'asm_offsets' not in p and '/tests/' not in p]
    for src in kernel_srcs:
        deps = subprocess.run(
            ['arm-none-eabi-gcc', '-MM', '-Ikernel/include',
             '-Ikernel/include/uapi', '-Ikernel/arch/arm/include',
             '-Ikernel/platform/common/include', '-Ilibc/include',
             '-Ilibmem/include', '-Iloader/include', f'-I{out}/include', src],
            cwd=TOP, capture_output=True, text=True).stdout
        files = deps.replace('\\\n', ' ').split()[1:]
        if any(symbol in open(os.path.join(TOP, f)).read() for f in files
               if not f.startswith(out)):
            users.add(f'{out}/kernel/' + src[:-2] + '.o')
    return users


@pytest.fixture(scope='module')
def incremental():
    """A fully built tree in a private build directory."""
    out = os.path.join(TEST_BUILD, 'incr')
    shutil.rmtree(out, ignore_errors=True)
    harness.build('qemu_virt_hello_defconfig', out)
    rc, text = scons(f'O={out}')
    assert rc == 0 and steps(text) == set(), f'not up to date:\n{text}'
    return out


def test_touching_one_source_rebuilds_only_it(incremental):
    out = incremental
    src = os.path.join(TOP, 'kernel', 'generic', 'panic.c')
    text = open(src).read()
    try:
        with open(src, 'a') as f:
            f.write('/* touched by test_config */\n')
        rc, built = scons(f'O={out}')
    finally:
        with open(src, 'w') as f:
            f.write(text)
    assert rc == 0, built
    # the object is rebuilt; the kernel relinks (its object changed only in
    # debug line info, so the link and pack may or may not follow)
    names = steps(built)
    assert f'{rel(out)}/kernel/kernel/generic/panic.o' in names
    assert all('/kernel/' in n or n.endswith(('image.bin', 'image.elf'))
               for n in names), names
    scons(f'O={out}')


def test_one_option_rebuilds_only_its_users(incremental):
    out = incremental
    cfg = os.path.join(out, '.config')
    text = open(cfg).read()
    try:
        with open(cfg, 'w') as f:
            f.write(text.replace('CONFIG_TICK_HZ=100', 'CONFIG_TICK_HZ=200'))
        rc, built = scons(f'O={out}')
    finally:
        with open(cfg, 'w') as f:
            f.write(text)
    assert rc == 0, built
    objects = {n for n in steps(built) if n.endswith('.o')}
    assert objects == users_of('CONFIG_TICK_HZ', rel(out)), objects
    scons(f'O={out}')


def test_one_containers_config_relinks_only_it(incremental, tmp_path):
    out = incremental
    manifest = tmp_path / 'm.toml'
    manifest.write_text(open(os.path.join(TOP, 'configs', 'hello.toml')).read()
                        .replace('virt = 0x10000000', 'virt = 0x20000000'))
    cfg = os.path.join(out, '.config')
    text = open(cfg).read()
    try:
        with open(cfg, 'a') as f:
            f.write(f'CONFIG_MANIFEST="{manifest}"\n')
        rc, built = scons(f'O={out}')
    finally:
        with open(cfg, 'w') as f:
            f.write(text)
    assert rc == 0, built
    names = steps(built)
    assert f'{rel(out)}/containers/hello/hello.elf' in names
    assert not any(n.endswith('.o') for n in names), names  # no recompiles
    assert not any('kernel.elf' in n or 'loader.elf' in n for n in names)
    scons(f'O={out}')


def test_parallel_clean_build_is_safe(tmp_path):
    out = str(tmp_path / 'par')
    rc, text = scons(f'O={out}', 'qemu_virt_hello_defconfig')
    r = subprocess.run(['scons', '-Q', '-j8', f'O={out}'], cwd=TOP,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert os.path.exists(os.path.join(out, 'image.bin'))
