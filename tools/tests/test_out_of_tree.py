"""Systems kept outside the tree (docs/manifest.md "program", docs/build.md
"SDK"): examples/rtc copied to a folder of its own is built with
`scons O=<dir> <defconfig>` then `scons O=<dir> MANIFEST=<its system.toml>`
and booted (the driver's PL031 readings reach both tenants, every
container exits 0); editing or adding a source in the copy rebuilds just
that program; a bad program folder stops the build at its manifest line;
`scons sdk` exports what plain make needs, and an ELF built with it is
packed with elf = ... and boots (or is refused at its line when linked
elsewhere)."""
import os
import re
import shutil
import subprocess
import time

import pytest

import harness
from conftest import TEST_BUILD, TOP
from elf import Elf

RTC_EXAMPLE = os.path.join(TOP, 'examples', 'rtc')
SCONS_TIMEOUT = 600
BOOT_TIMEOUT = 90
READING_RE = re.compile(r'^tenant_a: reading (\d)/3: (\d{4})-(\d\d)-(\d\d) '
                        r'(\d\d):(\d\d):(\d\d) UTC \((\d+)\)$')
ALARM_RE = re.compile(r'^tenant_b: alarm (\d)/3: (\d\d):(\d\d):(\d\d) UTC '
                      r'\((\d+), (\d+) s after the last\)$')


def scons(*args):
    """scons -Q -j2 from the top of the tree, with a timeout; (status,
    stdout and stderr together)."""
    r = subprocess.run(['scons', '-Q', '-j2'] + list(args), cwd=TOP,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=SCONS_TIMEOUT)
    return r.returncode, r.stdout


def compiled(output):
    """The container objects and ELFs a build's output says it made
    (absolute paths). The kernel's and the loader's are left out: other
    work in the same tree may change their sources between two builds."""
    return [os.path.join(TOP, p) for p in re.findall(
        r'^  (?:CC|AS|LD|COPY) +(\S+)$', output, re.M)
        if '/containers/' in p]


def files_of(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder)
                  for d, _, fs in os.walk(folder) for f in fs)


@pytest.fixture(scope='module')
def rtc(tmp_path_factory):
    """examples/rtc copied outside the tree and built as docs and its
    README say; (the copy, the build directory, the build's output)."""
    copy = tmp_path_factory.mktemp('user-repo') / 'rtc'
    shutil.copytree(RTC_EXAMPLE, copy)
    assert not str(copy).startswith(TOP + os.sep)
    out = os.path.join(TEST_BUILD, 'oot-rtc')
    shutil.rmtree(out, ignore_errors=True)
    before = files_of(copy)
    rc, text = scons(f'O={out}', 'qemu_virt_hello_defconfig')
    assert rc == 0, text
    rc, text = scons(f'O={out}', f'MANIFEST={copy}/system.toml')
    assert rc == 0, text
    assert f'config: {out}/.config: CONFIG_MANIFEST="{copy}/system.toml" ' \
        '(MANIFEST=)' in text, text
    # nothing was written into the user's folders
    assert files_of(copy) == before
    return copy, out, text


def boot(out):
    b = harness.boot(os.path.join(out, 'image.elf'), timeout=BOOT_TIMEOUT)
    assert not b.timed_out and not b.panicked, harness.explain(b)
    return b


def test_rtc_example_builds_outside_the_tree(rtc):
    copy, out, text = rtc
    # one object folder per program folder, under the build directory
    ext = sorted(os.listdir(os.path.join(out, 'containers', 'ext')))
    assert [re.sub(r'-[0-9a-f]{8}$', '', d) for d in ext] == [
        'driver', 'tenant_a', 'tenant_b'], ext
    for d in ext:
        assert os.listdir(os.path.join(out, 'containers', 'ext', d)) == [
            'main.o']
    for name in ('driver', 'tenant_a', 'tenant_b'):
        elf = os.path.join(out, 'containers', name, name + '.elf')
        assert Elf(elf).flat_image(use_paddr=False)[0] == 0x10000000
    with open(os.path.join(out, '.config')) as f:
        assert f'CONFIG_MANIFEST="{copy}/system.toml"\n' in f.read()


