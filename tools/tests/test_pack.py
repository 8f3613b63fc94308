"""Packer and image inspector on a real build of the default configuration."""
import os
import struct
import subprocess

import lz4.frame
import pytest

import board
import elf
import harness
import image_format as fmt
import inspect_image
import version
import manifest
import pack
from conftest import TEST_BUILD, TOP

OUT = os.path.join(TEST_BUILD, 'hello')
BOARD = board.load('qemu_virt')


@pytest.fixture(scope='module')
def built():
    harness.build('qemu_virt_hello_defconfig', OUT)
    return inspect_image.load(os.path.join(OUT, 'image.bin'))


def test_table_describes_every_part(built):
    img = built
    assert (img.magic, img.version, img.nr_parts) == (
        fmt.IMAGE_MAGIC, fmt.IMAGE_VERSION, 3)
    assert img.image_base == BOARD['memory']['image_base']
    assert img.image_size == len(img.blob)
    kinds = [(p['kind'], p['name']) for p in img.parts]
    assert kinds == [(fmt.PART_KERNEL, 'kernel'),
                     (fmt.PART_BOOTINFO, 'bootinfo'),
                     (fmt.PART_CONTAINER, 'hello')]
    kernel, _, hello = img.parts
    assert kernel['load_addr'] == BOARD['memory']['kernel_phys']
    assert kernel['entry'] == BOARD['memory']['kernel_phys']
    assert hello['load_addr'] == 0x41000000
    assert hello['entry'] == elf.Elf(os.path.join(OUT, 'containers', 'hello',
                                                  'hello.elf')).entry
    assert img.check() == []


def test_frames_are_lz4_with_content_checksum(built):
    for p in built.parts:
        frame = built.blob[p['file_offset']:p['file_offset'] + p['frame_size']]
        assert struct.unpack('<I', frame[:4])[0] == 0x184D2204
        assert frame[4] & 0x04, 'content checksum flag'
        data = lz4.frame.decompress(frame)
        assert len(data) == p['raw_size']


def bootinfo_bytes(img):
    p = img.parts[img.bootinfo_part]
    return lz4.frame.decompress(
        img.blob[p['file_offset']:p['file_offset'] + p['frame_size']])


def test_bootinfo_matches_manifest(built):
    data = bootinfo_bytes(built)
    (magic, version, size, n, csize, capsize, caps_offset,
     nr_caps) = fmt.BI_HEADER.unpack_from(data)
    assert (magic, version, n, csize, capsize) == (
        fmt.BOOTINFO_MAGIC, fmt.BOOTINFO_VERSION, 1, fmt.BI_CONTAINER_SIZE,
        fmt.BI_CAP.size)
    assert size == len(data) == caps_offset + nr_caps * fmt.BI_CAP.size
    name, part, entry, stack_top, utcb, prio, nreg = \
        fmt.BI_CONTAINER.unpack_from(data, fmt.BI_HEADER.size)
    m = manifest.load(os.path.join(TOP, 'configs', 'hello.toml'), BOARD)
    c = m.containers[0]
    assert name.rstrip(b'\0') == b'hello' and part == 2
    assert (stack_top, utcb, prio, nreg) == (c.stack_top, c.utcb, c.priority,
                                             1)
    kind, phys, virt, rsize, flags = fmt.BI_REGION.unpack_from(
        data, fmt.BI_HEADER.size + fmt.BI_CONTAINER.size)
    assert (kind, phys, virt, rsize) == (fmt.BI_REGION_PROGRAM, c.phys, c.virt,
                                         c.size)
    tail = fmt.BI_CONTAINER_TAIL.unpack_from(
        data, fmt.BI_HEADER.size + fmt.BI_CONTAINER_SIZE -
        fmt.BI_CONTAINER_TAIL.size)
    caps = manifest.capabilities(m, c)
    # cpu_mask last: CONFIG_NR_CPUS is 1 here, so CPU 0
    assert tail == (fmt.BI_RESTART_NEVER, 0, 0, len(caps), 0, 0, 0x1) and caps
    assert [fmt.BI_CAP.unpack_from(data, caps_offset + i * fmt.BI_CAP.size)
            for i in range(nr_caps)] == caps


def test_elf_and_bin_hold_the_same_bytes(built):
    e = elf.Elf(os.path.join(OUT, 'image.elf'))
    base, data, _ = e.flat_image()
    assert base == built.image_base and e.entry == base
    assert data == built.blob


