#!/usr/bin/python3
"""Readable crashes: symbolize the kernel's fault and panic lines.

The kernel prints program counters, not names (kernel/generic/exception.c,
kernel/generic/thread.c, kernel/generic/panic.c):

  fault: container 'NAME' thread TID: CAUSE at pc 0x1000a7e4, address ...
  kernel fault: CAUSE in svc mode at pc c0012345, address ..., status ...
    sp  ...
    lr  c0012000  pc  c0012345  cpsr 600001d3 (mode svc)
  KERNEL PANIC: CAUSE in kernel mode at pc 0xc0012345, fault address ...

Containers are linked at their own virtual addresses and several share one
(0x10000000), so a user pc means something only in the ELF of the container
the line names: <O>/containers/<name>/<program>.elf (SConstruct). Kernel pcs
are looked up in <O>/kernel/kernel.elf. Each such line gets lines
underneath, indented, with the function and file:line from
arm-none-eabi-addr2line (inlined calls as "inlined into" lines):

  fault: container 'crash_data' thread 5: data abort at pc 0x10000a7c, ...
    at fi_store (containers/tests/faults/common/fi.c:31)
    inlined into main (containers/tests/faults/crash_data/main.c:12)

For a kernel fault the register dump's pc and lr are symbolized too, and
the KERNEL PANIC line after it gets its pc and that lr again.

As a module: Symbolizer(outdir).text(output) -> the output with those lines
added (one addr2line per ELF for the whole text), Symbolizer.feed(line) ->
the lines to add under one line (for a stream). As a script:
  symbolize.py [-O build/x] [FILE]   (standard input without FILE)
  scons O=build/x run | tools/symbolize.py -O build/x
"""
import argparse
import glob
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import elf as elfmod  # noqa: E402

ADDR2LINE = 'arm-none-eabi-addr2line'
INDENT = '    '

# a container's thread, no pager to take the fault (exception.c), or its
# pager refused it (thread.c: "...: refused by its pager")
USER_FAULT_RE = re.compile(
    r"fault: container '([^']+)' thread \d+: .+? at pc 0x([0-9a-fA-F]+)")
KERNEL_FAULT_RE = re.compile(r'^\s*kernel fault: .* at pc ([0-9a-fA-F]+)')
REGS_RE = re.compile(r'^\s*lr\s+([0-9a-fA-F]{8})\s+pc\s+([0-9a-fA-F]{8})')
PANIC_RE = re.compile(r'KERNEL PANIC: .*?\bpc (?:0x)?([0-9a-fA-F]+)')
# after a fault or panic line: where the code was and its stack's words
# (kernel/generic/exception.c, panic.c), unwound by tools/unwind.py
BT_RE = re.compile(r'^\s*backtrace from pc ([0-9a-fA-F]{8}) sp ([0-9a-fA-F]{8})'
                   r' lr ([0-9a-fA-F]{8}), (\d+) stack words')
STACK_RE = re.compile(r'^\s*stack ([0-9a-fA-F]{8}):((?: [0-9a-fA-F]{8})+)\s*$')
# a thread's line of the state report (kernel/generic/state_report.c)
STATE_RE = re.compile(r"state: container '([^']+)' thread \d+: .* at pc "
                      r'0x([0-9a-fA-F]+) lr 0x([0-9a-fA-F]+)')


def config_path(outdir):
    """The .config of a build directory (the default one's is at the
    top, as SConstruct has it)."""
    outdir = os.path.abspath(outdir)
    if outdir == os.path.join(TOP, 'build'):
        return os.path.join(TOP, '.config')
    return os.path.join(outdir, '.config')


def read_config(outdir):
    """CONFIG_ values of a build directory's .config ({} without one)."""
    cfg = {}
    try:
        with open(config_path(outdir)) as f:
            for line in f:
                m = re.match(r'CONFIG_(\w+)=(.*)$', line.strip())
                if m:
                    cfg[m.group(1)] = m.group(2).strip('"')
    except FileNotFoundError:
        pass
    return cfg


