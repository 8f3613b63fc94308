"""The text of 'scons help' (and 'scons -h'): targets, variables, every
defconfig with its purpose (its first '# ' line) and every board."""
import os

from . import kconfig_step

TARGETS = [
    ('(none)', 'build the current configuration into the build directory: '
     'image.bin, image.elf, report.txt (memory map, containers), '
     'memory_map.svg'),
    ('<name>_defconfig', 'select configs/<name>_defconfig as the '
     'configuration'),
    ('menuconfig', "edit the configuration in kconfiglib's terminal UI"),
    ('savedefconfig', 'write the minimal ./defconfig for the configuration'),
    ('run', "build, boot in QEMU, exit with the system's own status"),
    ('debug', "build, boot halted under QEMU's GDB stub on a free port, "
     'print the gdb line (docs/debugging.md)'),
    ('host-tests', 'build the host unit tests (cmocka)'),
    ('sdk', '<O>/sdk/: headers, libuser.a, user.ld, flags.mk and an example '
     'Makefile to build container programs with plain make (docs/build.md)'),
    ('fuzz-host', 'build the libFuzzer targets of loader/fuzz/ (clang)'),
    ('docs', 'the API reference of the container headers (doxygen) into '
     '<O>/docs/api/; fails on any doxygen warning'),
    ('help', 'this text'),
]
VARIABLES = [
    ('O=<dir>', 'build directory (default build/); its .config lives there '
     'unless it is build/'),
    ('V=1', 'show full command lines'),
    ('MANIFEST=<file>', "set the configuration's CONFIG_MANIFEST (kept in "
     'its .config) to a manifest anywhere, then build (docs/build.md)'),
    ('TIMEOUT=<s>', 'for run: stop QEMU after s seconds, status 124 '
     '(default 60; also read from the environment)'),
    ('CONTAINER=<name>', 'for debug: register that container alone with '
     'the gdb helper (docs/debugging.md)'),
    ('GDB_PORT=<n>', "for debug: the GDB stub's port (default: the first "
     'free one from 1234)'),
]


def purpose(name):
    """A defconfig's first comment line, which says what it is for."""
    with open(os.path.join(kconfig_step.TOP, 'configs', name),
              encoding='utf-8', errors='replace') as f:
        first = f.readline()
    return first[2:].strip() if first.startswith('# ') else '(no purpose line)'


def text(boards):
    """boards: [(name, description)]."""
    width = 32
    out = ['usage: scons [target ...] [variable=value ...]', '', 'targets:']
    out += [f'  {t:<{width}} {d}' for t, d in TARGETS]
    out += ['', 'variables:']
    out += [f'  {v:<{width}} {d}' for v, d in VARIABLES]
    out += ['', 'configurations (configs/):']
    out += [f'  {n:<{width}} {purpose(n)}'
            for n in kconfig_step.defconfig_names()]
    out += ['', 'boards (kernel/platform/<board>/board.toml):']
    out += [f'  {n:<{width}} {d}' for n, d in boards]
    out += ['', 'README.md and docs/build.md explain more.']
    return '\n'.join(out) + '\n'
