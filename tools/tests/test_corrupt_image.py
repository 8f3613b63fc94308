"""The loader refuses damaged images, naming the bad part, starting nothing.

Bytes are flipped in the table, in every part's lz4 frame (header, middle
and checksum) and in the end marker; the image is also truncated. Every
variant must end with the loader's refusal (exit status 2) and no output
from the kernel or a container.
"""
import os

import pytest

import elf
import harness
import inspect_image
from conftest import TEST_BUILD

REFUSED_STATUS = 2


@pytest.fixture(scope='module')
def image():
    out = os.path.join(TEST_BUILD, 'hello')
    harness.build('qemu_virt_hello_defconfig', out)
    path = os.path.join(out, 'image.bin')
    img = inspect_image.load(path)
    assert img.check() == []
    return img


def boot_variant(tmp_path, img, blob):
    path = str(tmp_path / 'bad.elf')
    elf.write_flat_elf(path, img.image_base, bytes(blob), img.image_base)
    return harness.boot(path, board='qemu_virt', timeout=30)


def assert_refused(b, what):
    assert b.status == REFUSED_STATUS, b.output
    assert f'loader: image refused: {what}' in b.output, b.output
    assert 'loader: nothing started' in b.output
    assert 'kernel:' not in b.output and 'hello:' not in b.output


def flipped(blob, offset):
    out = bytearray(blob)
    out[offset] ^= 0x5a
    return out


def part_cases():
    """(part index, where in its frame) for every part of the image."""
    return [(i, where) for i in range(3)
            for where in ('header', 'middle', 'checksum')]


@pytest.mark.parametrize('index,where', part_cases())
def test_flipped_byte_in_part_is_refused(tmp_path, image, index, where):
    p = image.parts[index]
    offset = p['file_offset'] + {'header': 5, 'middle': p['frame_size'] // 2,
                                 'checksum': p['frame_size'] - 2}[where]
    b = boot_variant(tmp_path, image, flipped(image.blob, offset))
    assert_refused(b, f"part {index} '{p['name']}'")


@pytest.mark.parametrize('field_offset', [0, 4, 16, 32])
def test_flipped_byte_in_table_header_is_refused(tmp_path, image,
                                                 field_offset):
    b = boot_variant(tmp_path, image,
                     flipped(image.blob, image.table_offset + field_offset))
    assert_refused(b, 'image table')


def test_flipped_byte_in_part_entry_is_refused(tmp_path, image):
    # the hello part's load address: caught by the header checksum
    offset = image.parts[2]['entry_offset'] + 28
    b = boot_variant(tmp_path, image, flipped(image.blob, offset))
    assert_refused(b, 'image table: header checksum')


def test_damaged_end_marker_is_refused(tmp_path, image):
    b = boot_variant(tmp_path, image, flipped(image.blob, len(image.blob) - 6))
    assert_refused(b, 'image table: ')


@pytest.mark.parametrize('keep', [0.5, 0.9, 0.999])
def test_truncated_image_is_refused(tmp_path, image, keep):
    cut = image.table_offset + int((len(image.blob) - image.table_offset) * keep)
    b = boot_variant(tmp_path, image, image.blob[:cut])
    assert_refused(b, 'image table: ')


def test_inspector_names_the_bad_part(tmp_path, image):
    p = image.parts[2]
    bad = flipped(image.blob, p['file_offset'] + p['frame_size'] // 2)
    img = inspect_image.Image(bytes(bad), image.table_offset)
    problems = img.check()
    assert problems and all("part 2 'hello'" in x for x in problems), problems