def test_rtc_example_boots_and_ends_by_itself(rtc):
    _, out, _ = rtc
    b = boot(out)
    assert b.status == 0, harness.explain(b)
    lines = [line.strip() for line in b.lines]
    assert 'driver: PL031 at 0x09010000 (irq 34) mapped at 0x20000000; ' \
        'serving' in lines, b.output
    now = time.time()
    readings = [READING_RE.match(line) for line in lines]
    readings = [m for m in readings if m]
    assert [int(m.group(1)) for m in readings] == [1, 2, 3], b.output
    for m in readings:
        seconds = int(m.group(8))
        # the RTC runs on the host's clock: these are readings of now
        assert abs(seconds - now) < 600, (seconds, now)
        assert time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(seconds)) == \
            '{}-{}-{} {}:{}:{}'.format(*m.groups()[1:7])
    alarms = [m for m in map(ALARM_RE.match, lines) if m]
    assert [int(m.group(1)) for m in alarms] == [1, 2, 3], b.output
    seconds = [int(m.group(5)) for m in alarms]
    for m in alarms:  # each alarm came at a later second than the last
        assert int(m.group(6)) >= 1, m.group(0)
        assert time.strftime('%H:%M:%S', time.gmtime(int(m.group(5)))) == \
            '{}:{}:{}'.format(*m.groups()[1:4])
    assert seconds == sorted(set(seconds))
    for name in ('tenant_a', 'tenant_b'):
        assert f'{name}: done' in lines
    # 3 readings, 1 + 3 alarms and 2 goodbyes
    assert 'driver: 9 requests served; every tenant is done' in lines
    for name in ('driver', 'tenant_a', 'tenant_b'):
        assert any(re.match(rf"kernel: container '{name}' finished, exit "
                            r'code 0 \(exited\)', line) for line in lines)
    assert lines[-1] == 'kernel: all containers finished, exit status 0'


def test_rtc_example_scons_run_keeps_the_manifest(rtc):
    # the .config keeps CONFIG_MANIFEST: a later `scons run` without
    # MANIFEST= boots the same system, with its exit status
    _, out, _ = rtc
    rc, text = scons(f'O={out}', 'run', f'TIMEOUT={BOOT_TIMEOUT}')
    assert rc == 0, text
    assert compiled(text) == [], text  # nothing to rebuild
    assert 'tenant_a: reading 3/3: ' in text and 'tenant_b: done' in text
    assert 'kernel: all containers finished, exit status 0' in text


def test_rtc_example_rebuilds_what_changed(rtc):
    copy, out, _ = rtc
    ext = {re.sub(r'-[0-9a-f]{8}$', '', d): d for d in os.listdir(
        os.path.join(out, 'containers', 'ext'))}
    obj = {n: f'{out}/containers/ext/{d}' for n, d in ext.items()}
    # an edit in one program's folder: that program only
    main = copy / 'tenant_a' / 'main.c'
    main.write_text(main.read_text().replace('"tenant_a: done\\n"',
                                             '"tenant_a: done, edited\\n"'))
    rc, text = scons(f'O={out}')
    assert rc == 0, text
    assert compiled(text) == [f'{obj["tenant_a"]}/main.o',
                              f'{out}/containers/tenant_a/tenant_a.elf'], text
    # a new source in the folder is built on the next run
    (copy / 'tenant_a' / 'farewell.c').write_text(
        '#include <tessera/console.h>\n\n'
        'void farewell(void)\n{\n\tprintf("tenant_a: farewell from a new '
        'file\\n");\n}\n')
    text = main.read_text()
    text = text.replace('int main(void)\n',
                        'void farewell(void);\n\nint main(void)\n')
    main.write_text(text.replace(
        '\tprintf("tenant_a: done, edited\\n");',
        '\tfarewell();\n\tprintf("tenant_a: done, edited\\n");'))
    rc, text = scons(f'O={out}')
    assert rc == 0, text
    assert sorted(compiled(text)) == [
        f'{obj["tenant_a"]}/farewell.o', f'{obj["tenant_a"]}/main.o',
        f'{out}/containers/tenant_a/tenant_a.elf'], text
    # the shared header beside the folders: every program including it
    header = copy / 'rtc.h'
    header.write_text(header.read_text().replace(
        '#define RTC_TENANTS 2', '#define RTC_TENANTS 2 /* edited */'))
    rc, text = scons(f'O={out}')
    assert rc == 0, text
    assert sorted(c for c in compiled(text) if c.endswith('main.o')) == \
        sorted(f'{obj[n]}/main.o' for n in ('driver', 'tenant_a',
                                           'tenant_b')), text
    rc, text = scons(f'O={out}')
    assert rc == 0 and compiled(text) == [], text
    b = boot(out)
    assert b.status == 0, harness.explain(b)
    assert 'tenant_a: farewell from a new file' in b.lines
    assert 'tenant_a: done, edited' in b.lines


