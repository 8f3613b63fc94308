"""scripts/bench --profile FIGURE: where one figure's instructions go.

Builds the bench configuration running only FIGURE (CONFIG_BENCH_ONLY,
few iterations) and boots it with QEMU executing one instruction per
translation block and logging every block it runs (-singlestep -d
exec,nochain, restricted with -dfilter to kernel and bench code), through a
pipe rather than a file. Every logged PC between the bench container's
bench_mark_begin and bench_mark_end is one guest instruction of the timed
loop; the PCs are attributed to functions with arm-none-eabi-nm's symbols
of kernel.elf, bench.elf (and loader.elf) and divided by the iterations.

FIGURE "boot" profiles the bench system from reset to the first user
instruction; "boot_<n>" the same with n tiny containers.
"""
import bisect
import json
import os
import re
import subprocess
import tempfile
import threading

import bench
import board as boardmod
import qemu

TOP = bench.TOP
USER_TEXT_SPAN = 0x100000  # the bench program's code lies in its region


def guest_figures():
    """Figures the bench container runs (and so can run alone)."""
    skip = ('loader_', 'boot_', 'kernel_')
    return ['calibration'] + [n for n in bench.FIGURES
                              if not n.startswith(skip)]


class Symbols:
    """Address -> function of one ELF file (text symbols, via nm)."""

    def __init__(self, path, image, offset=0):
        out = subprocess.run(['arm-none-eabi-nm', '-n', '--defined-only',
                              path], stdout=subprocess.PIPE, text=True,
                             check=True).stdout
        self.addrs, self.names, self.image = [], [], image
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in 'tTwW':
                self.addrs.append(int(parts[0], 16) - offset)
                self.names.append(parts[2])
        self.lo = self.addrs[0] if self.addrs else 0

    def lookup(self, pc):
        i = bisect.bisect_right(self.addrs, pc) - 1
        return self.names[i] if i >= 0 else '?'


def resolver(outdir, user_virt):
    b = boardmod.load(bench.BOARD)['memory']
    kernel_phys, kernel_virt = b['kernel_phys'], b['kernel_virt']
    reserve = b['kernel_reserve']
    kernel = Symbols(os.path.join(outdir, 'kernel', 'kernel.elf'), 'kernel')
    kernel_low = Symbols(os.path.join(outdir, 'kernel', 'kernel.elf'),
                         'kernel (MMU off)', kernel_virt - kernel_phys)
    loader = Symbols(os.path.join(outdir, 'loader', 'loader.elf'), 'loader')
    user = Symbols(os.path.join(outdir, 'containers', 'bench', 'bench.elf'),
                   'bench')

    def resolve(pc):
        if pc >= 0x80000000:
            return kernel.image, kernel.lookup(pc)
        if kernel_phys <= pc < kernel_phys + reserve:
            return kernel_low.image, kernel_low.lookup(pc)
        if user_virt <= pc < user_virt + USER_TEXT_SPAN:
            return user.image, user.lookup(pc)
        if pc >= b['image_base']:
            return loader.image, loader.lookup(pc)
        return '?', f'0x{pc:08x}'
    return resolve, user


def trace(image, ranges, begin, end, stop_output, timeout):
    """Boot image logging executed PCs in ranges; count PCs (as hex text)
    from the first `begin` PC (or the start, if None) until `end(pc)` is
    true. Returns (counts, console lines)."""
    tmp = tempfile.mkdtemp(prefix='bench-profile-')
    fifo = os.path.join(tmp, 'exec.fifo')
    os.mkfifo(fifo)
    dfilter = ','.join(f'0x{lo:x}..0x{hi:x}' for lo, hi in ranges)
    extra = ['-singlestep', '-d', 'exec,nochain', '-D', fifo,
             '-dfilter', dfilter]
    cmd = qemu.command(boardmod.load(bench.BOARD), image,
                       extra=bench.ICOUNT + extra)
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines, done = [], threading.Event()

    def reader():
        for raw in p.stdout:
            line = raw.decode('utf-8', errors='replace').rstrip('\r\n')
            lines.append(line)
            if line.startswith(stop_output):
                done.set()
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    counts, state = {}, 'before' if begin else 'in'
    try:
        with open(fifo, 'r', errors='replace') as log:
            for line in log:
                if not line.startswith('Trace'):
                    # an I/O access re-runs its block: logged twice
                    if state == 'in' and line.startswith('cpu_io_recomp'):
                        pc = line.rstrip()[-8:].rjust(8, '0')
                        if counts.get(pc):
                            counts[pc] -= 1
                    continue
                i = line.find('[')
                pc = line[i + 10:i + 18]
                if state == 'in':
                    if end(pc):
                        state = 'after'
                    else:
                        counts[pc] = counts.get(pc, 0) + 1
                elif state == 'before':
                    if pc == begin:
                        state = 'in'
                elif done.is_set():
                    break
    finally:
        timer.cancel()
        done.wait(5)
        if p.poll() is None:
            p.kill()
        p.wait()
        os.unlink(fifo)
        os.rmdir(tmp)
    if state != 'after':
        raise bench.BenchError('profile: the measured window never ended\n'
                               + '\n'.join(lines[-20:]))
    return counts, lines


def attribute(counts, resolve):
    funcs = {}
    for pc, n in counts.items():
        key = resolve(int(pc, 16))
        funcs[key] = funcs.get(key, 0) + n
    return sorted(funcs.items(), key=lambda kv: -kv[1])