def container_elfs(outdir):
    """Container name -> its ELF in a build directory: from the manifest
    of the build's .config (CONFIG_MANIFEST; each container's program
    folder names its ELF), else whatever single ELF each
    <O>/containers/<name>/ holds."""
    return {n: e for n, (e, _) in containers_of(outdir).items()}


def containers_of(outdir):
    """Container name -> (its ELF, its program's folder or None)."""
    out = {}
    cfg = read_config(outdir)
    try:
        import board as boardmod
        import manifest as manifestmod
        m = manifestmod.load(
            os.path.join(TOP, cfg['MANIFEST']), boardmod.load(cfg['BOARD']),
            None, int(cfg.get('MAX_THREADS', manifestmod.DEFAULT_MAX_THREADS)),
            int(cfg.get('NR_CPUS', 1)))
        for c in m.containers:
            out[c.name] = (os.path.join(outdir, 'containers', c.name,
                                        c.program_name + '.elf'),
                           c.program_dir)  # None: a prebuilt elf
    except Exception:  # no or broken .config/manifest: what was built
        for d in sorted(glob.glob(os.path.join(outdir, 'containers', '*'))):
            elfs = glob.glob(os.path.join(d, '*.elf'))
            if len(elfs) == 1:
                out.setdefault(os.path.basename(d), (elfs[0], None))
    return out


def relative(path):
    """A source path as the tree names it (containers/..., kernel/...)."""
    if os.path.isabs(path):
        rel = os.path.relpath(path, TOP)
        if not rel.startswith('..'):
            return rel
    return path


def addr2line(elf, addrs):
    """One addr2line run for every address of one ELF: {addr: [(function,
    "file:line")]}, innermost first (inlined calls, then their caller);
    [] for an address without a symbol."""
    addrs = sorted(set(addrs))
    if not addrs:
        return {}
    p = subprocess.run(
        [ADDR2LINE, '-f', '-C', '-i', '-a', '-e', elf] +
        [f'0x{a:x}' for a in addrs],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, cur = {}, None
    lines = p.stdout.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r'^0x[0-9a-fA-F]+$', line):  # -a: each address first
            cur = int(line, 16)
            out[cur] = []
            i += 1
            continue
        if cur is not None and i + 1 < len(lines):
            func, where = line, lines[i + 1]
            if func != '??':
                fname, _, lineno = where.rpartition(':')
                lineno = lineno.split()[0] if lineno else lineno
                out[cur].append((func, f'{relative(fname)}:{lineno}'
                                 if fname != '??' else '??'))
        i += 2
    for a in addrs:
        out.setdefault(a, [])
    return out


INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def source_files(folder):
    """A program folder's sources and the headers they include with
    quotes (followed from header to header)."""
    todo = sorted(glob.glob(os.path.join(folder, '*.[cSh]')))
    seen = []
    while todo:
        path = os.path.normpath(todo.pop(0))
        if path in seen or not os.path.isfile(path):
            continue
        seen.append(path)
        with open(path, errors='replace') as f:
            for inc in INCLUDE_RE.findall(f.read()):
                todo.append(os.path.join(os.path.dirname(path), inc))
    return seen


def label_site(elf, addr, func, folder):
    """For code without line information (assembly in a C file's
    __asm__, a .S built without -g): the label at or before addr (the
    most specific of those at one address) and where the program's
    sources define it: (label, "file:line"), or None."""
    try:
        syms = elfmod.Elf(elf).symbols()
    except Exception:
        return None
    below = [(v & ~1, n) for n, v in syms.items()
             if not n.startswith('$') and (v & ~1) <= addr]
    if not below or folder is None:
        return None
    top = max(v for v, _ in below)
    if addr - top > 0x1000:
        return None
    names = [n for v, n in below if v == top]
    # of the labels there, the one defined last (nearest the instruction)
    for path in source_files(folder):
        hits = []
        with open(path, errors='replace') as f:
            for i, line in enumerate(f, 1):
                for name in names:
                    if re.search(r'(^|[\s"])' + re.escape(name) + r':', line):
                        hits.append((i, name))
        if hits:
            i, name = max(hits)
            return name, f'{relative(path)}:{i}'
    return None


