"""The API reference and the programming guide.

`scons docs` runs doxygen (docs/Doxyfile, scripts/buildsys/docs.py) over
the user library's headers and the kernel ABI headers into <O>/docs/api/;
any doxygen warning fails it. These tests build it as a user would (it
needs a configuration, as every scons target), check it warned about
nothing and that the reference has the functions a program uses, show that
an undocumented function really fails the same Doxyfile, and check that
every relative link of docs/programming.md leads to a file (and a heading)
that exists.
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import TEST_BUILD, TOP

sys.path.insert(0, os.path.join(TOP, 'scripts'))
from buildsys import docs  # noqa: E402

OUT = os.path.join(TEST_BUILD, 'docs')
DOCS_PY = os.path.join(TOP, 'scripts', 'buildsys', 'docs.py')
SYS_H = os.path.join(TOP, 'containers', 'lib', 'include', 'tessera', 'sys.h')
GUIDE = os.path.join(TOP, 'docs', 'programming.md')


def run(cmd, timeout=300):
    return subprocess.run(cmd, cwd=TOP, capture_output=True, text=True,
                          timeout=timeout)


def need_doxygen():
    if not shutil.which('doxygen'):
        pytest.fail('doxygen is not installed (scripts/setup installs it)')


@pytest.fixture(scope='module')
def reference():
    """`scons docs` into build/test/docs (configured like any build);
    returns its output and the folder of the HTML."""
    need_doxygen()
    r = run(['scons', '-Q', f'O={OUT}', 'qemu_virt_hello_defconfig'])
    assert r.returncode == 0, r.stdout + r.stderr
    r = run(['scons', '-Q', f'O={OUT}', 'docs'])
    return r, os.path.join(OUT, 'docs', 'api')


def test_scons_docs_builds_without_a_warning(reference):
    r, api = reference
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'warning' not in (r.stdout + r.stderr).lower(), r.stdout + r.stderr
    log = os.path.join(OUT, 'docs', docs.LOG_NAME)
    assert os.path.isfile(log) and open(log).read().strip() == ''
    assert os.path.isfile(os.path.join(api, 'index.html'))


def test_the_reference_has_what_programs_call(reference):
    _, api = reference
    functions = open(os.path.join(api, 'globals_func.html')).read()
    for name in ('sys_map', 'channel_lookup', 'ipc_call', 'ipc_reply_wait',
                 'irq_bind', 'irq_wait', 'irq_ack', 'sys_exit', 'printf',
                 'thread_prepare', 'mutex_lock', 'domain_spawn', 'test_run',
                 'sys_sched_control', 'cap_read'):
        assert f'>{name}()' in functions, name
    macros = ''.join(open(os.path.join(api, f)).read()
                     for f in os.listdir(api) if f.startswith('globals_defs'))
    for name in ('MAP_ATTR_DEVICE', 'E_DEAD', 'IPC_TAG', 'CAP_RES_IPC',
                 'TEST_CASE', 'EXPECT_ERR', 'MUTEX_INIT'):
        assert f'>{name}' in macros, name
    index = open(os.path.join(api, 'index.html')).read()
    assert 'Tessera container program API' in index  # docs/api-main.dox
    assert 'href="sys_8h.html"' in index
    sys_page = open(os.path.join(api, 'sys_8h.html')).read()
    # the documented errors made it into the page
    assert '-E_NOENT' in sys_page and 'MAP_ATTR_DEVICE' in sys_page
    for header in ('sys', 'console', 'thread', 'domain', 'mutex', 'sched',
                   'boot', 'test', 'syscall', 'cap', 'errno'):
        assert os.path.isfile(os.path.join(api, f'{header}_8h.html')), header


def test_scons_docs_is_up_to_date_when_nothing_changed(reference):
    r, _ = reference
    assert r.returncode == 0, r.stdout + r.stderr
    again = run(['scons', '-Q', f'O={OUT}', 'docs'])
    assert again.returncode == 0, again.stdout + again.stderr
    assert 'DOXYGEN' not in again.stdout, again.stdout


def test_docs_depend_on_every_header_the_doxyfile_names():
    names = docs.doxyfile_inputs()
    for folder in ('containers/lib/include/tessera',
                   'kernel/include/uapi/tessera'):
        for f in os.listdir(os.path.join(TOP, folder)):
            if f.endswith('.h'):
                assert f'{folder}/{f}' in names, f


def undocumented_copy(tmp_path, extra):
    """A copy of tessera/sys.h with `extra` before its last #endif;
    returns its path and the line where `extra` starts."""
    text = open(SYS_H).read()
    at = text.rindex('#endif')
    head = text[:at]
    (tmp_path / 'tessera').mkdir()  # its @file names tessera/sys.h
    path = tmp_path / 'tessera' / 'sys.h'
    path.write_text(head + extra + '\n' + text[at:])
    return path, head.count('\n') + 1


def test_an_undocumented_function_fails_the_build(tmp_path):
    need_doxygen()
    header, line = undocumented_copy(
        tmp_path, 'int sys_undocumented(int how);')
    out = tmp_path / 'out'
    r = run([DOCS_PY, '--out', str(out), '--input', str(header)])
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(rf'sys\.h:{line}: warning: Member '
                     r'sys_undocumented\(int how\) \(function\) .*is not '
                     r'documented', r.stderr), r.stderr
    assert 'docs: error: 1 doxygen warning(s)' in r.stderr, r.stderr
    assert not (out / 'api' / 'index.html').exists()
    # the same header without the addition is clean: the Doxyfile is the
    # build's, only INPUT differs
    clean = tmp_path / 'clean' / 'tessera'
    clean.mkdir(parents=True)
    shutil.copy(SYS_H, clean / 'sys.h')
    r = run([DOCS_PY, '--out', str(tmp_path / 'out2'), '--input',
             str(clean / 'sys.h')])
    assert r.returncode == 0, r.stdout + r.stderr


def test_an_undocumented_parameter_fails_the_build(tmp_path):
    need_doxygen()
    header, _ = undocumented_copy(
        tmp_path, '/** @brief Half documented.\n * @param a the first\n'
        ' * @return 0 */\nint sys_half(int a, int b);')
    r = run([DOCS_PY, '--out', str(tmp_path / 'out'), '--input',
             str(header)])
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(r'sys\.h:\d+: warning: .*parameter.*\bb\b', r.stderr,
                     re.I | re.S), r.stderr


def test_doxyfile_settings():
    text = open(docs.DOXYFILE).read()
    setting = dict(re.findall(r'^(\w+)\s*=\s*(.*)$', text, re.M))
    assert setting['EXTRACT_ALL'] == 'NO'
    assert setting['WARN_IF_UNDOCUMENTED'] == 'YES'
    assert setting['HTML_OUTPUT'] == 'api'


# --------------------------------------------------- docs/programming.md
def slug(heading):
    """The anchor a Markdown heading gets (GitHub's rule)."""
    s = heading.strip().lower()
    s = re.sub(r'[^\w\- ]', '', s)
    return s.replace(' ', '-')


def anchors(md_path):
    with open(md_path, encoding='utf-8') as f:
        text = re.sub(r'```.*?```', '', f.read(), flags=re.S)
    return {slug(h) for h in re.findall(r'^#+\s+(.*)$', text, re.M)}


def test_every_relative_link_of_the_guide_exists():
    text = open(GUIDE, encoding='utf-8').read()
    links = re.findall(r'\]\(([^)\s]+)\)', text)
    assert len(links) > 10, 'the guide links to the rest of docs/'
    for link in links:
        if re.match(r'[a-z]+://', link):
            continue
        target, _, anchor = link.partition('#')
        path = os.path.normpath(os.path.join(os.path.dirname(GUIDE),
                                             target)) if target else GUIDE
        assert path.startswith(TOP + os.sep), f'{link} leaves the tree'
        assert os.path.exists(path), f'docs/programming.md: broken link {link}'
        if anchor and path.endswith('.md'):
            assert anchor in anchors(path), \
                f'docs/programming.md: no heading #{anchor} in {target}'
