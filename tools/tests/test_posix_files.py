"""Initial files for the POSIX personality: a memory entry's
files = "./folder" packed by tools/pack.py as an archive part
(tools/files_archive.py), read back by posix/fs's loader; the manifest's
checks and their file:line messages (docs/posix.md, docs/manifest.md)."""
import os
import re
import subprocess

import pytest

import board
import elf
import files_archive
import harness
import image_format as fmt
import inspect_image
import manifest
import pack
from conftest import TEST_BUILD, TOP

OUT = os.path.join(TEST_BUILD, 'hello')   # the build test_pack uses too
BOARD = board.load('qemu_virt')
PROGRAMS = os.path.join(TOP, 'containers')
REGION_PHYS = BOARD['memory']['ram_base'] + 0x01200000

MANIFEST = '''format = 2

[[container]]
name = "hello"
program = "examples/hello"
ram_offset = 0x01000000
virt = 0x10000000
size = 0x100000

[[container.memory]]
ram_offset = 0x01200000
size = {size}
virt = 0x20000000
access = "r"
files = "{files}"
'''


def write_manifest(tmp_path, files='./rootfs', size='0x10000', extra=''):
    m = tmp_path / 'system.toml'
    m.write_text(MANIFEST.format(files=files, size=size) + extra)
    return str(m)


def make_rootfs(root):
    """A folder with nested folders, permissions, an empty file and one
    spanning several 4 KiB chunks; returns {path: (mode, data)}."""
    files = {'etc/motd': b'welcome\n', 'etc/empty': b'',
             'bin/big': bytes((k * 7) & 0xff for k in range(10000)),
             'readme': b'top level'}
    for path, data in files.items():
        os.makedirs(root / os.path.dirname(path), exist_ok=True)
        (root / path).write_bytes(data)
    os.makedirs(root / 'var' / 'tmp')
    os.chmod(root / 'bin' / 'big', 0o755)
    os.chmod(root / 'etc' / 'motd', 0o600)
    return files


def c_define(header, name):
    with open(os.path.join(TOP, 'posix', 'fs', 'include', 'fs', header)) as f:
        m = re.search(rf'#define {name}\s+(\S.*?)\s*(/\*.*)?$', f.read(),
                      re.M)
    # 63u, (1u << 30), 0x...u, 0040000 (octal)
    expr = re.sub(r'\b0(\d+)', r'0o\1', m.group(1).replace('u', ''))
    return eval(expr)


def test_constants_agree_with_the_c_headers():
    assert c_define('fs.h', 'FS_NAME_MAX') == files_archive.NAME_MAX
    assert c_define('fs.h', 'FS_PATH_MAX') == files_archive.PATH_MAX
    assert c_define('fs.h', 'FS_FILE_MAX') == files_archive.FILE_MAX
    assert c_define('fs.h', 'FS_S_IFDIR') == files_archive.S_IFDIR
    assert c_define('fs.h', 'FS_S_IFREG') == files_archive.S_IFREG
    assert c_define('archive.h', 'FS_ARCHIVE_MAGIC') == files_archive.MAGIC
    assert c_define('archive.h', 'FS_ARCHIVE_VERSION') == \
        files_archive.VERSION
    assert c_define('archive.h', 'FS_ARCHIVE_HEADER_SIZE') == \
        files_archive.HEADER.size
    assert c_define('archive.h', 'FS_ARCHIVE_ENTRY_SIZE') == \
        files_archive.ENTRY.size


