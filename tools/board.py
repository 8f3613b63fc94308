"""Board descriptions: kernel/platform/<board>/board.toml.

One source for a board's memory map and QEMU command line; the build turns
it into generated/board.h for C and assembly.
"""
import os
import tomllib

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BoardError(Exception):
    pass


def names():
    """Every board: the folders of kernel/platform that hold a board.toml."""
    base = os.path.join(TOP, 'kernel', 'platform')
    return sorted(d for d in os.listdir(base)
                  if os.path.isfile(os.path.join(base, d, 'board.toml')))


def board_path(name):
    return os.path.join(TOP, 'kernel', 'platform', name, 'board.toml')


def load(name):
    path = board_path(name)
    try:
        with open(path, 'rb') as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise BoardError(f'{path}: no such board description '
                         f'(CONFIG_BOARD="{name}")') from None
    except tomllib.TOMLDecodeError as e:
        raise BoardError(f'{path}: {e}') from None
    for section, keys in (('board', ('name', 'cpu')),
                          ('memory', ('ram_base', 'ram_size', 'kernel_phys',
                                      'kernel_virt', 'kernel_reserve',
                                      'image_base')),
                          ('qemu', ('binary', 'args'))):
        for key in keys:
            if key not in data.get(section, {}):
                raise BoardError(f'{path}: missing key {section}.{key}')
    drivers = data['board'].get('drivers', [])
    if not isinstance(drivers, list) or not drivers:
        raise BoardError(f'{path}: board.drivers: expected a list of the '
                         'shared drivers (kernel/platform/common/<name>.c) '
                         'the board uses')
    for d in drivers:
        if not os.path.isfile(driver_path(d)):
            raise BoardError(f'{path}: board.drivers: no driver "{d}" '
                             f'({os.path.relpath(driver_path(d), TOP)} '
                             'does not exist)')
    return data


def driver_path(name):
    return os.path.join(TOP, 'kernel', 'platform', 'common', f'{name}.c')


def driver_sources(board):
    """The shared driver sources a board's kernel is built with, relative
    to the top directory."""
    return [os.path.relpath(driver_path(d), TOP)
            for d in board['board']['drivers']]


def c_header(board):
    """The generated/board.h text for a loaded board description."""
    lines = ['/* Generated from board.toml by tools/board.py: do not edit. */',
             '#ifndef GENERATED_BOARD_H', '#define GENERATED_BOARD_H',
             f'#define BOARD_NAME "{board["board"]["name"]}"']
    for section in ('memory', 'devices', 'clock'):
        for key, value in board.get(section, {}).items():
            lines.append(f'#define BOARD_{key.upper()} 0x{value:08x}'
                         if isinstance(value, int) and value > 255 else
                         f'#define BOARD_{key.upper()} {value}')
    lines.append('#endif')
    return '\n'.join(lines) + '\n'
