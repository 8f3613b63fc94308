"""What a user runs by hand: every command answers --help, scons help lists
targets, configurations and boards, TIMEOUT works from the environment,
scripts with a #! line are executable, the manifest checker stands alone,
QEMU is started with no default devices, and the README and docs point at
nothing outside the repository."""
import glob
import os
import re
import subprocess

import pytest

import board
import harness
import qemu
from conftest import TEST_BUILD, TOP


def run(cmd, env=None, timeout=120):
    return subprocess.run(cmd, cwd=TOP, capture_output=True, text=True,
                          timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def tracked():
    out = run(['git', 'ls-files', '-s']).stdout
    for line in out.splitlines():
        mode, _, _, path = line.split(None, 3)
        yield mode, path


def has_shebang(path):
    with open(os.path.join(TOP, path), 'rb') as f:
        return f.read(2) == b'#!'


# ------------------------------------------------------------- #! files
def test_every_file_with_a_shebang_is_executable_in_git():
    if not os.path.isdir(os.path.join(TOP, '.git')):
        pytest.skip('not a git checkout')
    bad = [p for mode, p in tracked()
           if os.path.isfile(os.path.join(TOP, p)) and has_shebang(p)
           and mode != '100755']
    assert not bad, f'#! files not executable in git: {bad}'


def executables():
    found = []
    for pattern in ('scripts/*', 'tools/*.py'):
        for p in sorted(glob.glob(os.path.join(TOP, pattern))):
            if os.path.isfile(p) and has_shebang(os.path.relpath(p, TOP)):
                found.append(os.path.relpath(p, TOP))
    return found


@pytest.mark.parametrize('tool', executables())
def test_every_command_answers_help(tool):
    r = run([os.path.join(TOP, tool), '--help'], timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith('usage:'), r.stdout
    assert len(r.stdout.splitlines()) >= 2  # says what it does


def test_test_and_demo_help_runs_nothing(tmp_path):
    """--help explains; it neither builds nor boots."""
    for script in ('scripts/test', 'scripts/run-demo'):
        r = run([script, '--help'], env={'DEMO_BUILD': str(tmp_path)})
        assert 'scons' not in r.stderr and 'loader:' not in r.stdout
        assert 'PASSED' not in r.stdout and not os.listdir(tmp_path)


def test_run_demo_refuses_unknown_arguments():
    r = run(['scripts/run-demo', '--bogus'])
    assert r.returncode == 2
    assert "unknown argument '--bogus'" in r.stderr


# ------------------------------------------------------------ scons help
def test_scons_help_lists_targets_configurations_and_boards(tmp_path):
    for args in (['help'], ['-h']):
        r = run(['scons', '-Q', f'O={tmp_path}'] + args)
        assert r.returncode == 0, r.stdout + r.stderr
        for target in ('run', 'debug', 'menuconfig', 'savedefconfig',
                       'host-tests', 'TIMEOUT=<s>', 'O=<dir>'):
            assert target in r.stdout, target
        for path in glob.glob(os.path.join(TOP, 'configs', '*_defconfig')):
            name = os.path.basename(path)
            purpose = open(path).readline()[2:].strip()
            assert re.search(rf'^  {name}\s+{re.escape(purpose)}$',
                             r.stdout, re.M), name
        for b in board.names():
            assert re.search(rf'^  {b}\s+\S', r.stdout, re.M), b
    assert not os.path.exists(tmp_path / '.config')  # help changes nothing


def test_every_defconfig_says_what_it_is_for():
    for path in glob.glob(os.path.join(TOP, 'configs', '*_defconfig')):
        first = open(path).readline()
        assert first.startswith('# ') and len(first) > 20, path


# ---------------------------------------------------------- TIMEOUT=<s>
@pytest.fixture(scope='module')
def hello_build():
    out = os.path.join(TEST_BUILD, 'commands')
    harness.build('qemu_virt_hello_defconfig', out)
    return out


def test_timeout_is_read_from_the_environment(hello_build):
    r = run(['scons', '-Q', f'O={hello_build}', 'run'], env={'TIMEOUT': 'x'})
    assert r.returncode == 2
    assert 'run: error: TIMEOUT=x: expected a whole number' in r.stderr


def test_timeout_on_the_command_line_wins(hello_build):
    r = run(['scons', '-Q', f'O={hello_build}', 'run', 'TIMEOUT=30'],
            env={'TIMEOUT': 'x'})
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'hello: goodbye' in r.stdout


# ------------------------------------------------------ manifest check
def test_manifest_check_good_file():
    r = run(['tools/manifest.py', 'check', 'configs/demo.toml'])
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith('configs/demo.toml: ok, 4 container(s)')


def test_manifest_check_broken_file(tmp_path):
    bad = tmp_path / 'm.toml'
    bad.write_text(open(os.path.join(TOP, 'configs', 'hello.toml')).read()
                   .replace('priority = 10', 'priority = 0'))
    r = run(['tools/manifest.py', 'check', str(bad)])
    assert r.returncode == 1 and r.stdout == ''
    line = next(n for n, t in enumerate(bad.read_text().splitlines(), 1)
                if t.startswith('priority'))
    assert r.stderr.startswith(f'manifest: error: {bad}:{line}: '
                               'container[0].priority: '), r.stderr


def test_manifest_check_missing_file_and_bad_board(tmp_path):
    r = run(['tools/manifest.py', 'check', str(tmp_path / 'none.toml')])
    assert r.returncode == 1 and 'No such file' in r.stderr
    r = run(['tools/manifest.py', 'check', 'configs/demo.toml',
             '--board', 'nosuch'])
    assert r.returncode == 2 and 'no such board description' in r.stderr


def test_manifest_check_needs_a_command():
    r = run(['tools/manifest.py'])
    assert r.returncode == 2 and 'usage:' in r.stderr


# ---------------------------------------------------- QEMU command lines
def test_qemu_has_no_default_devices():
    """-nodefaults: no default NIC (its option ROM is an optional package),
    display, monitor or drives; the serial port is given explicitly."""
    for name in board.names():
        cmd = qemu.command(board.load(name), 'image.elf')
        assert '-nodefaults' in cmd, name
        assert cmd[cmd.index('-serial') + 1] == 'stdio'
        assert not {'-net', '-nic', '-netdev', '-device', '-drive'} & set(cmd)


def test_qemu_needs_no_option_rom(tmp_path):
    """The board's QEMU line starts the machine with the firmware search
    path pointed at an empty directory first: QEMU, halted with -S, is
    still running after 3 s instead of failing to find a ROM."""
    b = board.load('qemu_virt')
    cmd = ([b['qemu']['binary'], '-L', str(tmp_path)] +
           list(b['qemu']['args']) + ['-S'])
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        _, err = p.communicate(timeout=3)
        pytest.fail(f'QEMU ended with {p.returncode}: {err}')
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()


# ------------------------------------------------- the repository alone
DOCS = ['README.md', 'CHANGELOG.md'] + sorted(
    os.path.relpath(p, TOP) for p in glob.glob(os.path.join(TOP, 'docs',
                                                            '*.md')))


@pytest.mark.parametrize('doc', DOCS)
def test_docs_point_only_inside_the_repository(doc):
    text = open(os.path.join(TOP, doc)).read()
    assert '../shared' not in text and not re.search(r'\bSPEC\b', text), doc
    for target in re.findall(r'\]\(([^)#\s]+)', text):
        if re.match(r'[a-z]+://', target):
            continue
        path = os.path.normpath(os.path.join(TOP, os.path.dirname(doc),
                                             target))
        assert path.startswith(TOP + os.sep), f'{doc}: {target} leaves'
        if os.path.relpath(path, TOP).startswith('build' + os.sep):
            continue  # an output the build or a script makes
        assert os.path.exists(path), f'{doc}: broken link {target}'


def test_license_changelog_and_version_agree():
    import version
    v = version.string(version.read())
    assert os.path.exists(os.path.join(TOP, 'LICENSE'))
    assert f'## {v}' in open(os.path.join(TOP, 'CHANGELOG.md')).read()
    assert 'LICENSE' in open(os.path.join(TOP, 'README.md')).read()