def test_inspector_command(built):
    # run as the README says, by its own #! line
    r = subprocess.run(['tools/inspect_image.py',
                        os.path.join(OUT, 'image.bin')], cwd=TOP,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    v = version.string(version.read())
    assert f': Tessera {v}, table format {fmt.IMAGE_VERSION},' in r.stdout
    assert 'image ok' in r.stdout and ' hello ' in r.stdout
    assert "container 0 'hello': priority 10, cpus 0, entry" in r.stdout
    assert 'cap  0 physmem' in r.stdout


FULL = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'manifests',
                    'full.toml')


@pytest.fixture(scope='module')
def full_image(built, tmp_path_factory):
    """tests/manifests/full.toml packed, both containers running hello."""
    tmp = tmp_path_factory.mktemp('full')
    hello = os.path.join(OUT, 'containers', 'hello', 'hello.elf')
    args = pack_args(tmp, FULL, hello) + ['--container', 'server', hello,
                                          '--container', 'client', hello]
    assert pack.main(args) == 0
    return str(tmp / 'i.bin')


def test_packed_bootinfo_holds_every_capability(full_image):
    img = inspect_image.load(full_image)
    assert img.check() == []
    m = manifest.load(FULL, BOARD)
    got = img.bootinfo()
    assert [c['name'] for c in got] == ['server', 'client']
    for c, g in zip(m.containers, got):
        assert [tuple(cap[f] for f in inspect_image.CAP_FIELDS)
                for cap in g['caps']] == manifest.capabilities(m, c)
        assert [tuple(r.values()) for r in g['regions']] == c.regions()
        assert (g['restart'], g['restart_limit']) == (c.restart_code,
                                                       c.restart_limit)
        assert g['priority'] == c.priority