# ------------------------------------------------- errors through the build
@pytest.fixture(scope='module')
def errs(tmp_path_factory):
    """A configured build directory and a copy of examples/rtc to break."""
    out = os.path.join(TEST_BUILD, 'oot-errors')
    shutil.rmtree(out, ignore_errors=True)
    rc, text = scons(f'O={out}', 'qemu_virt_hello_defconfig')
    assert rc == 0, text
    return tmp_path_factory.mktemp('broken'), out


def broken(errs, name, program, setup=None):
    """Copy examples/rtc to <tmp>/<name>, give tenant_b program = program
    (setup(copy) prepares the folder), build; the build's error line."""
    tmp, out = errs
    copy = tmp / name
    shutil.copytree(RTC_EXAMPLE, copy)
    if setup:
        setup(copy)
    toml = copy / 'system.toml'
    toml.write_text(toml.read_text().replace('program = "./tenant_b"',
                                             f'program = "{program}"'))
    with open(os.path.join(out, 'image.bin'), 'wb') as f:
        f.write(b'stale')  # a failed build must not leave an image
    rc, text = scons(f'O={out}', f'MANIFEST={toml}')
    assert rc == 2, text
    assert not os.path.exists(os.path.join(out, 'image.bin'))
    errors = [line for line in text.splitlines()
              if line.startswith('manifest: error: ')]
    assert len(errors) == 1, text
    at = f'manifest: error: {toml}:30: container[2].program: "{program}": '
    assert errors[0].startswith(at), (errors, at)
    return errors[0][len(at):], copy


def test_error_missing_folder(errs):
    why, copy = broken(errs, 'missing', './tenat_b')
    assert why == (f'no such folder (resolved to {copy}/tenat_b): did you '
                   'mean "./tenant_b"?')
    why, copy = broken(errs, 'missing2', '../elsewhere/tenant_b')
    assert why == ('no such folder (resolved to '
                   f'{os.path.dirname(copy)}/elsewhere/tenant_b)')


def test_error_file_instead_of_folder(errs):
    why, copy = broken(errs, 'file', './rtc.h')
    assert why == f'is a file, not a folder (resolved to {copy}/rtc.h)'


def test_error_folder_without_sources(errs):
    def empty(copy):
        for f in os.listdir(copy / 'tenant_b'):
            os.remove(copy / 'tenant_b' / f)
        (copy / 'tenant_b' / 'notes.txt').write_text('no sources here\n')
    why, copy = broken(errs, 'empty', './tenant_b', empty)
    assert why == (f'holds no .c or .S source (resolved to '
                   f'{copy}/tenant_b)')


def test_error_into_the_tree_outside_containers(errs):
    tmp, _ = errs
    # from the manifest up to / and down into the tree's kernel/
    rel = os.path.relpath(os.path.join(TOP, 'kernel', 'generic'),
                          tmp / 'tree')
    why, _ = broken(errs, 'tree', rel)
    assert why == ('leads into the Tessera source tree outside containers/ '
                   'and examples/, the folders that hold programs: keep '
                   f'yours outside the tree (resolved to {TOP}/kernel/'
                   'generic)')


def test_error_into_the_build_directory(errs):
    _, out = errs
    # the build's own objects of an earlier build are no program folder
    os.makedirs(os.path.join(out, 'gen'), exist_ok=True)
    with open(os.path.join(out, 'gen', 'main.c'), 'w') as f:
        f.write('int main(void) { return 0; }\n')
    why, _ = broken(errs, 'builddir', os.path.join(out, 'gen'))
    assert why == (f'leads into the build directory {out}, which holds what '
                   'the build writes: keep program sources outside it '
                   f'(resolved to {out}/gen)')


