"""The default demo (qemu_virt_demo_defconfig, booted by scripts/run-demo;
<board>_demo_defconfig on every board): a service, a client and a greedy
container at work at the same time.

Checks what the demo shows: the service answered every request correctly,
each refusal the greedy container prints names the expected error, its
budgets came back, the kernel's summary has a line per container, the
system exits with 0 by itself; and that scripts/run-demo does all that from
its own build directory.
"""
import os
import re
import subprocess

import pytest

import board
import harness
import manifest
from conftest import MACHINES, TEST_BUILD, TOP, machine_board, machine_build

MAN = manifest.load(os.path.join(TOP, 'configs', 'demo.toml'),
                    board.load('qemu_virt'), os.path.join(TOP, 'containers'))
BY_NAME = {c.name: c for c in MAN.containers}


def containers_on(board_name):
    """The demo's containers as resolved for a board (addresses differ)."""
    m = manifest.load(os.path.join(TOP, 'configs', 'demo.toml'),
                      board.load(board_name), os.path.join(TOP, 'containers'))
    return {c.name: c for c in m.containers}
REQUESTS = 64  # containers/examples/client/main.c

# Every refusal greedy prints ("greedy: <key>: <what>: refused: <E_NAME>")
# and the error it must name.
REFUSALS = {
    'ipc': 'E_PERM',
    'exregs_read': 'E_PERM',
    'exregs_write': 'E_PERM',
    'suspend': 'E_PERM',
    'destroy': 'E_PERM',
    'copy_space': 'E_PERM',
    'grant': 'E_PERM',
    'map_service': 'E_PERM',
    'map_ram': 'E_PERM',
    'map_kernel': 'E_PERM',
    'map_kernel_range': 'E_INVAL',
    'map_device': 'E_PERM',
    'map_uart': 'E_PERM',
    'irq': 'E_PERM',
    'cap_forge': 'E_NOENT',
    'threads': 'E_BUDGET',
    'spaces': 'E_BUDGET',
    'pt_pages': 'E_BUDGET',
    'caps': 'E_BUDGET',
    'mutexes': 'E_BUDGET',
    'domain_grant': 'E_BUDGET',
    'domain_threads': 'E_BUDGET',
}
REFUSAL_RE = re.compile(r'^greedy: (\w+): (.*): refused: (E_[A-Z]+)$', re.M)
BUDGET_NAMES = {'threads': 'threads', 'spaces': 'spaces',
                'mutexes': 'mutexes', 'pt': 'pt_pages', 'caps': 'caps'}


# One boot per board; every check below runs on each.
@pytest.fixture(scope='module', params=MACHINES)
def demo(request):
    name = machine_board(request.param)
    image = machine_build(request.param, 'demo', 'demo' if name ==
                          'qemu_virt' else f'demo-{name}')
    b = harness.boot(image, timeout=60)
    b.board = name
    return b


def pager_tids(b):
    return {n: int(t) for n, t in re.findall(
        r"kernel: container '(\S+)' started: pager tid (\d+)", b.output)}


def test_ends_by_itself_with_status_zero(demo):
    assert not demo.panicked and not demo.timed_out, demo.output
    assert demo.status == 0, demo.output
    assert 'kernel: all containers finished, exit status 0' in demo.output


def test_four_containers_with_their_own_programs():
    assert [(c.name, c.program) for c in MAN.containers] == [
        ('service', 'examples/service'), ('client', 'examples/client'),
        ('greedy', 'examples/greedy'), ('flaky', 'examples/flaky')]
    assert BY_NAME['client'].channels == ['service']
    assert not BY_NAME['service'].own_caps  # replies need no capability


def test_every_line_is_prefixed_by_who_printed_it(demo):
    """...or is an indented line of a fault's report: where the thread was
    and its stack's words, for the host's backtrace."""
    head = None
    for line in demo.lines:
        if line.startswith('  '):
            assert head and head.startswith('fault: '), (head, line)
            assert re.match(r'  (backtrace from pc |stack [0-9a-f]{8}:)',
                            line), line
            continue
        head = line
        assert re.match(r'(loader|kernel|service|client|greedy|flaky|fault): ',
                        line), line


def test_service_answered_every_request_correctly(demo):
    out = demo.output
    tids = pager_tids(demo)
    assert re.search(rf'^client: .*: the service is thread '
                     rf'{tids["service"]} \(', out, re.M), out
    assert f'client: {REQUESTS}/{REQUESTS} answers correct' in out, out
    assert (f'client: {REQUESTS} requests, {REQUESTS} answers correct; the '
            f'service counted {REQUESTS}') in out, out
    assert 'WRONG' not in out
    assert f'service: served {REQUESTS} requests' in out
    assert '0xcbf43926' in out  # CRC-32's check value came back


def test_each_refusal_names_the_expected_error(demo):
    seen = {}
    for key, what, err in REFUSAL_RE.findall(demo.output):
        assert key not in seen, f'{key} printed twice'
        seen[key] = err
    assert seen == REFUSALS, demo.output
    assert 'NOT refused' not in demo.output
    assert 'greedy: budgets back where they started; 0 attempts not ' \
           'refused as expected' in demo.output


