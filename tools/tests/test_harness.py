"""The boot harness itself must be able to fail: feed it made-up output."""
from harness import SKIPPED, Boot, parse_tests


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


# ------------------------------------------------------------------ SKIP
def test_skip_line_and_summary():
    r = run(['TEST a.one PASS', 'TEST a.rtc SKIP no RTC on this board',
             '1 passed, 0 failed, 1 skipped'])
    assert r.problems == []
    assert r.results == {'a.one': (True, ''),
                         'a.rtc': (SKIPPED, 'no RTC on this board')}
    assert r.summary == (1, 0, 1)
    assert r.skipped == {'a.rtc': 'no RTC on this board'}
    # a skip is no failure
    assert [k for k, (ok, _) in r.results.items() if not ok] == []


def test_skips_with_a_failure_fail():
    r = run(['TEST a.one FAIL x', 'TEST a.two SKIP none here',
             '0 passed, 1 failed, 1 skipped'], status=1)
    assert r.problems == []
    assert r.results['a.one'] == (False, 'x')
    assert run(['TEST a.one FAIL x', 'TEST a.two SKIP none here',
                '0 passed, 1 failed, 1 skipped'], status=0).problems


def test_summary_without_skips_stays_two_numbers():
    r = run(['TEST a.one PASS', '1 passed, 0 failed'])
    assert r.problems == [] and r.summary == (1, 0) and r.skipped == {}
    # an explicit zero is accepted too
    assert run(['TEST a.one PASS', '1 passed, 0 failed, 0 skipped']).problems \
        == []


def test_skip_missing_from_summary_is_a_problem():
    r = run(['TEST a.one PASS', 'TEST a.two SKIP why', '1 passed, 0 failed'])
    assert any('does not match' in p for p in r.problems), r.problems
    r = run(['TEST a.one PASS', 'TEST a.two SKIP why',
             '2 passed, 0 failed'])
    assert r.problems


def test_skip_count_mismatch_is_a_problem():
    assert run(['TEST a.one PASS', '1 passed, 0 failed, 1 skipped']).problems
    assert run(['TEST a.one SKIP x', 'TEST a.two SKIP y',
                '0 passed, 0 failed, 1 skipped']).problems


def test_skip_without_reason_parses():
    r = run(['TEST a.one SKIP', '0 passed, 0 failed, 1 skipped'])
    assert r.problems == [] and r.results['a.one'] == (SKIPPED, '')


def test_board_of_reads_the_build_directorys_config(tmp_path):
    """harness.boot boots an image on the board it was built for."""
    import pytest

    from harness import board_of
    (tmp_path / '.config').write_text('CONFIG_X=y\nCONFIG_BOARD="raspi2b"\n')
    assert board_of(str(tmp_path / 'image.elf')) == 'raspi2b'
    (tmp_path / '.config').write_text('CONFIG_X=y\n')
    with pytest.raises(ValueError, match='no CONFIG_BOARD'):
        board_of(str(tmp_path / 'image.elf'))
    with pytest.raises(ValueError, match='pass board='):
        board_of(str(tmp_path / 'nowhere' / 'image.elf'))
