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
    assert (img.magic, img.version, img.nr_parts) == (fmt.IMAGE_MAGIC, 1, 3)
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


def test_bootinfo_matches_manifest(built):
    p = built.parts[1]
    data = lz4.frame.decompress(
        built.blob[p['file_offset']:p['file_offset'] + p['frame_size']])
    magic, version, size, n, csize = fmt.BI_HEADER.unpack_from(data)[:5]
    assert (magic, version, n, csize) == (fmt.BOOTINFO_MAGIC, 1, 1,
                                          fmt.BI_CONTAINER_SIZE)
    assert size == len(data)
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


def test_elf_and_bin_hold_the_same_bytes(built):
    e = elf.Elf(os.path.join(OUT, 'image.elf'))
    base, data, _ = e.flat_image()
    assert base == built.image_base and e.entry == base
    assert data == built.blob


def test_inspector_command(built):
    r = subprocess.run(['/usr/bin/python3', 'tools/inspect_image.py',
                        os.path.join(OUT, 'image.bin')], cwd=TOP,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert 'image ok' in r.stdout and ' hello ' in r.stdout


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
    assert 'besides the stack and UTCB' in capsys.readouterr().err


def test_packer_rejects_missing_program(built, tmp_path, capsys):
    args = pack_args(tmp_path, os.path.join(TOP, 'configs', 'hello.toml'), 'x')
    i = args.index('--container')
    del args[i:i + 3]
    assert pack.main(args) == 1
    assert 'no program ELF given for hello' in capsys.readouterr().err
