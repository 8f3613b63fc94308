"""The image report (tools/report.py): the build writes report.txt and
memory_map.svg beside image.bin; `inspect_image.py --report` prints the same
text from the image alone. Checked against the manifest, the board and the
container ELFs of real builds."""
import os
import re
import subprocess

import pytest

import board
import captab
import elf
import harness
import inspect_image
import manifest
import report
from conftest import TEST_BUILD, TOP

SYSTEMS = {
    # build dir: (defconfig, manifest)
    'report-multi': ('qemu_virt_multi_test_defconfig',
                     'configs/multi_test.toml'),
    # further memory (mapped and not), a device with an irq
    'report-isolation': ('qemu_virt_isolation_defconfig',
                         'configs/isolation.toml'),
}
BOARD = board.load('qemu_virt')
ROW_RE = re.compile(r'^  0x([0-9a-f]{8})  0x([0-9a-f]{8})  0x([0-9a-f]{8})'
                    r' +\S+ \S+  (free|used|reserved) +(.*)$')


@pytest.fixture(scope='module', params=sorted(SYSTEMS))
def built(request):
    defconfig, path = SYSTEMS[request.param]
    out = os.path.join(TEST_BUILD, request.param)
    harness.build(defconfig, out)
    man = manifest.load(os.path.join(TOP, path), BOARD,
                        os.path.join(TOP, 'containers'))
    with open(os.path.join(out, 'report.txt')) as f:
        text = f.read()
    return out, man, text