def test_error_manifest_argument_names_no_file(errs):
    tmp, out = errs
    rc, text = scons(f'O={out}', f'MANIFEST={tmp}/nope.toml')
    assert rc == 2, text
    assert f'config: error: MANIFEST={tmp}/nope.toml: no such file ' \
        f'({tmp}/nope.toml)' in text


# ---------------------------------------------------------------- the SDK
@pytest.fixture(scope='module')
def sdk(tmp_path_factory):
    """scons sdk, then the exported example built with make elsewhere;
    (the build directory, the example's folder)."""
    out = os.path.join(TEST_BUILD, 'oot-sdk')
    shutil.rmtree(out, ignore_errors=True)
    rc, text = scons(f'O={out}', 'qemu_virt_hello_defconfig')
    assert rc == 0, text
    rc, text = scons(f'O={out}', 'sdk')
    assert rc == 0, text
    assert not os.path.exists(os.path.join(out, 'image.bin'))  # sdk only
    example = tmp_path_factory.mktemp('sdk-user') / 'example'
    shutil.copytree(os.path.join(out, 'sdk', 'example'), example)
    return out, example


def make(folder, *args):
    r = subprocess.run(['make'] + list(args), cwd=folder,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=SCONS_TIMEOUT)
    return r.returncode, r.stdout


def test_sdk_holds_headers_library_linker_script_and_flags(sdk):
    out, _ = sdk
    root = os.path.join(out, 'sdk')
    have = files_of(root)
    for folder in ('containers/lib/include', 'kernel/include/uapi',
                   'libc/include'):
        for h in files_of(os.path.join(TOP, folder)):
            assert os.path.join('include', h) in have, h
            with open(os.path.join(TOP, folder, h), 'rb') as f, \
                    open(os.path.join(root, 'include', h), 'rb') as g:
                assert f.read() == g.read(), h
    for f in ('include/generated/autoconf.h', 'include/generated/board.h',
              'lib/libuser.a', 'lib/user.ld', 'flags.mk', 'example/Makefile',
              'example/main.c'):
        assert f in have, f
    # libuser.a holds the user library and the small libc
    r = subprocess.run(['arm-none-eabi-ar', 't',
                        os.path.join(root, 'lib', 'libuser.a')],
                       stdout=subprocess.PIPE, text=True, timeout=60)
    members = set(r.stdout.split())
    assert {'crt0.o', 'console.o', 'printf.o', 'string.o'} <= members
    flags = open(os.path.join(root, 'flags.mk')).read()
    assert re.search(r'^TESSERA_CFLAGS = -mcpu=cortex-a15 -marm .*-Werror .*'
                     r'-include \$\(SDK\)/include/generated/autoconf\.h '
                     r'-std=gnu11 -I\$\(SDK\)/include$', flags, re.M), flags
    assert '$(SDK)/lib/user.ld' in flags and TOP not in flags
    # the example's Makefile defaults to this export wherever it is copied
    mk = open(os.path.join(root, 'example', 'Makefile')).read()
    assert f'\nSDK ?= {os.path.abspath(root)}\n' in mk


def test_sdk_make_builds_a_program_linked_at_virt(sdk):
    _, example = sdk
    rc, text = make(example, 'VIRT=0x10000000')
    assert rc == 0, text
    prog = Elf(str(example / 'example.elf'))
    assert prog.type == 2 and prog.entry == 0x10000000
    assert prog.flat_image(use_paddr=False)[0] == 0x10000000
    assert 'main' in prog.symbols() and 'printf' in prog.symbols()
    rc, text = make(example, 'VIRT=0x10000000')
    assert rc == 0 and 'arm-none-eabi-gcc' not in text, text  # up to date
    rc, text = make(example, 'VIRT=0x20000000')  # another address: relinked
    assert rc == 0 and '--defsym=USER_BASE=0x20000000' in text, text
    assert Elf(str(example / 'example.elf')).flat_image(
        use_paddr=False)[0] == 0x20000000
    rc, text = make(example, 'VIRT=0x10000000')
    assert rc == 0, text


ELF_SYSTEM = """\
format = 2

[[container]]
name = "example"
elf = "./example.elf"
ram_offset = 0x01000000
virt = 0x10000000
size = 0x100000
"""


