"""Manifest validation: a good manifest loads; every rejection names the
file, the line and the key path (and both containers where two collide)."""
import os
import subprocess
import textwrap

import pytest

import board
import manifest
from conftest import TOP

BOARD = board.load('qemu_virt')
PROGRAMS = os.path.join(TOP, 'containers')

GOOD = """\
format = 1

[[container]]
name = "hello"
program = "hello"
phys = 0x41000000
virt = 0x10000000
size = 0x100000
"""

SECOND = """
[[container]]
name = "second"
program = "hello"
phys = 0x41100000
virt = 0x10000000
size = 0x100000
"""


def load(tmp_path, text):
    p = tmp_path / 'm.toml'
    p.write_text(textwrap.dedent(text))
    return manifest.load(str(p), BOARD, PROGRAMS), str(p)


def reject(tmp_path, text):
    p = tmp_path / 'm.toml'
    p.write_text(text)
    with pytest.raises(manifest.ManifestError) as e:
        manifest.load(str(p), BOARD, PROGRAMS)
    msg = str(e.value)
    assert msg.startswith(f'{p}:'), msg
    return msg


def test_good_manifest(tmp_path):
    m, _ = load(tmp_path, GOOD + SECOND)
    assert [c.name for c in m.containers] == ['hello', 'second']
    c = m.containers[0]
    assert (c.phys, c.virt, c.size, c.stack, c.priority) == (
        0x41000000, 0x10000000, 0x100000, 0x4000, 10)
    assert c.stack_top == c.utcb == 0x100ff000


def test_shipped_manifests_are_valid():
    for name in os.listdir(os.path.join(TOP, 'configs')):
        if name.endswith('.toml'):
            manifest.load(os.path.join(TOP, 'configs', name), BOARD, PROGRAMS)


def test_invalid_toml_names_line(tmp_path):
    msg = reject(tmp_path, GOOD + 'size = = 3\n')
    assert ':9: manifest: invalid TOML' in msg


def test_unknown_key(tmp_path):
    msg = reject(tmp_path, GOOD + 'colour = "red"\n')
    assert ':9: container[0].colour: unknown key' in msg


def test_unknown_top_level_key(tmp_path):
    msg = reject(tmp_path, 'colour = 1\n' + GOOD)
    assert ':1: colour: unknown key' in msg


def test_missing_key(tmp_path):
    msg = reject(tmp_path, GOOD.replace('size = 0x100000\n', ''))
    assert 'container[0].size: missing required key' in msg


def test_wrong_type(tmp_path):
    msg = reject(tmp_path, GOOD.replace('size = 0x100000', 'size = "big"'))
    assert ':8: container[0].size: expected int, got str' in msg


def test_bool_is_not_int(tmp_path):
    msg = reject(tmp_path, GOOD.replace('size = 0x100000', 'size = true'))
    assert 'container[0].size: expected int' in msg


def test_format_version(tmp_path):
    msg = reject(tmp_path, GOOD.replace('format = 1', 'format = 9'))
    assert ':1: format: expected format = 1' in msg


def test_no_containers(tmp_path):
    msg = reject(tmp_path, 'format = 1\n')
    assert 'container: expected at least one [[container]]' in msg


def test_unaligned_region(tmp_path):
    msg = reject(tmp_path, GOOD.replace('phys = 0x41000000', 'phys = 0x41000800'))
    assert ':6: container[0].phys: 0x41000800 is not a multiple' in msg


def test_empty_region(tmp_path):
    msg = reject(tmp_path, GOOD.replace('size = 0x100000', 'size = 0'))
    assert ':8: container[0].size: region is empty' in msg


def test_stack_too_big(tmp_path):
    msg = reject(tmp_path, GOOD + 'stack = 0x100000\n')
    assert 'container[0].stack: stack must be non-zero and leave room' in msg


def test_region_outside_ram(tmp_path):
    msg = reject(tmp_path, GOOD.replace('phys = 0x41000000', 'phys = 0x30000000'))
    assert "container[0].phys: physical region 0x30000000..0x30100000 is " \
           "outside the board's RAM" in msg


def test_region_past_end_of_ram(tmp_path):
    msg = reject(tmp_path, GOOD.replace('phys = 0x41000000', 'phys = 0x4ff80000'))
    assert 'outside the board' in msg


def test_virtual_region_in_kernel_range(tmp_path):
    msg = reject(tmp_path, GOOD.replace('virt = 0x10000000', 'virt = 0xc0000000'))
    assert ':7: container[0].virt: virtual region' in msg
    assert 'must lie in user space' in msg


def test_virtual_region_at_zero(tmp_path):
    msg = reject(tmp_path, GOOD.replace('virt = 0x10000000', 'virt = 0'))
    assert 'container[0].virt' in msg


def test_overlaps_kernel(tmp_path):
    msg = reject(tmp_path, GOOD.replace('phys = 0x41000000', 'phys = 0x40200000'))
    assert 'container "hello"' in msg and 'overlaps the kernel' in msg


def test_overlaps_boot_image(tmp_path):
    msg = reject(tmp_path, GOOD.replace('phys = 0x41000000', 'phys = 0x48000000'))
    assert 'overlaps the boot image' in msg


def test_overlap_between_containers_names_both(tmp_path):
    msg = reject(tmp_path, GOOD + SECOND.replace('0x41100000', '0x41080000'))
    assert ':13: container[1].phys: containers "hello" and "second" overlap' \
        in msg


def test_duplicate_name(tmp_path):
    msg = reject(tmp_path, GOOD + SECOND.replace('"second"', '"hello"'))
    assert ':11: container[1].name: duplicate container name "hello"' in msg


def test_bad_name(tmp_path):
    msg = reject(tmp_path, GOOD.replace('name = "hello"', 'name = "Hello World"'))
    assert ':4: container[0].name: expected a name' in msg


def test_unknown_program(tmp_path):
    msg = reject(tmp_path, GOOD.replace('program = "hello"', 'program = "nope"'))
    assert ':5: container[0].program: no program "nope"' in msg


def test_priority_range(tmp_path):
    msg = reject(tmp_path, GOOD + 'priority = 0\n')
    assert 'container[0].priority: expected a priority in 1..255' in msg


def test_not_utf8(tmp_path):
    p = tmp_path / 'm.toml'
    p.write_bytes(b'\xff\xfe')
    with pytest.raises(manifest.ManifestError, match=r':1: manifest: not UTF-8'):
        manifest.load(str(p), BOARD, PROGRAMS)


def test_build_rejects_bad_manifest_without_traceback(tmp_path):
    """The build stops with the error line, exit status non-zero, no image."""
    bad = tmp_path / 'bad.toml'
    bad.write_text(GOOD.replace('size = 0x100000', 'size = 0x100'))
    out = tmp_path / 'out'
    r = subprocess.run(['scons', '-Q', f'O={out}', 'qemu_virt_hello_defconfig'],
                       cwd=TOP, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(out / '.config', 'a') as f:
        f.write(f'CONFIG_MANIFEST="{bad}"\n')
    r = subprocess.run(['scons', '-Q', f'O={out}'], cwd=TOP,
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert f'manifest: error: {bad}:8: container[0].size: 0x100 is not a ' \
        'multiple of the page size' in r.stderr
    assert 'Traceback' not in r.stdout + r.stderr
    assert not (out / 'image.bin').exists()