def section(text, title):
    """The lines of a report section: from its title to the blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i]),
               len(lines))
    return lines[start + 1:end]


def rows(text, title):
    return [(int(m[1], 16), int(m[2], 16), int(m[3], 16), m[4], m[5])
            for m in map(ROW_RE.match, section(text, title)) if m]


def container_block(text, c):
    lines = section(text, f'container {c.index} "{c.name}"')
    return '\n'.join(lines)


def test_report_and_map_are_written_beside_the_image(built):
    out, man, text = built
    assert os.path.isfile(os.path.join(out, 'image.bin'))
    assert text.startswith('Tessera ')
    assert 'board        qemu_virt' in text
    with open(os.path.join(out, 'memory_map.svg')) as f:
        svg = f.read()
    assert svg.lstrip().startswith('<?xml') and '<svg' in svg
    for c in man.containers:
        assert f'>{c.name}: program region' in svg, c.name
    assert '>free' in svg and '>kernel image' in svg and '>loader' in svg
    assert '>packed image' in svg and '>boot info' in svg
    assert '>kernel device uart_pl011' in svg


def test_ram_rows_and_gaps_add_up_to_the_ram(built):
    _, man, text = built
    mem = BOARD['memory']
    ram = rows(text, 'Physical memory map')
    assert ram[0][0] == mem['ram_base']
    assert ram[-1][1] == mem['ram_base'] + mem['ram_size']
    for (s, e, size, _, _), nxt in zip(ram, ram[1:] + [None]):
        assert e - s == size
        if nxt:
            assert nxt[0] == e, 'rows are contiguous'
    free = [r for r in ram if r[3] == 'free']
    assert free, 'the free gaps are shown'
    assert sum(r[2] for r in ram) == mem['ram_size']
    gaps = [tuple(int(x, 16) for x in re.findall(r'0x([0-9a-f]{8})', line))
            for line in section(text, 'Free gaps')]
    assert gaps == [(s, e) for s, e, *_ in free]
    regions = sum(r[2] for r in ram if r[3] != 'free')
    assert regions + sum(e - s for s, e in gaps) == mem['ram_size']
    whats = [r[4] for r in ram]
    for label in ('kernel image', 'kernel reserve', 'boot info', 'loader',
                  'packed image'):
        assert any(w.startswith(label) for w in whats), label
    # every container's physical memory, program region and further memory
    for c in man.containers:
        assert (c.phys, c.phys + c.size, c.size, 'used',
                f'{c.name}: program region') in ram
        for m in c.memory:
            assert any(r[:3] == (m.phys, m.phys + m.size, m.size) and
                       r[4].startswith(f'{c.name}: memory') for r in ram)


def test_every_container_with_its_numbers(built):
    out, man, text = built
    pool = BOARD['memory']['kernel_reserve'] - manifest.KERNEL_STATIC
    total = sum(manifest.kernel_memory(c) for c in man.containers)
    assert (f'budgets may cost the kernel {report.size_text(total)} of its '
            f'{report.size_text(pool)} pool') in text
    for c in man.containers:
        block = container_block(text, c)
        prog = elf.Elf(os.path.join(out, 'containers', c.name,
                                    c.program_name + '.elf'))
        span = prog.flat_image(use_paddr=False)[2]
        assert f'priority     {c.priority}\n' in block
        assert f'  program      {span} bytes loaded' in block
        assert f'in a region of {report.size_text(c.size)}' in block
        assert (f'    program  0x{c.phys:08x}  0x{c.virt:08x}  '
                f'0x{c.size:08x}') in block
        assert f'stack        top 0x{c.stack_top:08x}' in block
        kmem = manifest.kernel_memory(c)
        assert f'kernel mem   {kmem} bytes' in block
        assert 'budgets      ' + ', '.join(
            f'{k} {c.budget[k]}' for k in captab.BUDGETS) in block
        assert f'restart      {c.restart}' in block
        cpus = ','.join(map(str, c.cpus))
        assert f'cores        {cpus} (cpu_mask 0x{c.cpu_mask:x})' in block
        if c.cpu:
            assert f'cpu budget   {c.cpu[0]} us every {c.cpu[1]} us' in block
        else:
            assert 'cpu budget   none' in block
        caps = manifest.capabilities(man, c)
        assert f'capabilities {len(caps)}\n' in block
        irqs = [d.irq for d in c.devices if d.irq is not None]
        assert f'irqs         {", ".join(map(str, irqs)) or "none"}' in block
        for d in c.devices:
            assert f'device       0x{d.phys:08x}..0x{d.phys + d.size:08x}' \
                in block
        for m in c.memory:
            if m.virt is None:
                assert f'    memory   0x{m.phys:08x}  (unmapped)' in block
            else:
                assert f'    memory   0x{m.phys:08x}  0x{m.virt:08x}' in block


def test_devices_name_the_board_and_the_holders(built):
    _, man, text = built
    devs = rows(text, 'Devices')
    for name, s, e in board.kernel_device_pages(BOARD):
        assert (s, e, e - s, 'reserved', f'kernel device {name}') in devs
    held = {d.peripheral: c.name for c in man.containers for d in c.devices}
    for name, p in BOARD['peripherals'].items():
        what = (f'{held[name]}: device {name}' if name in held
                else f'peripheral {name} (unassigned)')
        assert (p['phys'], p['phys'] + p['size'], p['size']) + (
            'used' if name in held else 'free', what) in devs


def test_inspect_report_gives_the_same_text(built):
    out, _, text = built
    image = os.path.join(out, 'image.bin')
    r = subprocess.run(['/usr/bin/python3', 'tools/inspect_image.py',
                        '--report', image], cwd=TOP, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == text
    r = subprocess.run(['/usr/bin/python3', 'tools/report.py', image],
                       cwd=TOP, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == text, r.stderr


def test_report_is_a_build_step_after_the_image(built):
    out = built[0]
    report_txt = os.path.join(out, 'report.txt')
    os.remove(report_txt)
    r = harness.scons(f'O={out}')
    assert r.returncode == 0 and 'REPORT' in r.stdout, r.stdout
    with open(report_txt) as f:
        assert f.read() == built[2]
    r = harness.scons(f'O={out}')
    assert r.returncode == 0 and 'REPORT' not in r.stdout, r.stdout
    # it depends on the image (rebuilt when the image changes) and its tools
    r = harness.scons(f'O={out}', '--tree=prune', report_txt)
    deps = re.findall(r'^ {2}[+|]-(\S+)$', r.stdout, re.M)
    for dep in (os.path.join(out, 'image.bin'), 'tools/report.py',
                'tools/inspect_image.py', 'tools/manifest.py'):
        assert os.path.relpath(os.path.join(TOP, dep), TOP) in deps, r.stdout


@pytest.mark.parametrize('name', board.names())
def test_board_is_found_from_the_image(name):
    b = board.load(name)

    class Img:
        image_base = b['memory']['image_base']
        kernel_part = 0
        parts = [{'load_addr': b['memory']['kernel_phys']}]
    assert report.board_for(Img())['board']['name'] == name
    Img.image_base += 0x1000
    with pytest.raises(report.ReportError, match='give --board'):
        report.board_for(Img())


def test_a_bad_image_is_refused(tmp_path):
    bad = tmp_path / 'image.bin'
    bad.write_bytes(b'\0' * 8192)
    r = subprocess.run(['/usr/bin/python3', 'tools/inspect_image.py',
                        '--report', str(bad)], cwd=TOP, capture_output=True,
                       text=True)
    assert r.returncode == 1 and 'report:' in r.stderr and not r.stdout


def test_scons_help_names_the_report():
    r = harness.scons('help')
    assert r.returncode == 0 and 'report.txt' in r.stdout, r.stdout
    assert inspect_image.__doc__ and '--report' in inspect_image.__doc__
