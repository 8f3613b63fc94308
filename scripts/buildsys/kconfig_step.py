"""The configuration step: .config <-> Kconfig, and what the build reads.

Mirrors Linux/Zephyr behaviour with kconfiglib:
  <name>_defconfig  configs/<name>_defconfig -> .config
  menuconfig        edit .config in the terminal UI
  savedefconfig     write the minimal ./defconfig for the current .config
  (build)           .config created from the default defconfig when absent;
                    refreshed against Kconfig (olddefconfig) when Kconfig
                    changed; turned into generated/autoconf.h.

For exact incremental builds every symbol also gets a file
include/config/CONFIG_<SYM> holding its value, rewritten only when the
value changes; the source scanner makes each object depend on the files of
the symbols its sources mention, as Linux's fixdep does.
"""
import os
import sys

import kconfiglib

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
DEFAULT_DEFCONFIG = 'qemu_virt_hello_defconfig'


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


def _check_warnings(kconf, path):
    """A defconfig that assigns unknown symbols or bad values is an error."""
    problems = [w for w in kconf.warnings
                if 'undefined symbol' in w or 'malformed' in w
                or 'invalid' in w or 'was assigned the value' in w]
    if problems:
        raise ConfigError('\n'.join(problems))


def apply_defconfig(name, config_path):
    path = os.path.join(TOP, 'configs', name)
    if not os.path.isfile(path):
        raise ConfigError(f'configs/{name}: no such defconfig (have: '
                          f'{", ".join(defconfig_names())})')
    kconf = _kconfig()
    kconf.load_config(path)
    _check_warnings(kconf, path)
    kconf.write_config(config_path)
    return path


def savedefconfig(config_path, out_path):
    kconf = _kconfig()
    kconf.load_config(config_path)
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
    if not os.path.exists(config_path):
        os.makedirs(os.path.dirname(config_path) or '.', exist_ok=True)
        print(f'config: {config_path} absent, using configs/'
              f'{DEFAULT_DEFCONFIG}')
        apply_defconfig(DEFAULT_DEFCONFIG, config_path)
    kconf = _kconfig()
    kconf.load_config(config_path)
    _check_warnings(kconf, config_path)
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
