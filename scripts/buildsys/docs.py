#!/usr/bin/python3
"""The API reference: doxygen over the headers docs/Doxyfile names.

`scons docs` calls build(); as a script it does the same by hand and lets
a test point the same Doxyfile at other headers (--input). doxygen reads
docs/Doxyfile with these settings appended (its last value of a key wins):

    OUTPUT_DIRECTORY = <out>            the HTML goes to <out>/api/
    WARN_LOGFILE     = <out>/doxygen-warnings.log
    PROJECT_NUMBER   = the version in VERSION
    INPUT            = <files or folders>   (only with --input)

Any warning (an undocumented function, macro, struct, member, parameter
or return value; a malformed command) fails the build: the warnings are
printed as file:line: text, the log is kept, and <out>/api/index.html is
removed so the next build runs doxygen again.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DOXYFILE = os.path.join(TOP, 'docs', 'Doxyfile')
LOG_NAME = 'doxygen-warnings.log'


def version():
    with open(os.path.join(TOP, 'VERSION'), encoding='utf-8') as f:
        return f.read().strip()


def doxyfile_inputs(doxyfile=DOXYFILE):
    """The headers the Doxyfile's INPUT and FILE_PATTERNS name (paths
    relative to the top of the tree): what `scons docs` depends on."""
    settings, key = {}, None
    with open(doxyfile, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].rstrip()
            if key is None:
                if '=' not in line:
                    continue
                key, _, line = line.partition('=')
                key = key.strip()
                settings[key] = []
            cont = line.endswith('\\')
            settings[key] += line.rstrip('\\').split()
            if not cont:
                key = None
    files = []
    for path in settings.get('INPUT', []):
        full = os.path.join(TOP, path)
        if os.path.isdir(full):
            for pattern in settings.get('FILE_PATTERNS', ['*']):
                files += sorted(glob.glob(os.path.join(full, pattern)))
        else:
            files.append(full)
    return [os.path.relpath(f, TOP) for f in files]


def config(out, inputs=None, doxyfile=DOXYFILE):
    """The Doxyfile's text with the build's settings appended."""
    with open(doxyfile, encoding='utf-8') as f:
        text = f.read()
    extra = [f'OUTPUT_DIRECTORY = "{out}"',
             f'WARN_LOGFILE = "{os.path.join(out, LOG_NAME)}"',
             f'PROJECT_NUMBER = "{version()}"']
    if inputs:
        extra.append('INPUT = ' + ' '.join(f'"{p}"' for p in inputs))
    return text + '\n# appended by scripts/buildsys/docs.py\n' + \
        '\n'.join(extra) + '\n'


def build(out, inputs=None, doxygen='doxygen', stream=sys.stderr):
    """Run doxygen into out/api/; 0 when it warned about nothing, else 1
    (the warnings printed to stream), 2 when doxygen is missing or fails."""
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    log = os.path.join(out, LOG_NAME)
    index = os.path.join(out, 'api', 'index.html')
    for stale in (log, index):
        if os.path.exists(stale):
            os.remove(stale)
    if not shutil.which(doxygen):
        print('docs: error: doxygen not found (scripts/setup installs it)',
              file=stream)
        return 2
    r = subprocess.run([doxygen, '-'], input=config(out, inputs), cwd=TOP,
                       text=True, capture_output=True)
    warnings = []
    if os.path.exists(log):
        with open(log, encoding='utf-8', errors='replace') as f:
            warnings = [line.rstrip('\n') for line in f if line.strip()]
    # doxygen prints some problems (of the configuration) on stderr only
    warnings += [line for line in r.stderr.splitlines() if line.strip()]
    if r.returncode != 0 or warnings:
        for w in warnings:
            print(w.replace(TOP + os.sep, ''), file=stream)
        if r.returncode != 0:
            print(f'docs: error: doxygen exited with {r.returncode}',
                  file=stream)
        else:
            shown = log[len(TOP) + 1:] if log.startswith(TOP + os.sep) \
                else log
            count = sum(': warning:' in w or ': error:' in w
                        for w in warnings) or len(warnings)
            print(f'docs: error: {count} doxygen warning(s) '
                  f'(log: {shown}); document every '
                  'public function, macro, struct and enum', file=stream)
        if os.path.exists(index):
            os.remove(index)
        return 2 if r.returncode != 0 else 1
    if not os.path.exists(index):
        print(f'docs: error: doxygen wrote no {index}', file=stream)
        return 2
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(
        description='Build the API reference (doxygen over docs/Doxyfile) '
        'into OUT/api/; fail on any doxygen warning. `scons docs` runs this '
        'into <O>/docs.')
    p.add_argument('--out', default=os.path.join(TOP, 'build', 'docs'),
                   help='output folder (default build/docs): OUT/api/ and '
                   f'OUT/{LOG_NAME}')
    p.add_argument('--input', nargs='+', metavar='PATH',
                   help="headers or folders instead of the Doxyfile's INPUT")
    args = p.parse_args(argv)
    return build(args.out, args.input)


if __name__ == '__main__':
    sys.exit(main())