def test_greedy_tried_the_service_and_the_client(demo):
    tids = pager_tids(demo)
    m = re.search(r'^greedy: ipc: send to each of the first \d+ thread ids '
                  r'not its own \(tids ([\d ]+)\)', demo.output, re.M)
    assert m, demo.output
    tried = {int(t) for t in m.group(1).split()}
    assert {tids['service'], tids['client']} <= tried
    assert tids['greedy'] not in tried
    # greedy guesses where the service lives; the guess must be right
    m = re.search(r"map the service's memory \((0x[0-9a-f]+)\): refused",
                  demo.output)
    assert m and int(m.group(1), 16) == \
        containers_on(demo.board)['service'].phys


def budget_line(b, when):
    m = re.search(rf'^greedy: budgets {when} \(used/size\):(.*)$', b.output,
                  re.M)
    assert m, b.output
    return {k: (int(u), int(s)) for k, u, s in
            re.findall(r'(\w+) (\d+)/(\d+)', m.group(1))}


def test_greedy_budgets_back_where_they_started(demo):
    start, end = budget_line(demo, 'at start'), budget_line(demo, 'at end')
    assert start == end
    budget = BY_NAME['greedy'].budget
    assert start == {k: (0, budget[v]) for k, v in BUDGET_NAMES.items()}


def test_greedy_held_to_its_cpu_budget(demo):
    """greedy spins for 300 ms with a budget of 2 ms in every 10 ms: the
    kernel throttles it (its clock jumps while it waits) and reports its
    use. Shares are checked under -icount in test_cpu_budget; here QEMU
    runs in host time, so only that it was held back."""
    assert BY_NAME['greedy'].cpu == (2000, 10000)
    m = re.search(r'^greedy: spun for (\d+) us and ran (\d+) us of them '
                  r'\((\d+) %\), held back (\d+) times$', demo.output, re.M)
    assert m, demo.output
    spun, ran, _, waits = (int(x) for x in m.groups())
    assert spun >= 300000 and waits > 0 and ran < spun / 2, m.group(0)
    m = re.search(r'^kernel:\s+greedy\s+cpu used \d+ us of its \d+ us '
                  r'\([\d.]+ %\), budget 2000 us every 10000 us, throttled '
                  r'(\d+) times$', demo.output, re.M)
    assert m and int(m.group(1)) > 0, demo.output


def test_kernel_summary_per_container(demo):
    rows = dict(re.findall(r'^kernel:   (\w+) +exit +(-?\d+) .*$',
                           demo.output, re.M))
    assert rows == {'service': '0', 'client': '0', 'greedy': '0',
                    'flaky': '0'}
    # greedy used up every budget: each peak is its size
    m = re.search(r'^kernel:   greedy .*$', demo.output, re.M)
    peaks = dict((k, (int(p), int(s))) for k, p, s in
                 re.findall(r'(\w+) (\d+)/(\d+)', m.group(0)))
    budget = BY_NAME['greedy'].budget
    for k, v in BUDGET_NAMES.items():
        assert peaks[k] == (budget[v], budget[v]), (k, m.group(0))


def test_flaky_crashes_once_and_is_restarted(demo):
    """One crash, reported with its cause, then a restart from the
    pristine image; the second life finishes its work."""
    out = demo.output
    assert re.search(r"^fault: container 'flaky' thread \d+: data abort at "
                     r"pc 0x[0-9a-f]+, address 0x00200000", out, re.M), out
    assert re.search(r"^kernel: container 'flaky' crashed, exit code 132 "
                     r"\(data abort\)", out, re.M), out
    assert "kernel: container 'flaky' restarting (1)" in out
    assert 'flaky: restarted 1 time(s); work done: sum 1..1000 = 500500 ' \
           '(correct)' in out
    assert 'flaky: still alive?' not in out
    assert re.search(r'^kernel:   flaky +exit +0 restarts 1 ', out, re.M)
    assert out.count("kernel: container 'flaky' started") == 2


def test_containers_work_at_the_same_time(demo):
    """Greedy's lines come while the client is still at work, and the
    service's progress lines among the client's."""
    lines = demo.lines
    client = [i for i, l in enumerate(lines) if l.startswith('client: ')]
    assert any(client[0] < i < client[-1] for i, l in enumerate(lines)
               if l.startswith('greedy: '))
    assert any(client[0] < i < client[-1] for i, l in enumerate(lines)
               if l.startswith('service: '))


def test_run_demo_script_builds_and_boots_the_demo():
    """scripts/run-demo, as the README's first command runs it, but into
    a test build directory: the same system, status 0."""
    out = os.path.join(TEST_BUILD, 'run-demo')
    env = dict(os.environ, DEMO_BUILD=out)
    p = subprocess.run([os.path.join(TOP, 'scripts', 'run-demo')], cwd=TOP,
                       env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    assert p.returncode == 0, p.stdout
    assert 'kernel: summary (budget peak/size):' in p.stdout
    assert f'client: {REQUESTS} requests, {REQUESTS} answers correct' \
        in p.stdout
    assert os.path.exists(os.path.join(out, 'image.elf'))
    with open(os.path.join(out, '.config')) as f:
        assert 'CONFIG_MANIFEST="configs/demo.toml"' in f.read()
