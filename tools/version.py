#!/usr/bin/python3
"""The product version: one line in the file VERSION at the top of the tree.

The build turns it into generated/version.h (kernel banner, KIP, loader),
the packer writes it into the image table and tools/inspect_image.py
prints it back. As a script: prints the version.
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSION_FILE = os.path.join(TOP, 'VERSION')
VERSION_RE = re.compile(r'^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$')


class VersionError(Exception):
    pass


def read(path=VERSION_FILE):
    """(major, minor, patch) from VERSION; each part 0..255."""
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read().strip()
    except (OSError, UnicodeDecodeError) as e:
        raise VersionError(f'{path}: {e}') from None
    m = VERSION_RE.match(text)
    if not m or any(int(x) > 255 for x in m.groups()):
        raise VersionError(f'{path}:1: expected MAJOR.MINOR.PATCH with parts '
                           f'0..255, found "{text}"')
    return tuple(int(x) for x in m.groups())


def code(v):
    """The 32-bit form in the image table and the KIP."""
    major, minor, patch = v
    return major << 16 | minor << 8 | patch


def from_code(c):
    return f'{c >> 16 & 0xff}.{c >> 8 & 0xff}.{c & 0xff}'


def string(v):
    return '.'.join(str(x) for x in v)


def c_header(v):
    return ('/* Generated from VERSION by tools/version.py. */\n'
            '#ifndef GENERATED_VERSION_H\n#define GENERATED_VERSION_H\n'
            f'#define TESSERA_VERSION_MAJOR {v[0]}\n'
            f'#define TESSERA_VERSION_MINOR {v[1]}\n'
            f'#define TESSERA_VERSION_PATCH {v[2]}\n'
            f'#define TESSERA_VERSION_CODE 0x{code(v):06x}u '
            '/* major << 16 | minor << 8 | patch */\n'
            f'#define TESSERA_VERSION "{string(v)}"\n#endif\n')


if __name__ == '__main__':
    if len(sys.argv) > 1:
        print('usage: tools/version.py\nPrints the product version '
              '(the file VERSION).')
        sys.exit(0 if sys.argv[1] in ('-h', '--help') else 2)
    try:
        print(string(read()))
    except VersionError as e:
        print(f'version: error: {e}', file=sys.stderr)
        sys.exit(2)