def frames_text(frames, addr, elf, first='at', folder=None):
    """The lines for one address: "at F (file:line)" then "inlined into"
    its callers; a note when the ELF has no symbol there."""
    if not frames:
        return [f'{INDENT}{first} ?? (0x{addr:08x}: no symbol in '
                f'{relative(elf)})']
    func, where = frames[0]
    if where.startswith('??'):
        site = label_site(elf, addr, func, folder)
        if site:
            label = '' if site[0] == func else f'label {site[0]}, '
            return [f'{INDENT}{first} {func} ({site[1]}) [{label}'
                    'assembly without line information]']
        return [f'{INDENT}{first} {func} (no line information)']
    out = [f'{INDENT}{first} {frames[0][0]} ({frames[0][1]})']
    out += [f'{INDENT}  inlined into {f} ({w})' for f, w in frames[1:]]
    return out


class Symbolizer:
    """Symbolizes one build directory's fault and panic lines."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.kernel = os.path.join(outdir, 'kernel', 'kernel.elf')
        self.containers = containers_of(outdir)
        self.elfs = {n: e for n, (e, _) in self.containers.items()}
        self.folders = {e: f for e, f in self.containers.values()}
        self.lr = None  # the last kernel register dump's lr
        self.bt_elf = None  # whose code the next backtrace is in
        self.bt = None  # a backtrace being read: registers, stack words
        self.unwinders = {}
        self.cache = {}  # (elf, addr) -> frames

    def requests(self, line):
        """What one line asks for: [(label, elf, addr, lookup addr)]; the
        label says how the line reads ('at', 'pc at', 'lr at',
        'called from'). Remembers the register dump's lr for the panic."""
        if self.bt is not None:
            return self.backtrace_line(line)
        m = BT_RE.search(line)
        if m:
            pc, sp, lr = (int(m.group(i), 16) for i in (1, 2, 3))
            n = int(m.group(4))
            self.bt = {'pc': pc, 'sp': sp, 'lr': lr, 'left': n, 'mem': {},
                       'elf': self.bt_elf}
            return self.backtrace_line(None)
        m = USER_FAULT_RE.search(line)
        if m:
            elf = self.elfs.get(m.group(1))
            self.bt_elf = elf
            if elf is None:
                return [('missing', m.group(1), None, None)]
            pc = int(m.group(2), 16)
            return [('at', elf, pc, pc)]
        m = STATE_RE.search(line)
        if m:  # where it stopped, and lr: its caller's return address
            elf = self.elfs.get(m.group(1))  # if it has called nothing since
            if elf is None:
                return [('missing', m.group(1), None, None)]
            pc, lr = int(m.group(2), 16), int(m.group(3), 16)
            return [('at', elf, pc, pc), ('lr at', elf, lr, return_site(lr))]
        m = KERNEL_FAULT_RE.search(line)
        if m:
            self.lr = None
            self.bt_elf = self.kernel
            pc = int(m.group(1), 16)
            return [('at', self.kernel, pc, pc)]
        m = REGS_RE.search(line)
        if m:
            lr, pc = int(m.group(1), 16), int(m.group(2), 16)
            self.lr = lr
            return [('pc at', self.kernel, pc, pc),
                    ('lr at', self.kernel, lr, return_site(lr))]
        if 'KERNEL PANIC:' in line:  # a backtrace in the kernel follows
            self.bt_elf = self.kernel
        m = PANIC_RE.search(line)
        if m:
            pc = int(m.group(1), 16)
            out = [('at', self.kernel, pc, pc)]
            if self.lr is not None:
                out.append(('lr at', self.kernel, self.lr,
                            return_site(self.lr)))
            self.lr = None
            return out
        return []

    def backtrace_line(self, line):
        """A stack line of the backtrace being read (None: its first
        line); once all its words are in, the frames to print."""
        bt = self.bt
        if line is not None:
            m = STACK_RE.search(line)
            if not m:  # cut short: unwind what came
                bt['left'] = 0
            else:
                addr = int(m.group(1), 16)
                for i, w in enumerate(m.group(2).split()):
                    bt['mem'][addr + 4 * i] = int(w, 16)
                bt['left'] -= len(m.group(2).split())
        if bt['left'] > 0:
            return []
        self.bt = None
        if not bt['elf'] or not os.path.isfile(bt['elf']):
            return []
        try:
            if bt['elf'] not in self.unwinders:
                import unwind
                self.unwinders[bt['elf']] = unwind.Unwinder(bt['elf'])
            pcs = self.unwinders[bt['elf']].frames(bt['pc'], bt['sp'],
                                                   bt['lr'], bt['mem'])
        except Exception as e:  # e.g. python3-pyelftools missing
            return [('note', f'(backtrace: {e})', None, None)]
        return [(f'#{i}', bt['elf'], pc, pc if i == 0 else return_site(pc))
                for i, pc in enumerate(pcs)]

    def render(self, reqs, table):
        out = []
        for label, elf, addr, look in reqs:
            if label == 'note':
                out.append(INDENT + elf)
            elif label == 'missing':
                out.append(f"{INDENT}(no ELF for container '{elf}' in "
                           f'{self.outdir})')
            elif not os.path.isfile(elf):
                out.append(f'{INDENT}(no {relative(elf)} to symbolize '
                           f'0x{addr:08x})')
            else:
                out += frames_text(table.get((elf, look), []), addr, elf,
                                   label, self.folders.get(elf))
        return out

    def lookup(self, wanted):
        """Resolve (elf, addr) pairs: one addr2line run per ELF."""
        by_elf = {}
        for elf, addr in wanted:
            if (elf, addr) not in self.cache and os.path.isfile(elf):
                by_elf.setdefault(elf, set()).add(addr)
        for elf, addrs in by_elf.items():
            for a, frames in addr2line(elf, addrs).items():
                self.cache[(elf, a)] = frames
        return self.cache

    def feed(self, line):
        """The lines to print under one line of output (for a stream)."""
        reqs = self.requests(line)
        table = self.lookup([(e, look) for lbl, e, _, look in reqs
                             if lbl not in ('missing', 'note')])
        return self.render(reqs, table)

    def text(self, output):
        """The whole output with the symbolized lines added under each
        fault and panic line (addr2line once per ELF)."""
        lines = output.splitlines()
        self.lr = self.bt = self.bt_elf = None
        reqs = [self.requests(line) for line in lines]
        table = self.lookup([(e, look) for r in reqs for lbl, e, _, look in r
                             if lbl not in ('missing', 'note')])
        out = []
        for line, r in zip(lines, reqs):
            out.append(line)
            out += self.render(r, table)
        return '\n'.join(out) + ('\n' if output.endswith('\n') else '')


def return_site(lr):
    """Where a call returning to lr was made (-marm: the instruction
    before; bit 0 of a Thumb return address dropped first)."""
    lr &= ~1
    return lr - 4 if lr >= 4 else lr


def symbolize(output, outdir):
    """The output with every fault and panic line symbolized against the
    ELFs of the build directory outdir."""
    return Symbolizer(outdir).text(output)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description='add function and file:line under the kernel\'s fault '
        'and panic lines of a boot\'s output (docs/testing.md, "Readable '
        'crashes")')
    ap.add_argument('-O', dest='outdir', default='build',
                    help='the build directory the image came from '
                    '(default: build)')
    ap.add_argument('file', nargs='?',
                    help='a saved output (default: standard input, '
                    'symbolized line by line as it comes)')
    args = ap.parse_args(argv)
    s = Symbolizer(args.outdir)
    if args.file:
        with open(args.file, errors='replace') as f:
            sys.stdout.write(s.text(f.read()))
        return 0
    for line in sys.stdin:
        sys.stdout.write(line)
        for extra in s.feed(line.rstrip('\n')):
            sys.stdout.write(extra + '\n')
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
