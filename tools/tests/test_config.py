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
    # the kernel's sources for qemu_virt: not the other boards' folders nor
    # the shared drivers qemu_virt does not list
    import board
    built = set(board.driver_sources(board.load('qemu_virt')))
    kernel_srcs = [os.path.relpath(p, TOP) for p in glob.glob(
        os.path.join(TOP, 'kernel', '**', '*.c'), recursive=True)
        if 'asm_offsets' not in p and '/tests/' not in p]
    kernel_srcs = [
        f for f in kernel_srcs
        if not f.startswith('kernel/platform/') or
        f.startswith('kernel/platform/qemu_virt/') or f in built or
        f == 'kernel/platform/common/platform_common.c']
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


# ------------------------------------------------- strict configuration
@pytest.fixture
def defconfig():
    """Write configs/zz_test_<n>_defconfig with the given bytes; removed
    after the test. Returns a function text -> defconfig name."""
    made = []

    def write(data):
        name = f'zz_test_{len(made)}_defconfig'
        path = os.path.join(TOP, 'configs', name)
        with open(path, 'wb') as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        made.append(path)
        return name
    yield write
    for p in made:
        os.remove(p)


GOOD_HEAD = 'CONFIG_BOARD_QEMU_VIRT=y\nCONFIG_MANIFEST="configs/hello.toml"\n'


def error_lines(text):
    return [line for line in text.splitlines() if 'error' in line]


@pytest.mark.parametrize('line,words', [
    ('CONFIG_MAX_THREADS=99999', ('CONFIG_MAX_THREADS', '99999',
                                  'outside its range 16..4096')),
    ('CONFIG_TICK_HZ=-5', ('CONFIG_TICK_HZ', '-5', 'outside its range')),
    ('CONFIG_TICK_HZ=fast', ('CONFIG_TICK_HZ', "the value 'fast' is invalid",
                             'has type int')),
    ('CONFIG_DEBUG_ASSERTS=maybe', ("'maybe' is not a valid value",
                                    'DEBUG_ASSERTS')),
])
def test_bad_value_is_an_error_naming_file_line_symbol(tmp_path, defconfig,
                                                       line, words):
    name = defconfig(GOOD_HEAD + '# a comment\n' + line + '\n')
    rc, text = scons(f'O={tmp_path}', name)
    assert rc == 2, text
    errors = error_lines(text)
    assert len(errors) == 1, text
    assert errors[0].startswith(f'config: error: configs/{name}:4: '), text
    for w in words:
        assert w in errors[0], text
    assert 'warning' not in text and 'Traceback' not in text
    assert not os.path.exists(os.path.join(tmp_path, '.config'))


def test_every_bad_value_is_reported_in_line_order(tmp_path, defconfig):
    name = defconfig(GOOD_HEAD + 'CONFIG_MAX_THREADS=99999\n'
                     'CONFIG_TICK_HZ=-5\nCONFIG_DEBUG_ASSERTS=maybe\n')
    rc, text = scons(f'O={tmp_path}', name)
    assert rc == 2
    errors = error_lines(text)
    assert [e.split(':')[3] for e in errors] == ['3', '4', '5'], text
    # labelled once: no "error: ...: warning:" or a second "error:"
    assert all(e.count('error:') == 1 for e in errors), text


def test_bad_value_in_an_edited_config_names_it(tmp_path):
    rc, text = scons(f'O={tmp_path}', 'qemu_virt_hello_defconfig')
    assert rc == 0, text
    cfg = os.path.join(tmp_path, '.config')
    n = len(open(cfg).read().splitlines())
    with open(cfg, 'a') as f:
        f.write('CONFIG_MAX_THREADS=8\n')
    rc, text = scons(f'O={tmp_path}')
    assert rc == 2
    assert f'config: error: {cfg}:{n + 1}: CONFIG_MAX_THREADS: 8 is outside' \
        in text, text
    assert not os.path.exists(os.path.join(tmp_path, 'image.bin'))


def test_non_utf8_defconfig_is_a_one_line_error(tmp_path, defconfig):
    name = defconfig(GOOD_HEAD.encode() + b'# caf\xe9\n')
    rc, text = scons(f'O={tmp_path}', name)
    assert rc == 2
    errors = error_lines(text)
    assert errors == [f'config: error: configs/{name}:3: not UTF-8 text '
                      '(byte 0xe9)'], text
    assert 'Traceback' not in text


def test_failed_defconfig_leaves_no_configuration(tmp_path, defconfig):
    """After a failed <name>_defconfig a plain build does not quietly build
    the configuration from before."""
    assert scons(f'O={tmp_path}', 'qemu_virt_hello_defconfig')[0] == 0
    rc, text = scons(f'O={tmp_path}', defconfig(GOOD_HEAD +
                                                'CONFIG_TICK_HZ=1\n'))
    assert rc == 2, text
    rc, text = scons(f'O={tmp_path}')
    assert rc == 2
    assert f'{tmp_path}/.config: no configuration; choose one with ' \
        '"scons <name>_defconfig"' in text, text
    assert 'qemu_virt_hello_defconfig' in text  # lists what exists
    assert not os.path.exists(os.path.join(tmp_path, 'image.bin'))


def test_no_configuration_is_not_quietly_the_default(tmp_path):
    rc, text = scons(f'O={tmp_path}')
    assert rc == 2 and 'no configuration' in text, text
    assert not os.path.exists(os.path.join(tmp_path, '.config'))


# ------------------------------------------------------ no stale images
def built_image(out):
    harness.build('qemu_virt_hello_defconfig', out)
    images = [os.path.join(out, n) for n in ('image.bin', 'image.elf')]
    assert all(os.path.exists(p) for p in images)
    return images


def test_manifest_error_removes_the_old_image(tmp_path):
    out = str(tmp_path / 'b')
    images = built_image(out)
    bad = tmp_path / 'bad.toml'
    bad.write_text(open(os.path.join(TOP, 'configs', 'hello.toml')).read()
                   .replace('priority = 10', 'priority = 999'))
    with open(os.path.join(out, '.config'), 'a') as f:
        f.write(f'CONFIG_MANIFEST="{bad}"\n')
    rc, text = scons(f'O={out}')
    assert rc == 2 and 'manifest: error:' in text, text
    assert not any(os.path.exists(p) for p in images), text


def test_compile_error_removes_the_old_image(tmp_path):
    out = str(tmp_path / 'b')
    images = built_image(out)
    prog = os.path.join(TOP, 'containers', 'tests', 'zz_broken')
    manifest = tmp_path / 'broken.toml'
    manifest.write_text(open(os.path.join(TOP, 'configs', 'hello.toml')).read()
                        .replace('program = "examples/hello"',
                                 'program = "tests/zz_broken"'))
    os.makedirs(prog)
    try:
        with open(os.path.join(prog, 'main.c'), 'w') as f:
            f.write('int main(void) { return undeclared; }\n')
        with open(os.path.join(out, '.config'), 'a') as f:
            f.write(f'CONFIG_MANIFEST="{manifest}"\n')
        rc, text = scons(f'O={out}')
    finally:
        shutil.rmtree(prog)
    assert rc != 0 and 'undeclared' in text, text
    assert not any(os.path.exists(p) for p in images), text