def test_inspector_prints_capabilities(full_image):
    r = subprocess.run(['/usr/bin/python3', 'tools/inspect_image.py',
                        full_image], cwd=TOP, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "container 0 'server': priority 20, cpus 0, entry 0x" in out
    assert 'restart on-failure (limit 3), 2 region(s), 18 capabilities' in out
    assert "container 1 'client'" in out and 'restart always' in out
    lines = [line.strip() for line in out.splitlines()]
    for expected in (
            'region memory   phys 0x41200000 virt 0x20000000 size '
            '0x00100000 rw-',
            'cap  1 physmem            0x41200000..0x41300000 rw-; flags '
            'share,grant,split,deduce,destroy; list container',
            'cap  3 virtmem            0x30000000..0x30100000 rwx; flags '
            'share,grant,split,deduce,destroy; list container',
            'cap  4 devmem             0x09030000..0x09031000 rw-d irq 39; '
            'flags share,grant,split,deduce,destroy; list container',
            'cap  5 threads            16 units; flags '
            'share,grant,split,deduce,destroy; list container',
            'cap 11 thread_control     ops all on container 0 (server); '
            'flags all; list container',
            'cap  7 ipc                ops send on container 0 (server); '
            'flags all; list container',
            'cap  8 thread_control     ops suspend,resume on container 0 '
            '(server); flags share; list private',
            'cap  9 map                ops all on container 1 (client); '
            'flags all; list container'):
        assert expected in lines, f'{expected!r} not in:\n{out}'


def pack_args(tmp_path, manifest_path, container_elf):
    return ['--board', 'qemu_virt', '--manifest', manifest_path,
            '--loader', os.path.join(OUT, 'loader', 'loader.elf'),
            '--kernel', os.path.join(OUT, 'kernel', 'kernel.elf'),
            '--container', 'hello', container_elf,
            '--bin', str(tmp_path / 'i.bin'), '--elf', str(tmp_path / 'i.elf')]


def test_packer_rejects_program_linked_elsewhere(built, tmp_path, capsys):
    moved = tmp_path / 'm.toml'
    text = open(os.path.join(TOP, 'configs', 'hello.toml')).read()
    moved.write_text(text.replace('virt = 0x10000000', 'virt = 0x20000000'))
    hello = os.path.join(OUT, 'containers', 'hello', 'hello.elf')
    assert pack.main(pack_args(tmp_path, str(moved), hello)) == 1
    err = capsys.readouterr().err
    assert 'container "hello": program' in err and 'linked at 0x10000000' in err
    assert not (tmp_path / 'i.bin').exists()


def test_packer_rejects_program_too_big_for_region(built, tmp_path, capsys):
    small = tmp_path / 'm.toml'
    text = open(os.path.join(TOP, 'configs', 'hello.toml')).read()
    small.write_text(text.replace('size = 0x100000', 'size = 0x6000'))
    hello = os.path.join(OUT, 'containers', 'hello', 'hello.elf')
    assert pack.main(pack_args(tmp_path, str(small), hello)) == 1
    err = capsys.readouterr().err
    # file:line of size, the region, stack, UTCB, what is left, the
    # program's size and how much is missing
    size_line = text.splitlines().index('size = 0x100000') + 1
    assert f'pack: error: {small}:{size_line}: container[0].size: container ' \
        '"hello": program region 0x6000 (24 KiB) is too small: stack 0x4000 ' \
        '(16 KiB) and the UTCB page 0x1000 (4 KiB) at its top take 0x5000 ' \
        '(20 KiB), leaving 0x1000 (4 KiB) for the program, and the program ' \
        f'{hello} needs 0x' in err, err
    span = elf.Elf(hello).flat_image(use_paddr=False)[2]
    assert f'needs {manifest.size_text(span)} (short by ' \
        f'{manifest.size_text(span - 0x1000)}; raise size' in err, err


def test_packer_rejects_missing_program(built, tmp_path, capsys):
    args = pack_args(tmp_path, os.path.join(TOP, 'configs', 'hello.toml'), 'x')
    i = args.index('--container')
    del args[i:i + 3]
    assert pack.main(args) == 1
    assert 'no program ELF given for hello' in capsys.readouterr().err


def test_packer_checks_budgets_against_max_threads(built, tmp_path, capsys):
    hello = os.path.join(OUT, 'containers', 'hello', 'hello.elf')
    args = pack_args(tmp_path, FULL, hello) + ['--container', 'server', hello,
                                               '--container', 'client', hello]
    # server 16 + client 4 threads + two pagers need 22 tids; a table of
    # 22 holds 21 (tid 0 is never used)
    assert pack.main(args + ['--max-threads', '22']) == 1
    assert 'CONFIG_MAX_THREADS=22 holds 21' in capsys.readouterr().err
    assert not (tmp_path / 'i.bin').exists()
    assert pack.main(args + ['--max-threads', '23']) == 0


def test_packed_cpu_mask_and_inspector(built, tmp_path):
    """cpus in the manifest, --nr-cpus as SConstruct passes
    CONFIG_NR_CPUS: each descriptor's cpu_mask, shown by the inspector."""
    hello = os.path.join(OUT, 'containers', 'hello', 'hello.elf')
    text = open(FULL).read().replace('priority = 20\n',
                                     'priority = 20\ncpus = [1]\n', 1)
    m = tmp_path / 'm.toml'
    m.write_text(text)
    args = pack_args(tmp_path, str(m), hello) + [
        '--container', 'server', hello, '--container', 'client', hello]
    assert pack.main(args + ['--nr-cpus', '2']) == 0
    got = inspect_image.load(str(tmp_path / 'i.bin')).bootinfo()
    # server: cpus = [1]; client: the default, every CPU the kernel starts
    assert [c['cpu_mask'] for c in got] == [0x2, 0x3]
    r = subprocess.run(['/usr/bin/python3', 'tools/inspect_image.py',
                        str(tmp_path / 'i.bin')], cwd=TOP,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "container 0 'server': priority 20, cpus 1, entry" in r.stdout
    assert "container 1 'client': priority 10, cpus 0,1, entry" in r.stdout


def test_packer_checks_cpus_against_nr_cpus(built, tmp_path, capsys):
    hello = os.path.join(OUT, 'containers', 'hello', 'hello.elf')
    text = open(FULL).read().replace('priority = 20\n',
                                     'priority = 20\ncpus = [0, 1]\n', 1)
    m = tmp_path / 'm.toml'
    m.write_text(text)
    args = pack_args(tmp_path, str(m), hello) + [
        '--container', 'server', hello, '--container', 'client', hello]
    assert pack.main(args) == 1  # default --nr-cpus 1
    err = capsys.readouterr().err
    assert 'container[0].cpus[1]: container "server": CPU 1 is not started ' \
        'by the kernel: CONFIG_NR_CPUS=1 starts CPU 0' in err, err
    assert not (tmp_path / 'i.bin').exists()


def test_inspector_cpus_text():
    assert inspect_image.cpus_text(0x1) == '0'
    assert inspect_image.cpus_text(0x3) == '0,1'
    assert inspect_image.cpus_text(0x85) == '0,2,7'
    assert inspect_image.cpus_text(0) == 'none'