def report(title, funcs, per, unit, out_json, top=30):
    total = sum(n for _, n in funcs)
    print(title)
    print(f'  {"instructions" + unit:>20}  {"share":>6}  image             '
          'function')
    shown = funcs[:top]
    for (image, name), n in shown:
        print(f'  {n / per:>20,.1f}  {n / total:>6.1%}  {image:<17} {name}')
    rest = sum(n for _, n in funcs[top:])
    if rest:
        print(f'  {rest / per:>20,.1f}  {rest / total:>6.1%}  '
              f'{"":<17} ({len(funcs) - top} more functions)')
    print(f'  {total / per:>20,.1f}  100.0%  total')
    by_image = {}
    for (image, _), n in funcs:
        by_image[image] = by_image.get(image, 0) + n
    print('  by image: ' + ', '.join(
        f'{img} {n / per:,.1f}' for img, n in sorted(
            by_image.items(), key=lambda kv: -kv[1])))
    with open(out_json, 'w') as f:
        json.dump({'title': title, 'divisor': per, 'total': total,
                   'functions': [{'image': i, 'function': fn,
                                  'instructions': n, 'per_op': n / per}
                                 for (i, fn), n in funcs]}, f, indent=1)
        f.write('\n')


def user_virt(outdir):
    import tomllib
    with open(os.path.join(TOP, bench.read_config(outdir)['MANIFEST']),
              'rb') as f:
        return tomllib.load(f)['container'][0]['virt']


def profile_boot(args, log, n):
    outdir = os.path.abspath(args.out)
    if n is None:
        pdir = os.path.join(outdir, 'profile-boot')
        image = bench.build(pdir, ['CONFIG_BENCH_ONLY="none"'])
    else:
        pdir = os.path.join(outdir, f'profile-boot_{n}')
        template = os.path.join(TOP, 'configs', 'bench.toml')
        image = bench.build_variant(pdir, n, template)
    virt = user_virt(pdir)
    resolve, _ = resolver(pdir, virt)
    mem = boardmod.load(bench.BOARD)['memory']
    ranges = [(mem['image_base'], mem['ram_base'] + mem['ram_size'] - 1),
              (mem['kernel_phys'], mem['kernel_phys'] +
               mem['kernel_reserve'] - 1),
              (virt, virt + USER_TEXT_SPAN - 1), (0x80000000, 0xffffffff)]
    lo, hi = f'{virt:08x}', f'{virt + USER_TEXT_SPAN:08x}'
    log(f'bench: profiling boot ({"bench system" if n is None else n}'
        f'{"" if n is None else " containers"}): reset to the first user '
        'instruction')
    counts, _ = trace(image, ranges, None, lambda pc: lo <= pc < hi,
                      'kernel: bench counters', args.timeout)
    funcs = attribute(counts, resolve)
    report(f'profile of boot{"" if n is None else f"_{n}"}: reset to the '
           'first user instruction', funcs, 1, '', os.path.join(
               pdir, 'profile.json'))
    kernel = [f for f in funcs if f[0][0].startswith('kernel')]
    print(f'  kernel only (entry to first user instruction): '
          f'{sum(n for _, n in kernel):,} instructions')
    return 0


def main(args, log):
    fig = args.profile
    m = re.match(r'^boot(?:_(\d+))?$', fig)
    if m:
        return profile_boot(args, log, int(m.group(1)) if m.group(1)
                            else None)
    if fig not in guest_figures():
        raise bench.BenchError(
            f'--profile {fig}: not a figure the bench container runs; one '
            f'of: {", ".join(guest_figures())}, boot, boot_<n>')
    outdir = os.path.abspath(args.out)
    pdir = os.path.join(outdir, f'profile-{fig}')
    n = args.profile_iterations
    log(f'bench: building {fig} alone, {n} iterations, into '
        f'{os.path.relpath(pdir, TOP)}')
    image = bench.build(pdir, [f'CONFIG_BENCH_ONLY="{fig}"',
                               f'CONFIG_BENCH_ITERATIONS={n}'])
    virt = user_virt(pdir)
    resolve, user = resolver(pdir, virt)
    marks = {user.names[i]: f'{user.addrs[i]:08x}'
             for i in range(len(user.names))
             if user.names[i] in ('bench_mark_begin', 'bench_mark_end')}
    log('bench: booting with every executed instruction logged')
    counts, lines = trace(image, [(virt, virt + USER_TEXT_SPAN - 1),
                                  (0x80000000, 0xffffffff)],
                          marks['bench_mark_begin'],
                          lambda pc: pc == marks['bench_mark_end'],
                          'BENCH end', args.timeout)
    run = bench.Run(lines, 0)
    if fig not in run.figs:
        raise bench.BenchError(f'profile: no result line for {fig}: '
                               f'{run.na.get(fig, "")}\n' +
                               '\n'.join(lines[-20:]))
    iters, c = run.figs[fig]
    measured = c * bench.ns_per_count(run.cntfrq) / iters
    funcs = attribute(counts, resolve)
    report(f'profile of {fig}: {iters} iterations, instructions per '
           f'operation (the counter measured {measured:,.1f} in this run)',
           funcs, iters, '/op', os.path.join(pdir, 'profile.json'))
    return 0