@pytest.fixture(scope='module')
def dump(tmp_path_factory):
    """posix/fs/tests/archive_dump.c built with the library: loads an
    archive and lists the tree it made."""
    exe = str(tmp_path_factory.mktemp('dump') / 'archive_dump')
    srcs = sorted(os.path.join('posix', 'fs', f) for f in
                  os.listdir(os.path.join(TOP, 'posix', 'fs'))
                  if f.endswith('.c'))
    r = subprocess.run(
        ['gcc', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-fno-builtin',
         '-include', 'libc/tests/host_rename.h', '-Ilibc/include',
         '-Iposix/fs/include', '-o', exe, *srcs, 'libc/string.c',
         'libc/printf.c', 'posix/fs/tests/archive_dump.c'],
        cwd=TOP, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

    def run(blob, tmp_path):
        path = tmp_path / 'archive.bin'
        path.write_bytes(blob)
        return subprocess.run([exe, str(path)], capture_output=True,
                              text=True, timeout=60)
    return run


def c_sum(data):
    s = 0
    for b in data:
        s = (s * 31 + b) & 0xffffffffffffffff
    return s


def test_c_loader_reads_what_the_packer_packs(dump, tmp_path):
    files = make_rootfs(tmp_path / 'rootfs')
    blob = files_archive.build(str(tmp_path / 'rootfs'))
    # what the manifest check measures without reading a file
    assert files_archive.measure(str(tmp_path / 'rootfs')) == len(blob)
    r = dump(blob, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    got = {line.split()[0]: line.split()[1:] for line in
           r.stdout.splitlines()}
    for path, data in files.items():
        mode = os.stat(tmp_path / 'rootfs' / path).st_mode & 0o7777
        assert got.pop('/' + path) == [f'{0o100000 | mode:o}',
                                       str(len(data)), str(c_sum(data))]
    for d in ('etc', 'bin', 'var', 'var/tmp'):
        assert got.pop('/' + d) == ['40755', '0', '0']
    assert got == {}
    # each directory before what it holds, names sorted
    assert [p for p, _, _ in files_archive.parse(blob)] == [
        'bin', 'bin/big', 'etc', 'etc/empty', 'etc/motd', 'readme', 'var',
        'var/tmp']


def test_c_loader_refuses_what_python_corrupts(dump, tmp_path):
    make_rootfs(tmp_path / 'rootfs')
    blob = files_archive.build(str(tmp_path / 'rootfs'))
    r = dump(blob[:-1], tmp_path)
    assert r.returncode == 1 and 'truncated' in r.stdout, r.stdout
    r = dump(b'XFSA' + blob[4:], tmp_path)
    assert r.returncode == 1 and 'bad magic' in r.stdout, r.stdout
    # the first entry's path ("bin") made "a/.": a "." component
    bad = bytearray(blob)
    at = files_archive.HEADER.size + files_archive.ENTRY.size
    assert bytes(bad[at:at + 3]) == b'bin'
    bad[at:at + 3] = b'a/.'
    r = dump(bytes(bad), tmp_path)
    assert r.returncode == 1 and 'entry 0' in r.stdout and \
        'bad path' in r.stdout, r.stdout


@pytest.fixture(scope='module')
def built():
    harness.build('qemu_virt_hello_defconfig', OUT)


def pack_args(tmp_path, manifest_path):
    return ['--board', 'qemu_virt', '--manifest', manifest_path,
            '--loader', os.path.join(OUT, 'loader', 'loader.elf'),
            '--kernel', os.path.join(OUT, 'kernel', 'kernel.elf'),
            '--container', 'hello',
            os.path.join(OUT, 'containers', 'hello', 'hello.elf'),
            '--bin', str(tmp_path / 'i.bin'), '--elf', str(tmp_path / 'i.elf')]


def test_files_packed_as_a_part_in_their_region(built, tmp_path):
    make_rootfs(tmp_path / 'rootfs')
    m = write_manifest(tmp_path)
    man = manifest.load(m, BOARD, PROGRAMS)  # the build's checks pass
    assert man.containers[0].memory[0].files == str(tmp_path / 'rootfs')
    assert pack.main(pack_args(tmp_path, m)) == 0
    img = inspect_image.load(str(tmp_path / 'i.bin'))
    assert img.check() == []
    assert [(p['kind'], p['name']) for p in img.parts] == [
        (fmt.PART_KERNEL, 'kernel'), (fmt.PART_BOOTINFO, 'bootinfo'),
        (fmt.PART_CONTAINER, 'hello'), (fmt.PART_CONTAINER, 'hello.files')]
    part = img.parts[3]
    blob = files_archive.build(str(tmp_path / 'rootfs'))
    assert part['load_addr'] == REGION_PHYS
    assert part['raw_size'] == part['mem_size'] == len(blob)
    assert img.part_data(part) == blob
    # the boot info still names the program part
    assert img.bootinfo()[0]['program_part'] == 2
    r = subprocess.run(['/usr/bin/python3', 'tools/inspect_image.py',
                        str(tmp_path / 'i.bin')], cwd=TOP,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert re.search(rf'3 container\s+hello\.files\s+0x{REGION_PHYS:08x}',
                     r.stdout), r.stdout


def test_loader_places_the_files_part(built, tmp_path):
    """The loader needs no change: the part is a container part (checked,
    decoded and verified like a program) at the region's address."""
    make_rootfs(tmp_path / 'rootfs')
    assert pack.main(pack_args(tmp_path, write_manifest(tmp_path))) == 0
    b = harness.boot(str(tmp_path / 'i.elf'), board='qemu_virt')
    assert 'image refused' not in b.output, b.output
    assert 'hello: goodbye' in b.output, b.output
    assert b.status == 0, b.output
    # and it is verified as a program is: a damaged frame stops the boot
    img = inspect_image.load(str(tmp_path / 'i.bin'))
    p = img.parts[3]
    blob = bytearray(img.blob)
    blob[p['file_offset'] + p['frame_size'] // 2] ^= 0x40
    base = BOARD['memory']['image_base']
    elf.write_flat_elf(str(tmp_path / 'bad.elf'), base, bytes(blob), base)
    b = harness.boot(str(tmp_path / 'bad.elf'), board='qemu_virt')
    assert "loader: image refused: part 3 'hello.files'" in b.output, \
        b.output
    assert 'hello:' not in b.output and b.status == 2, b.output


def test_empty_folder_packs_an_empty_archive(built, tmp_path):
    os.makedirs(tmp_path / 'rootfs')
    blob = files_archive.build(str(tmp_path / 'rootfs'))
    assert blob == files_archive.HEADER.pack(files_archive.MAGIC, 1, 16, 0,
                                             16)
    assert pack.main(pack_args(tmp_path, write_manifest(tmp_path))) == 0


def check_error(m, key, *words):
    """manifest.load fails naming m's file:line of key and the words."""
    with pytest.raises(manifest.ManifestError) as e:
        manifest.load(m, BOARD, PROGRAMS)
    text = open(m).read().splitlines()
    line = next(i for i, t in enumerate(text, 1)
                if t.startswith(key.rsplit('.', 1)[-1] + ' ='))
    msg = str(e.value)
    assert msg.startswith(f'{m}:{line}: {key}: '), msg
    for w in words:
        assert w in msg, msg
    return msg


KEY = 'container[0].memory[0].files'


def test_error_missing_folder(tmp_path):
    m = write_manifest(tmp_path, files='./nope')
    check_error(m, KEY, 'container "hello": files:',
                f'{tmp_path}/nope: no such folder')
    (tmp_path / 'afile').write_text('x')
    m = write_manifest(tmp_path, files='./afile')
    check_error(m, KEY, 'not a folder')


def test_error_not_relative(tmp_path):
    os.makedirs(tmp_path / 'rootfs')
    m = write_manifest(tmp_path, files='rootfs')
    check_error(m, KEY, '"rootfs": expected a folder relative to the '
                'manifest')


def test_error_too_big_for_region(tmp_path):
    os.makedirs(tmp_path / 'rootfs')
    (tmp_path / 'rootfs' / 'blob').write_bytes(b'x' * 5000)
    m = write_manifest(tmp_path, size='0x1000')
    check_error(m, KEY, 'pack into 0x13a8 (', "more than the region's "
                '0x1000 (4 KiB) (raise its size)')
    # exactly fitting is fine: 16 + 12 + 4 ("blob") + 4068
    (tmp_path / 'rootfs' / 'blob').write_bytes(b'x' * 4064)
    manifest.load(m, BOARD, PROGRAMS)


def test_error_name_too_long(tmp_path):
    os.makedirs(tmp_path / 'rootfs' / 'd')
    (tmp_path / 'rootfs' / 'd' / ('n' * 64)).write_text('x')
    m = write_manifest(tmp_path)
    check_error(m, KEY, f'{"n" * 64}" is 64 bytes, at most 63')
    os.rename(tmp_path / 'rootfs' / 'd' / ('n' * 64),
              tmp_path / 'rootfs' / 'd' / ('n' * 63))
    manifest.load(m, BOARD, PROGRAMS)


def test_error_path_too_long(tmp_path):
    deep = tmp_path / 'rootfs'
    for _ in range(5):
        deep = deep / ('d' * 50)
    os.makedirs(deep)
    (deep / 'f').write_text('x')  # 5 * 51 + 1 = 256 bytes
    check_error(write_manifest(tmp_path), KEY, 'is 256 bytes, less than '
                '256 (FS_PATH_MAX) allowed')


def test_error_symlink(tmp_path):
    os.makedirs(tmp_path / 'rootfs')
    os.symlink('/etc/passwd', tmp_path / 'rootfs' / 'link')
    check_error(write_manifest(tmp_path), KEY, 'link: a symbolic link (to '
                '/etc/passwd)')


def test_error_special_file(tmp_path):
    os.makedirs(tmp_path / 'rootfs')
    os.mkfifo(tmp_path / 'rootfs' / 'fifo')
    check_error(write_manifest(tmp_path), KEY, 'fifo: a special file')


def test_error_two_regions_with_files(tmp_path):
    os.makedirs(tmp_path / 'rootfs')
    m = write_manifest(tmp_path, extra='''
[[container.memory]]
ram_offset = 0x01300000
size = 0x10000
files = "./rootfs"
''')
    with pytest.raises(manifest.ManifestError) as e:
        manifest.load(m, BOARD, PROGRAMS)
    assert f'{m}:20: container[0].memory[1].files: container "hello": ' \
        'files in one memory region only (first at ' \
        'container[0].memory[0], line 10)' in str(e.value)


def test_packer_names_the_key_too(built, tmp_path, capsys):
    """pack.py's own load does not check folders (as with programs): it
    finds the problem when it packs, with the same file:line."""
    m = write_manifest(tmp_path, files='./nope')
    manifest.load(m, BOARD)  # resolved only
    assert pack.main(pack_args(tmp_path, m)) == 1
    err = capsys.readouterr().err
    assert f'pack: error: {m}:15: {KEY}: container "hello": files: ' \
        f'{tmp_path}/nope: no such folder' in err, err
    assert not (tmp_path / 'i.bin').exists()


def test_manifest_check_command(tmp_path):
    os.makedirs(tmp_path / 'rootfs')
    os.symlink('x', tmp_path / 'rootfs' / 'l')
    r = subprocess.run(['/usr/bin/python3', 'tools/manifest.py', 'check',
                        write_manifest(tmp_path)], cwd=TOP,
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert f'{KEY}: container "hello": files: ' in r.stderr
    assert 'a symbolic link' in r.stderr


def test_scons_repacks_when_a_file_changes(tmp_path):
    """A build with MANIFEST= naming a files folder: editing, adding or
    removing a file there repacks the image."""
    make_rootfs(tmp_path / 'rootfs')
    m = write_manifest(tmp_path)
    out = os.path.join(TEST_BUILD, 'posix-files')
    r = harness.scons(f'O={out}', 'qemu_virt_hello_defconfig')
    assert r.returncode == 0, r.stdout
    image = os.path.join(out, 'image.bin')

    def files_part():
        r = harness.scons(f'O={out}', f'MANIFEST={m}')
        assert r.returncode == 0, r.stdout
        img = inspect_image.load(image)
        return img.part_data(img.parts[3])

    assert files_part() == files_archive.build(str(tmp_path / 'rootfs'))
    (tmp_path / 'rootfs' / 'readme').write_text('changed')
    assert b'changed' in files_part()
    (tmp_path / 'rootfs' / 'var' / 'new').write_text('new file')
    assert b'var/new' in files_part()
    os.remove(tmp_path / 'rootfs' / 'var' / 'new')
    os.rmdir(tmp_path / 'rootfs' / 'var' / 'tmp')
    assert files_part() == files_archive.build(str(tmp_path / 'rootfs'))


def short_campaign(tmp_path, target, seeds, runs):
    """A libFuzzer target of posix/ (built by scons fuzz-host; not among
    test_host_fuzz's loader targets): its seeds and a short campaign that
    is the same every time (-seed=1), without a finding."""
    out = os.path.join(TEST_BUILD, 'posix-files-fuzz')
    r = harness.scons(f'O={out}', 'qemu_virt_hello_defconfig')
    assert r.returncode == 0, r.stdout
    exe = os.path.join(out, 'host', 'fuzz', target)
    r = harness.scons(f'O={out}', exe)
    assert r.returncode == 0, r.stdout
    corpus = tmp_path / f'corpus-{target}'
    corpus.mkdir()
    for name in os.listdir(seeds):
        (corpus / name).write_bytes(open(os.path.join(seeds, name),
                                         'rb').read())
    assert len(os.listdir(corpus)) >= 3
    artifacts = tmp_path / f'artifacts-{target}'
    artifacts.mkdir()
    r = subprocess.run([exe, '-seed=1', f'-runs={runs}', '-timeout=10',
                        f'-artifact_prefix={artifacts}/', str(corpus)],
                       cwd=TOP, capture_output=True, text=True,
                       errors='replace', timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert 'ERROR:' not in out and 'runtime error' not in out, out[-4000:]
    assert not os.listdir(artifacts)
    assert re.search(r'^#\d+\s+DONE ', out, re.M), out[-3000:]


def test_fuzz_posix_fs_short_campaign(tmp_path):
    """posix/fs/fuzz/fuzz_posix_fs: random operation sequences and
    archives against the file system library."""
    short_campaign(tmp_path, 'fuzz_posix_fs', os.path.join(
        TOP, 'posix', 'fs', 'fuzz', 'corpus', 'fuzz_posix_fs'), 3000)


def test_fuzz_vm_short_campaign(tmp_path):
    """posix/vm/fuzz/fuzz_vm: the model-checked walk of four processes
    (mmap, munmap, mprotect, accesses, fork, exit, allocation failures)
    against the VM library, under ASan/UBSan."""
    short_campaign(tmp_path, 'fuzz_vm', os.path.join(
        TOP, 'posix', 'vm', 'fuzz', 'corpus', 'fuzz_vm'), 3000)


def test_a_restarted_container_gets_its_files_back(tmp_path):
    """The kernel restores a restarted container's memory from the image:
    every part that lands in it, the files too, not only the program
    (containers/tests/files_restart: checks the archive, overwrites it,
    fails; restarted once, it must find the archive intact again)."""
    make_rootfs(tmp_path / 'rootfs')
    m = tmp_path / 'system.toml'
    m.write_text(MANIFEST.format(files='./rootfs', size='0x10000')
                 .replace('examples/hello', 'tests/files_restart')
                 .replace('name = "hello"', 'name = "files_restart"')
                 .replace('access = "r"', 'access = "rw"')
                 .replace('size = 0x100000\n', 'size = 0x100000\n'
                          'restart = "on-failure"\nrestart_limit = 1\n', 1))
    out = os.path.join(TEST_BUILD, 'posix-files-restart')
    for args in (['qemu_virt_hello_defconfig'], [f'MANIFEST={m}']):
        r = harness.scons(f'O={out}', *args)
        assert r.returncode == 0, r.stdout
    b = harness.boot(os.path.join(out, 'image.elf'), timeout=30)
    assert b.output.count('files_restart: archive intact') == 2, b.output
    assert 'overwritten' not in b.output
    assert "kernel: container 'files_restart' restarting (1)" in b.output


# ---- [container.posix] init (docs/posix.md, "The manifest") ----------------

def posix_manifest(tmp_path, init):
    return write_manifest(tmp_path, extra=f'''
[container.posix]
init = "{init}"
''')


def test_posix_init_is_packed_as_etc_init(tmp_path):
    """The line lands in the archive as /etc/init (after an etc directory
    the folder lacks), and the size check counts it."""
    os.makedirs(tmp_path / 'rootfs' / 'tmp')
    (tmp_path / 'rootfs' / 'prog').write_text('x')
    m = posix_manifest(tmp_path, '/prog one two')
    man = manifest.load(m, BOARD, PROGRAMS)
    c = man.containers[0]
    assert c.posix_init == '/prog one two'
    _, blob = manifest.files_archive(c, manifest.ManifestError)
    entries = {p: (mode, d) for p, mode, d in files_archive.parse(blob)}
    assert entries['etc'][0] == files_archive.S_IFDIR | 0o755
    assert entries['etc/init'] == (files_archive.S_IFREG | 0o644,
                                   b'/prog one two\n')
    assert len(blob) == files_archive.measure(
        str(tmp_path / 'rootfs'), {'etc/init': b'/prog one two\n'})
    # a program the build makes from the folder's sibling bin/<name>/
    os.makedirs(tmp_path / 'bin' / 'sh')
    (tmp_path / 'bin' / 'sh' / 'sh.c').write_text('int main(void){}')
    assert manifest.load(posix_manifest(tmp_path, '/bin/sh /etc/x'), BOARD,
                         PROGRAMS).containers[0].posix_init == '/bin/sh /etc/x'


POSIX_KEY = 'container[0].posix.init'


def test_posix_init_errors(tmp_path):
    os.makedirs(tmp_path / 'rootfs' / 'bin')
    (tmp_path / 'rootfs' / 'bin' / 'shell').write_text('x')
    check_error(posix_manifest(tmp_path, '/bin/shel'), POSIX_KEY,
                'container "hello": posix.init: "/bin/shel" is not in the '
                "container's files", 'did you mean "/bin/shell"')
    check_error(posix_manifest(tmp_path, 'bin/shell'), POSIX_KEY,
                'expected an absolute path')
    check_error(posix_manifest(tmp_path, ' '), POSIX_KEY,
                'expected one line of 1 to 7 words')
    check_error(posix_manifest(tmp_path, '/bin/shell 1 2 3 4 5 6 7'),
                POSIX_KEY, 'expected one line of 1 to 7 words')
    check_error(posix_manifest(tmp_path, '/bin/shell ' + 'x' * 250),
                POSIX_KEY, 'at most 255 bytes')
    os.makedirs(tmp_path / 'rootfs' / 'etc')
    (tmp_path / 'rootfs' / 'etc' / 'init').write_text('/bin/shell\n')
    check_error(posix_manifest(tmp_path, '/bin/shell'), POSIX_KEY,
                'etc/init exists too: give the command in one place')
    # without files: nowhere to hold the program
    m = tmp_path / 'nofiles.toml'
    m.write_text(MANIFEST.split('[[container.memory]]')[0] +
                 '[container.posix]\ninit = "/bin/sh"\n')
    check_error(str(m), POSIX_KEY, "needs the container's files")
    m.write_text(MANIFEST.format(files='./rootfs', size='0x10000') +
                 '[container.posix]\ninit = "/bin/shell"\nshell = 1\n')
    with pytest.raises(manifest.ManifestError) as e:
        manifest.load(str(m), BOARD, PROGRAMS)
    assert 'container[0].posix.shell' in str(e.value)
