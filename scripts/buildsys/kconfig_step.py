"""The configuration step: .config <-> Kconfig, and what the build reads.

Mirrors Linux/Zephyr behaviour with kconfiglib:
  <name>_defconfig  configs/<name>_defconfig -> .config
  menuconfig        edit .config in the terminal UI
  savedefconfig     write the minimal ./defconfig for the current .config
  (build)           .config must exist (an error names the defconfigs);
                    refreshed against Kconfig (olddefconfig) when Kconfig
                    changed; turned into generated/autoconf.h.

For exact incremental builds every symbol also gets a file
include/config/CONFIG_<SYM> holding its value, rewritten only when the
value changes; the source scanner makes each object depend on the files of
the symbols its sources mention, as Linux's fixdep does.
"""
import os
import re
import sys

import kconfiglib

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


class ConfigError(Exception):
    pass


def _kconfig():
    old = os.getcwd()
    os.chdir(TOP)
    try:
        kconf = kconfiglib.Kconfig('Kconfig', warn_to_stderr=False,
                                   suppress_traceback=True)
        kconf.warn_assign_undef = True
        return kconf
    except kconfiglib.KconfigError as e:
        raise ConfigError(str(e)) from None
    finally:
        os.chdir(old)


def defconfig_names():
    return sorted(f for f in os.listdir(os.path.join(TOP, 'configs'))
                  if f.endswith('_defconfig'))


# kconfiglib warnings that mean the file asked for something it did not
# get; others (a symbol set twice, the later value winning) are harmless.
_FATAL_WARNINGS = ('undefined symbol', 'malformed', 'invalid',
                   'is not a valid value', 'was assigned the value')


def _plain(warning, path, lines):
    """'file:line: warning: msg' -> 'file:line: msg' (labelled once, by the
    caller's 'config: error:'); a warning without a place (kconfiglib gives
    none for a value of the wrong type) gets the file and line of the
    symbol's assignment."""
    text = warning.replace(': warning: ', ': ', 1)
    if text.startswith('warning: '):
        m = re.search(r' for (\w+) \(defined at', text)
        sym = m.group(1) if m else '?'
        text = (f'{path}:{_line_of(lines, sym)}: CONFIG_{sym}: ' +
                text[len('warning: '):])
    # it is an error here, not a warning: nothing is ignored, all stops
    return text.replace(' Assignment ignored.', '').replace(
        ' -- assignment ignored', '')


def _by_line(problem):
    parts = problem.split(':', 2)
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0


def _line_of(lines, name):
    """Line number of the last assignment of CONFIG_<name> (the one that
    counts), or 0 when the file does not assign it."""
    prefix = f'CONFIG_{name}='
    found = 0
    for n, line in enumerate(lines, 1):
        if line.startswith(prefix):
            found = n
    return found


def _range_problems(kconf, path, lines):
    """int/hex values outside their Kconfig range: kconfiglib quietly falls
    back to the default for these."""
    problems = []
    for sym in kconf.unique_defined_syms:
        if sym.type not in (kconfiglib.INT, kconfiglib.HEX) or \
                sym.user_value is None:
            continue
        where = f'{path}:{_line_of(lines, sym.name)}: CONFIG_{sym.name}'
        base = 16 if sym.type == kconfiglib.HEX else 10
        # kconfiglib has already refused values that are not numbers
        value = int(sym.user_value, base)
        for low, high, cond in sym.ranges:
            if kconfiglib.expr_value(cond):
                lo, hi = (int(x.str_value, base) for x in (low, high))
                if not lo <= value <= hi:
                    problems.append(f'{where}: {sym.user_value} is outside '
                                    f'its range {low.str_value}..'
                                    f'{high.str_value}')
                break
    return problems


