"""The POSIX demo (configs/posix_demo.toml, <board>_posix_demo_defconfig;
docs/posix.md "The demo") booted on every board.

init finds /etc/init in the container's files (containers/posix/rootfs-demo)
and execs "/bin/sh /etc/demo.sh": the shell of containers/posix/bin/sh runs
the script, which makes directories, writes, reads and lists files, pipes
programs into each other, runs one that crashes and a second shell on a
script of errors. Beside it the container ticker prints a counter. Checked:
every line the POSIX container prints, exactly and in order (the ticker's
lines taken out), ticker lines while the script runs, the ticker's lines
all there, the statuses, and the system ending by itself with status 0.
"""
import re

import pytest

import harness
from conftest import BOARDS, machine_build

TICKS = 40  # containers/examples/ticker/main.c

# What the POSIX container prints from the script's first command to init's
# end. A pattern (re.Pattern) for the server's fault line, whose pid and pc
# vary; every other line exact.
TRANSCRIPT = [
    '+ echo "hello from the POSIX container"',
    'hello from the POSIX container',
    '+ mkdir /home /home/demo',
    '+ cd /home/demo',
    '+ pwd',
    '/home/demo',
    '+ echo "tessera runs containers" > notes.txt',
    '+ echo "each one in its own partition" > more.txt',
    '+ cat notes.txt more.txt',
    'tessera runs containers',
    'each one in its own partition',
    '+ ls',
    'more.txt         30',
    'notes.txt        24',
    '+ cat notes.txt more.txt | upper | wc',
    '2 9 54',
    '+ cat < more.txt | grep partition',
    'each one in its own partition',
    '+ cat notes.txt | upper > loud.txt',
    '+ cat loud.txt',
    'TESSERA RUNS CONTAINERS',
    '+ cd /nowhere',
    'sh: cd: /nowhere: No such file or directory',
    '[sh] cd: exit status 1',
    '+ grep nothing more.txt',
    '[sh] grep: exit status 1',
    '+ cat missing.txt',
    'cat: missing.txt: No such file or directory',
    '[sh] cat: exit status 1',
    '+ ls /',
    'bin/',
    'etc/',
    'home/',
    'tmp/',
    '+ crash',
    'crash: writing to address 0',
    re.compile(r'posix: pid \d+ thread \d+: signal 11 at 0x0 '
               r'\(pc 0x[0-9a-f]+\)'),
    '[sh] crash: killed by signal 11 (SIGSEGV)',
    '+ echo "still running after the crash"',
    'still running after the crash',
    '+ sh /etc/errors.sh',
    '[sh] line 3: longer than 200 characters, skipped',
    '+ echo' + ' a' * 16,
    '[sh] too many arguments (at most 16)',
    '+ echo "no end',
    '[sh] unterminated quote',
    '+ cat notes.txt | | wc',
    '[sh] syntax error: empty command',
    '+ cat notes.txt | upper | upper | upper | wc',
    '[sh] too many commands in a pipeline (at most 4)',
    '+ cat >',
    '[sh] syntax error: > needs a file',
    '+ nosuch',
    '[sh] nosuch: No such file or directory',
    '[sh] nosuch: exit status 127',
    '+ echo "errors done"',
    'errors done',
    '+ exit 3',
    '[sh] /etc/errors.sh: end, status 3',
    '[sh] sh: exit status 3',
    '+ exit 0',
    '[sh] /etc/demo.sh: end, status 0',
    'posix: init ended with status 0x0, 0 processes left',
]


@pytest.fixture(scope='module', params=BOARDS)
def demo(request):
    board = request.param
    image = machine_build(board, 'posix_demo', f'posix-demo-{board}')
    return harness.boot(image, timeout=60)


def posix_lines(out):
    """The lines from the script's first command to init's end, the
    ticker's taken out; and the number of ticker lines among them."""
    lines = out.splitlines()
    first = lines.index(TRANSCRIPT[0])
    last = lines.index(TRANSCRIPT[-1])
    part = lines[first:last + 1]
    ticks = [line for line in part if line.startswith('ticker: ')]
    return [line for line in part if not line.startswith('ticker: ')], ticks


def test_script_prints_exactly_the_transcript(demo):
    assert TRANSCRIPT[0] in demo.output.splitlines(), demo.output
    got, _ = posix_lines(demo.output)
    assert len(got) == len(TRANSCRIPT), '\n'.join(got)
    for want, line in zip(TRANSCRIPT, got):
        if isinstance(want, re.Pattern):
            assert want.fullmatch(line), (line, demo.output)
        else:
            assert line == want, demo.output


def test_ticker_keeps_working_meanwhile(demo):
    """The other container prints while the script runs, and all its
    lines come, in order, whatever the shell does (the crash included)."""
    _, during = posix_lines(demo.output)
    assert during, f'no ticker line during the script\n{demo.output}'
    ticks = [line for line in demo.output.splitlines()
             if line.startswith('ticker: ')]
    assert ticks == [f'ticker: tick {i} of {TICKS}'
                     for i in range(1, TICKS + 1)] + ['ticker: done'], \
        demo.output


def test_system_ends_by_itself_with_status_0(demo):
    out = demo.output
    assert demo.status == 0, out
    assert re.search(r"kernel: container 'posix' finished, exit code 0 "
                     r"\(exited\)", out), out
    assert re.search(r"kernel: container 'ticker' finished, exit code 0 "
                     r"\(exited\)", out), out
    assert 'kernel: all containers finished, exit status 0' in out, out
    # the one fault is the crash's; nothing leaked or failed
    assert out.count(': signal 11 at ') == 1, out
    for bad in ('leak', 'exec failed', 'cannot', 'posix: file server'):
        assert bad not in out, (bad, out)