def test_sdk_elf_is_packed_and_boots(sdk):
    out, example = sdk
    rc, text = make(example, 'VIRT=0x10000000')
    assert rc == 0, text
    toml = example / 'system.toml'
    toml.write_text(ELF_SYSTEM)
    rc, text = scons(f'O={out}', f'MANIFEST={toml}')
    assert rc == 0, text
    copied = os.path.join(out, 'containers', 'example', 'example.elf')
    with open(copied, 'rb') as f:
        assert f.read() == (example / 'example.elf').read_bytes()
    b = boot(out)
    assert b.status == 0, harness.explain(b)
    assert ('example: hello from container 0, thread 1, built with the SDK '
            'and linked at 0x10000000') in b.lines, b.output
    # a changed program is copied and packed again on the next build
    main = example / 'main.c'
    text = main.read_text()
    assert 'hello from container' in text
    main.write_text(text.replace('hello from container',
                                 'hello again from container'))
    rc, text = make(example, 'VIRT=0x10000000')
    assert rc == 0, text
    rc, text = scons(f'O={out}')
    assert rc == 0, text
    assert compiled(text) == [copied], text
    assert '  PACK    ' in text
    b = boot(out)
    assert b.status == 0, harness.explain(b)
    assert any(line.startswith('example: hello again from container 0')
               for line in b.lines), b.output


def test_sdk_elf_errors_stop_the_build(sdk):
    out, example = sdk
    toml = example / 'system.toml'
    toml.write_text(ELF_SYSTEM)
    where = f'manifest: error: {toml}:5: container[0].elf: "./example.elf": '
    resolved = f'(resolved to {example}/example.elf)'

    def error():
        rc, text = scons(f'O={out}', f'MANIFEST={toml}')
        assert rc == 2, text
        assert not os.path.exists(os.path.join(out, 'image.bin'))
        return [line for line in text.splitlines()
                if line.startswith('manifest: error: ')]
    rc, text = make(example, 'VIRT=0x20000000')
    assert rc == 0, text
    assert error() == [
        f'{where}linked at 0x20000000, but container "example" has virt = '
        '0x10000000 (container[0].virt, line 7): link it at 0x10000000 (the '
        f"SDK's Makefile: make VIRT=0x10000000) {resolved}"]
    rc, text = make(example, 'clean')
    assert rc == 0, text
    assert error() == [f'{where}no such file {resolved}']
    (example / 'example.elf').write_text('not a program\n')
    assert error() == [f'{where}not an ELF file (it does not start with '
                       f'"\\x7fELF") {resolved}']
    toml.write_text(ELF_SYSTEM.replace('elf = "./example.elf"\n',
                                       'elf = "./example.elf"\n'
                                       'program = "./src"\n'))
    assert error() == [
        f'manifest: error: {toml}:5: container[0].elf: give either program '
        '(a folder of sources the build compiles) or elf (a program built '
        'elsewhere), not both']


def test_manifest_argument_is_a_path_from_where_scons_started(tmp_path):
    # a defconfig and MANIFEST= in one command: configured, nothing built;
    # the path is taken from the directory scons was started in (-C)
    shutil.copytree(RTC_EXAMPLE, tmp_path / 'rtc')
    out = os.path.join(TEST_BUILD, 'oot-launch')
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run(['scons', '-Q', '-C', TOP, f'O={out}',
                        'qemu_virt_hello_defconfig',
                        'MANIFEST=rtc/system.toml'],
                       cwd=tmp_path, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    assert r.returncode == 0, r.stdout
    assert f'config: {out}/.config: CONFIG_MANIFEST="{tmp_path}/rtc/' \
        'system.toml" (MANIFEST=)' in r.stdout
    assert compiled(r.stdout) == [] and not os.path.exists(
        os.path.join(out, 'image.bin'))
    with open(os.path.join(out, '.config')) as f:
        assert f'\nCONFIG_MANIFEST="{tmp_path}/rtc/system.toml"\n' in f.read()
    # a manifest in the tree is kept as the defconfigs write it
    rc, text = scons(f'O={out}', 'qemu_virt_hello_defconfig',
                     'MANIFEST=examples/rtc/system.toml')
    assert rc == 0, text
    with open(os.path.join(out, '.config')) as f:
        assert '\nCONFIG_MANIFEST="examples/rtc/system.toml"\n' in f.read()
