"""The boot harness itself must be able to fail: feed it made-up output."""
from harness import Boot, parse_tests


def run(lines, status=0):
    return parse_tests(Boot(status, '\n'.join(lines), lines))


def test_all_pass():
    r = run(['TEST a.one PASS', 'TEST a.two PASS', '2 passed, 0 failed'])
    assert r.problems == []
    assert r.results == {'a.one': (True, ''), 'a.two': (True, '')}


def test_failing_case_is_reported():
    r = run(['TEST a.one PASS', 'TEST a.two FAIL got -22', '1 passed, 1 failed'],
            status=1)
    assert r.problems == []
    assert r.results['a.two'] == (False, 'got -22')


def test_missing_summary_is_a_problem():
    assert run(['TEST a.one PASS']).problems


def test_summary_mismatch_is_a_problem():
    assert run(['TEST a.one FAIL x', '1 passed, 0 failed']).problems


def test_status_mismatch_is_a_problem():
    assert run(['TEST a.one FAIL x', '0 passed, 1 failed'], status=0).problems


def test_panic_and_hang_are_problems():
    assert 'kernel panic' in run(['KERNEL PANIC: x', '0 passed, 0 failed'],
                                 status=3).problems
    assert any('hang' in p for p in run(['0 passed, 0 failed'],
                                        status=124).problems)


def test_duplicate_case_is_a_problem():
    assert run(['TEST a.x PASS', 'TEST a.x PASS', '2 passed, 0 failed']).problems
