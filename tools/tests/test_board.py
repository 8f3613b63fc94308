"""Board descriptions (tools/board.py): the peripherals a manifest may
hand out are checked when a board is loaded, and reach C as
BOARD_PERIPHERAL_<NAME>_* in generated/board.h."""
import os
import shutil

import pytest

import board
from conftest import TOP


@pytest.mark.parametrize('name', board.names())
def test_every_board_loads_with_peripherals(name):
    b = board.load(name)
    assert board.peripherals(b)
    header = board.c_header(b)
    for pname, p in board.peripherals(b).items():
        n = pname.upper()
        assert f'#define BOARD_HAS_PERIPHERAL_{n} 1\n' in header
        assert f'#define BOARD_PERIPHERAL_{n}_PHYS 0x{p["phys"]:08x}\n' \
            in header
        assert f'#define BOARD_PERIPHERAL_{n}_SIZE 0x{p["size"]:x}\n' \
            in header
        assert f'#define BOARD_PERIPHERAL_{n}_IRQ {p["irqs"][0]}\n' in header


def test_facts_entered():
    virt = board.peripherals(board.load('qemu_virt'))
    assert (virt['rtc']['phys'], virt['rtc']['irqs']) == (0x09010000, [34])
    assert virt['virtio_mmio0']['irqs'] == list(range(48, 56))
    assert (virt['virtio_mmio1']['phys'], virt['virtio_mmio1']['irqs']) == (
        0x0a001000, list(range(56, 64)))
    assert virt['gpio']['irqs'] == [39]
    a9 = board.peripherals(board.load('vexpress_a9'))
    assert (a9['rtc']['phys'], a9['rtc']['irqs']) == (0x10017000, [36])
    assert a9['virtio_mmio0']['irqs'] == [72, 73, 74, 75]
    pi = board.peripherals(board.load('raspi2b'))
    assert 'rtc' not in pi
    assert pi['system_timer']['irqs'] == [1, 3]
    assert pi['gpio']['irqs'] == [49, 50, 51, 52]
    header = board.c_header(board.load('raspi2b'))
    assert 'BOARD_HAS_PERIPHERAL_RTC' not in header


GOOD = '''
[peripherals.one]
compatible = "test,one"
phys = 0x09010000
size = 0x1000
irqs = [34]
'''


@pytest.fixture
def fake_board(monkeypatch, tmp_path):
    """write(text): a copy of qemu_virt's board.toml with its
    [peripherals] replaced by text, loaded as board "fake"."""
    src = open(board.board_path('qemu_virt')).read()
    head, _, rest = src.partition('\n[peripherals.')
    tail = rest[rest.index('\n[qemu]'):]
    os.makedirs(tmp_path / 'kernel' / 'platform' / 'fake')
    shutil.copytree(os.path.join(TOP, 'kernel', 'platform', 'common'),
                    tmp_path / 'kernel' / 'platform' / 'common')
    monkeypatch.setattr(board, 'TOP', str(tmp_path))

    def write(text):
        path = tmp_path / 'kernel' / 'platform' / 'fake' / 'board.toml'
        path.write_text(head + '\n' + text + tail)
        return board.load('fake')
    return write


def test_fake_board_good(fake_board):
    b = fake_board(GOOD)
    assert list(board.peripherals(b)) == ['one']


def test_no_peripherals_is_allowed(fake_board):
    assert board.peripherals(fake_board('')) == {}


@pytest.mark.parametrize('text, words', [
    (GOOD.replace('0x09010000', '0x09010800'),
     ['peripherals.one.phys: 0x9010800 is not a multiple of the page size']),
    (GOOD.replace('size = 0x1000', 'size = 0x800'),
     ['peripherals.one.size: 0x800 is not a multiple of the page size']),
    (GOOD.replace('size = 0x1000', 'size = 0'),
     ['peripherals.one.size: must not be 0']),
    (GOOD.replace('irqs = [34]', 'irqs = [1020]'),
     ['peripherals.one.irqs: irq 1020 is not below devices.irq_count '
      '(1020)']),
    (GOOD.replace('irqs = [34]', 'irqs = [27]'),
     ["peripherals.one.irqs: irq 27 is the kernel's timer"]),
    (GOOD.replace('irqs = [34]', 'irqs = [33]'),
     ["peripherals.one.irqs: irq 33 is the kernel's console UART "
      '(devices.uart_irq)']),
    (GOOD.replace('irqs = [34]', 'irqs = [-1]'),
     ['peripherals.one.irqs: expected interrupt ids']),
    (GOOD.replace('0x09010000', '0x40100000'),
     ['peripherals.one: 0x40100000..0x40101000 lies in RAM '
      '(0x40000000..0x50000000)']),
    (GOOD.replace('0x09010000', '0x09000000'),
     ["peripherals.one: 0x09000000..0x09001000 covers the kernel's device "
      'uart_pl011']),
    (GOOD.replace('0x09010000', '0x08010000'),
     ["covers the kernel's device gic_cpu"]),
    (GOOD.replace('phys = 0x09010000\n', ''),
     ['peripherals.one: missing key phys']),
    (GOOD.replace('irqs = [34]', 'irqs = 34'),
     ['peripherals.one.irqs: expected a list of irq ids']),
    (GOOD + 'colour = "red"\n',
     ['peripherals.one.colour: unknown key']),
    (GOOD.replace('[peripherals.one]', '[peripherals.One]'),
     ['peripherals.One: expected a name']),
    (GOOD + GOOD.replace('.one', '.two').replace('irqs = [34]', 'irqs = [35]')
     .replace('0x09010000', '0x09010000'),
     ['peripherals.two: 0x09010000..0x09011000 overlaps peripherals.one']),
    (GOOD + GOOD.replace('.one', '.two').replace('0x09010000', '0x09020000'),
     ["peripherals.two.irqs: irq 34 is also peripherals.one's"]),
])
def test_peripheral_errors(fake_board, text, words):
    with pytest.raises(board.BoardError) as e:
        fake_board(text)
    msg = str(e.value)
    assert 'board.toml: ' in msg
    for w in words:
        assert w in msg, msg