def _read_lines(path):
    """The file's lines; a file that is not UTF-8 text is one clear error."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise ConfigError(f'{path}: {e.strerror}') from None
    try:
        return data.decode('utf-8').splitlines()
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b'\n') + 1
        raise ConfigError(f'{path}:{line}: not UTF-8 text (byte '
                          f'0x{data[e.start]:02x})') from None


def _load_checked(kconf, path):
    """Load a defconfig or .config; every bad assignment is an error naming
    file, line and symbol, and nothing is written."""
    lines = _read_lines(path)
    kconf.load_config(path)
    problems = [_plain(w, path, lines) for w in kconf.warnings
                if any(f in w for f in _FATAL_WARNINGS)]
    problems += _range_problems(kconf, path, lines)
    if problems:
        raise ConfigError('\n'.join(sorted(problems, key=_by_line)))


def _require(config_path):
    if not os.path.exists(config_path):
        raise ConfigError(f'{config_path}: no configuration; choose one with '
                          '"scons <name>_defconfig" (have: '
                          f'{", ".join(defconfig_names())}; "scons help" '
                          'says what each is)')


def apply_defconfig(name, config_path):
    """configs/<name> -> config_path. A defconfig that fails leaves no
    configuration behind, so the next plain build says so instead of
    building whatever was configured before."""
    path = os.path.join(TOP, 'configs', name)
    try:
        if not os.path.isfile(path):
            raise ConfigError(f'configs/{name}: no such defconfig (have: '
                              f'{", ".join(defconfig_names())})')
        kconf = _kconfig()
        _load_checked(kconf, os.path.relpath(path))
    except ConfigError:
        if os.path.exists(config_path):
            os.remove(config_path)
        raise
    kconf.write_config(config_path)
    return path


def savedefconfig(config_path, out_path):
    _require(config_path)
    kconf = _kconfig()
    _load_checked(kconf, config_path)
    kconf.write_min_config(out_path)


def menuconfig(config_path):
    env = dict(os.environ, KCONFIG_CONFIG=os.path.abspath(config_path))
    os.chdir(TOP)
    os.execve(sys.executable, [sys.executable, '-m', 'menuconfig', 'Kconfig'],
              env)


def write_if_changed(path, text):
    try:
        with open(path) as f:
            if f.read() == text:
                return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
    return True


def load(config_path, include_dir):
    """Load .config (creating it if absent) and write the generated files.

    Returns {symbol name: value string} for the build to read.
    """
    _require(config_path)
    kconf = _kconfig()
    _load_checked(kconf, config_path)
    # olddefconfig: new Kconfig symbols take their defaults; kconfiglib
    # rewrites the file only if its contents change
    kconf.write_config(config_path, save_old=False)
    autoconf = os.path.join(include_dir, 'generated', 'autoconf.h')
    tmp = autoconf + '.tmp'
    os.makedirs(os.path.dirname(autoconf), exist_ok=True)
    kconf.write_autoconf(tmp)
    with open(tmp) as f:
        text = f.read()
    os.remove(tmp)
    write_if_changed(autoconf, text)
    values = {}
    for sym in kconf.unique_defined_syms:
        if sym.type in (kconfiglib.UNKNOWN,):
            continue
        values[sym.name] = sym.str_value
        write_if_changed(os.path.join(include_dir, 'config',
                                       'CONFIG_' + sym.name),
                          sym.str_value + '\n')
    return values


def set_value(config_path, name, value):
    """Set one symbol of config_path (checked as a build checks it) and
    write it back when it changes: `scons MANIFEST=<file>` sets
    CONFIG_MANIFEST this way, so every later build, run and tool of the
    build directory uses it. Returns whether the file changed."""
    _require(config_path)
    kconf = _kconfig()
    _load_checked(kconf, config_path)
    sym = kconf.syms.get(name)
    if sym is None:
        raise ConfigError(f'{config_path}: no symbol {name} in Kconfig')
    if sym.str_value == value:
        return False
    sym.set_value(value)
    if sym.str_value != value:
        raise ConfigError(f'{config_path}: CONFIG_{name}: the value '
                          f'{value!r} is invalid for {name}')
    kconf.write_config(config_path, save_old=False)
    return True
