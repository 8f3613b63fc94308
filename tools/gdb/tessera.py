"""gdb helper for Tessera: which container a stop is in, and its symbols.

Every container program is linked at its manifest's `virt`, and most share
one address (0x10000000), so their symbol files cannot all be loaded in
one gdb: `break main` would be ambiguous, and a stop would be labelled
with whichever file gdb found first. Here gdb holds the kernel's (and the
loader's) symbols for good and at most one container's: on every stop
the helper reads the kernel's state (the stopped core's record in
`cpu_state`, its `current` thread, that thread's `container`, its `name`)
and loads that container's ELF in place of the one before.

Loaded by the session script that `scons debug` and tools/debug.py write
(docs/debugging.md):

    python import sys; sys.path.insert(0, '<top>/tools/gdb'); import tessera
    python tessera.setup(kernel='...', loader='...',
                         containers=[('alpha', '.../alpha/hello.elf'), ...],
                         default=None)

Commands: `tessera break [<container>] <location>`, `tessera containers`,
`tessera current`, `tessera symbols <container>|none`; the convenience
function `$_tessera_container()` (the current container's name, "" when
none) and `$_tessera_container("name")` (1 when that one is current).

Kernel memory is read through QEMU's physical-memory mode
(`Qqemu.PhyMemMode`): a core stopped in user mode cannot read the kernel's
pages through its own translation (they are privileged), and a core still
in the loader has no translation at all. Kernel pointers are turned into
physical addresses with the kernel's linear-map offset, which the kernel
ELF's program headers give (virtual minus physical address).
"""
import functools
import os
import struct

import gdb

PREFIX = '[tessera]'


class State:
    def __init__(self):
        self.kernel = None          # kernel ELF path
        self.loader = None
        self.containers = {}        # name -> ELF path, manifest order
        self.default = None         # `tessera break` without a container
        self.phys_offset = None     # kernel virtual - physical
        self.loaded = None          # name whose ELF is loaded now, or None
        self.last = None            # container of the previous stop
        self.breaks = {}            # breakpoint number -> (container, loc)
        self.phymem = None          # does the stub have PhyMemMode?
        self.layout = None          # struct field offsets
        self.hooked = False
        self.thread = None          # gdb thread the symbols were chosen for


S = State()


# ------------------------------------------------------------ ELF reading
def elf_loads(path):
    """(vaddr, paddr, memsz) of each PT_LOAD segment of an ELF32 LE."""
    return _elf_loads(path, os.stat(path).st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _elf_loads(path, _mtime):
    with open(path, 'rb') as f:
        data = f.read(0x1000)
        if data[:4] != b'\x7fELF' or data[4] != 1 or data[5] != 1:
            raise gdb.GdbError(f'{path}: not a 32-bit little-endian ELF')
        phoff, = struct.unpack_from('<I', data, 28)
        phentsize, phnum = struct.unpack_from('<HH', data, 42)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    out = []
    for i in range(phnum):
        (ptype, _off, vaddr, paddr, _filesz, memsz, _flags,
         _align) = struct.unpack_from('<8I', ph, i * phentsize)
        if ptype == 1 and memsz:
            out.append((vaddr, paddr, memsz))
    return out


def in_elf(path, addr):
    return any(v <= addr < v + n for v, _, n in elf_loads(path))


# ------------------------------------------------------------ set-up
def setup(kernel, loader=None, containers=(), default=None,
          phys_offset=None):
    """Register the build's ELFs. containers: (name, ELF) pairs or a dict
    (in manifest order); default: the container `tessera break` means
    when none is named (CONTAINER=<name> sessions)."""
    S.kernel = kernel
    S.loader = loader
    S.containers = dict(containers)
    if default is not None and default not in S.containers:
        raise gdb.GdbError(f'tessera: no container {default!r} among '
                           f'{", ".join(S.containers)}')
    S.default = default
    if phys_offset is None:
        loads = elf_loads(kernel)
        phys_offset = loads[0][0] - loads[0][1]
    S.phys_offset = phys_offset
    S.loaded = None
    S.last = None
    S.layout = None
    if not S.hooked:
        gdb.events.stop.connect(on_stop)
        gdb.events.exited.connect(on_exited)
        gdb.events.breakpoint_created.connect(on_breakpoint_created)
        gdb.events.before_prompt.connect(on_prompt)
        S.hooked = True


def kernel_objfile():
    for o in gdb.objfiles():
        if o.filename and S.kernel and same_file(o.filename, S.kernel):
            return o
    raise gdb.GdbError('tessera: the kernel\'s symbols are not loaded '
                       f'({S.kernel})')


def same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def field_offset(type_name, field):
    t = gdb.lookup_type(type_name)
    for f in t.fields():
        if f.name == field:
            return f.bitpos // 8
    raise gdb.GdbError(f'tessera: {type_name} has no field {field}')


def layout():
    """Where the kernel keeps what a stop needs (from its DWARF)."""
    if S.layout is None:
        sym = kernel_objfile().lookup_global_symbol('cpu_state')
        if sym is None:
            sym = gdb.lookup_static_symbol('cpu_state')
        if sym is None:
            raise gdb.GdbError('tessera: no cpu_state in the kernel')
        percpu = gdb.lookup_type('struct percpu')
        name_t = [f for f in gdb.lookup_type('struct container').fields()
                  if f.name == 'name'][0].type
        S.layout = {
            'cpu_state': int(sym.value().address),
            'nr_cpus': sym.type.sizeof // percpu.sizeof,
            'percpu_size': percpu.sizeof,
            'current': field_offset('struct percpu', 'current'),
            'container': field_offset('struct thread', 'container'),
            'tid': field_offset('struct thread', 'tid'),
            'name': field_offset('struct container', 'name'),
            'name_len': name_t.sizeof,
            'id': field_offset('struct container', 'id'),
        }
    return S.layout


# ------------------------------------------------------------ kernel state
def packet(text):
    return gdb.execute(f'maintenance packet {text}', to_string=True)


class KernelMemory:
    """Reads kernel memory: physical (through QEMU's PhyMemMode, kernel
    pointers turned physical) where the stub has it, else virtual."""

    def __enter__(self):
        self.phys = False
        if S.phymem is not False:
            try:
                r = packet('Qqemu.PhyMemMode:1')
                self.phys = '"OK"' in r
            except gdb.error:
                self.phys = False
            if S.phymem is None:
                S.phymem = self.phys
        return self

    def __exit__(self, *exc):
        if self.phys:
            packet('Qqemu.PhyMemMode:0')
        return False

    def read(self, vaddr, size):
        addr = vaddr - S.phys_offset if self.phys else vaddr
        return bytes(gdb.selected_inferior().read_memory(addr, size))

    def word(self, vaddr):
        return struct.unpack('<I', self.read(vaddr, 4))[0]


def kernel_pointer(p):
    """A plausible pointer into the kernel's linear map."""
    return p != 0 and p % 4 == 0 and p >= S.phys_offset


def stopped_cpu():
    """The core of the selected gdb thread (QEMU: thread n is CPU n-1)."""
    t = gdb.selected_thread()
    if t is None:
        return None
    lwp = t.ptid[1]
    return (lwp if lwp else t.num) - 1


def cpu_current(mem, lay, cpu):
    """(container name, thread id) of what core cpu runs, or None."""
    rec = lay['cpu_state'] + cpu * lay['percpu_size']
    thread = mem.word(rec + lay['current'])
    if not kernel_pointer(thread):
        return None  # idle, or not set up yet (loader, early boot)
    tid = mem.word(thread + lay['tid'])
    cont = mem.word(thread + lay['container'])
    if not kernel_pointer(cont):
        return None
    raw = mem.read(cont + lay['name'], lay['name_len']).split(b'\0')[0]
    if not raw or not all(0x20 < b < 0x7f for b in raw):
        return None  # not a name: memory the kernel has not written yet
    return raw.decode('ascii'), tid


def current(cpu=None):
    """(cpu, container name, thread id) of the stopped core, or None when
    it runs no container's thread (loader, boot, idle) or the kernel's
    state cannot be read."""
    if cpu is None:
        cpu = stopped_cpu()
    if cpu is None:
        return None
    try:
        lay = layout()
        if cpu >= lay['nr_cpus']:
            return None
        with KernelMemory() as mem:
            got = cpu_current(mem, lay, cpu)
    except (gdb.MemoryError, gdb.error):
        return None
    return None if got is None else (cpu, got[0], got[1])


def all_current():
    """{cpu: (container, tid)} over every core the kernel has."""
    out = {}
    try:
        lay = layout()
        with KernelMemory() as mem:
            for cpu in range(lay['nr_cpus']):
                got = cpu_current(mem, lay, cpu)
                if got:
                    out[cpu] = got
    except (gdb.MemoryError, gdb.error):
        pass
    return out


# ------------------------------------------------------------ symbol files
def quiet(cmd):
    """Run a command without its chatter and without a (y or n) query."""
    old = gdb.parameter('confirm')
    gdb.execute('set confirm off')
    try:
        return gdb.execute(cmd, to_string=True)
    finally:
        if old:
            gdb.execute('set confirm on')


def load_symbols(name, by_hand=False):
    """Make name's ELF the one container symbol file (None: none)."""
    if name == S.loaded:
        return False
    if by_hand and S.loaded is not None and inline_frames_hidden():
        raise gdb.GdbError(
            f'tessera: gdb holds inline frames of {S.loaded}\'s symbols at '
            'this stop, so they cannot be unloaded now; after the next '
            'stop (or `stepi`) they can')
    if S.loaded is not None:
        try:
            quiet(f'remove-symbol-file {S.containers[S.loaded]}')
        except gdb.error:
            pass  # removed by hand already
        S.loaded = None
    if name is not None:
        quiet(f'add-symbol-file {S.containers[name]}')
        S.loaded = name
        fence_kernel_breakpoints(S.containers[name])
    return True


def fence_kernel_breakpoints(elf):
    """A breakpoint with a location in the kernel is a kernel breakpoint:
    the copies of its name that a container's symbols bring in (the user
    library's inline wrappers, sys_map and the like, re-set into it when
    the file comes in) are disabled, so `break sys_map` stops in the
    kernel only, whichever container's symbols are loaded."""
    for bp in gdb.breakpoints() or ():
        locs = getattr(bp, 'locations', None)
        if not locs or bp.number in S.breaks:
            continue
        kernel = [lo for lo in locs if lo.address and
                  in_elf(S.kernel, lo.address)]
        if not kernel:
            continue
        for lo in locs:
            if lo.enabled and lo.address and in_elf(elf, lo.address):
                lo.enabled = False


def function_block(b):
    while b is not None and b.function is None:
        b = b.superblock
    return b


def inline_frames_hidden():
    """Whether gdb hid inline frames at this stop (a breakpoint on a
    function whose first lines are inlined calls): it then keeps pointers
    to those inline functions' symbols until the target runs again, and
    they must not be freed under it."""
    try:
        f = gdb.newest_frame()
        if in_elf(S.kernel, f.pc()) or (S.loader and
                                        in_elf(S.loader, f.pc())):
            return False  # their symbols stay loaded
        inner = function_block(gdb.block_for_pc(f.pc()))
        shown = function_block(f.block())
    except (gdb.error, RuntimeError):
        return False
    if inner is None or shown is None:
        return False
    # an inline block may span just what its caller's does: compare the
    # functions as well
    return ((inner.function.name, inner.start, inner.end) !=
            (shown.function.name, shown.start, shown.end))


def switch_to_stop():
    """Load the symbols of the container the stop is in; returns
    ((cpu, name, tid) or None, whether they could be loaded)."""
    cur = current()
    name = cur[1] if cur else None
    want = name if name in S.containers else None
    if want != S.loaded and S.loaded is not None and inline_frames_hidden():
        # gdb holds symbols of the loaded file for this stop (a plain
        # `break` on container code, hit in another container): freeing
        # them now would crash gdb; they go at the next stop
        return cur, False
    load_symbols(want)
    return cur, True


def describe(cur):
    if cur is None:
        return 'no container (kernel, loader or idle)'
    cpu, name, tid = cur
    known = '' if name in S.containers else ' (its symbols not registered)'
    return f"container '{name}' (core {cpu}, thread {tid}){known}"


def on_stop(event):
    try:
        t = gdb.selected_thread()
        S.thread = t.num if t else None
        cur, switched = switch_to_stop()
        if not switched:
            gdb.write(f'{PREFIX} in {describe(cur)}, but the frames shown '
                      f'are named from {S.loaded}\'s symbols (gdb holds '
                      'inline frames of them at this stop; they are '
                      'switched at the next stop; use tessera break for '
                      'one container)\n')
            S.last = None
            return
        ours = [b.number for b in getattr(event, 'breakpoints', [])
                if b.number in S.breaks]
        name = cur[1] if cur else None
        # the event lists every breakpoint at the pc, conditions true or
        # not: ours for this container is the one that stopped
        ours = [n for n in ours if S.breaks[n][0] == name] or ours
        if ours:
            # our breakpoints are silent: gdb would have named the frame
            # before the symbols were switched
            gdb.write(f'{PREFIX} Breakpoint {ours[0]}, in '
                      f'{describe(cur)}\n')
            select_function(S.breaks[ours[0]][1])
            gdb.execute('frame')
        elif name != S.last:
            gdb.write(f'{PREFIX} now in {describe(cur)}\n')
            if S.loaded is not None:
                gdb.execute('frame 0')
        S.last = name
    except Exception as e:  # a stop must never fail because of us
        gdb.write(f'{PREFIX} {e}\n')


def on_breakpoint_created(_bp):
    try:
        if S.loaded is not None:
            fence_kernel_breakpoints(S.containers[S.loaded])
    except Exception as e:
        gdb.write(f'{PREFIX} {e}\n')


def select_function(location):
    """At a breakpoint on a function whose first lines are inlined calls,
    select the function's own frame (as gdb's `break` stop does)."""
    f = gdb.newest_frame()
    while f is not None and f.type() == gdb.INLINE_FRAME:
        if f.name() == location:
            break
        f = f.older()
    if f is not None and f.name() == location:
        f.select()


def on_prompt():
    """`thread N` selected another core: its container's symbols."""
    try:
        t = gdb.selected_thread()
        if t is None or not t.is_stopped() or t.num == S.thread:
            return
        S.thread = t.num
        cur, _ = switch_to_stop()
        name = cur[1] if cur else None
        if name != S.last:
            gdb.write(f'{PREFIX} core {stopped_cpu()}: {describe(cur)}\n')
            S.last = name
    except Exception as e:
        gdb.write(f'{PREFIX} {e}\n')


def on_exited(_event):
    try:
        load_symbols(None)
    except gdb.error:
        pass
    S.last = None


# ------------------------------------------------------------ breakpoints
def resolve(name, location):
    """Addresses of location in container name's ELF (as gdb's `break`
    would put them: after the prologue), with that ELF loaded alone for
    the look-up."""
    before = S.loaded
    elf = S.containers[name]
    load_symbols(name, by_hand=True)
    try:
        probe = gdb.Breakpoint(location, internal=True)
        try:
            locs = getattr(probe, 'locations', None)
            if locs is not None:
                addrs = [loc.address for loc in locs]
            else:  # gdb < 13: the linespec's own addresses
                _, sals = gdb.decode_line(location)
                addrs = [s.pc for s in sals or ()]
        finally:
            probe.delete()
    finally:
        load_symbols(before)
    addrs = sorted({a for a in addrs if a and in_elf(elf, a)})
    if not addrs:
        raise gdb.GdbError(f'tessera: no {location} in {name} ({elf})')
    return addrs


def add_break(name, location):
    out = []
    for addr in resolve(name, location):
        bp = gdb.Breakpoint(f'*{addr:#x}')
        bp.condition = f'$_tessera_container("{name}")'
        bp.silent = True
        S.breaks[bp.number] = (name, location)
        out.append(bp)
        gdb.write(f'{PREFIX} breakpoint {bp.number} at {addr:#x}: '
                  f'{location} in {name}, only when {name} is current\n')
    return out


class ContainerFunction(gdb.Function):
    """$_tessera_container(): the current container's name ("" if none);
    $_tessera_container("name"): 1 when that container is current, else 0.
    The current container: the one whose thread the stopped core runs,
    read from the kernel (cpu_state[core].current->container->name)."""

    def __init__(self):
        super().__init__('_tessera_container')

    def invoke(self, *args):
        cur = current()
        name = cur[1] if cur else ''
        if not args:
            return name
        return 1 if name == args[0].string() else 0


# ------------------------------------------------------------ commands
class Tessera(gdb.Command):
    """Tessera: containers under gdb (docs/debugging.md).

tessera break [CONTAINER] LOCATION -- break at LOCATION of CONTAINER's
    program, stopping only while CONTAINER is current (CONTAINER may be
    left out in a session narrowed to one container)
tessera containers -- the containers, their ELFs, which is current
tessera current -- the container of the stopped core
tessera symbols CONTAINER|none -- load a container's symbols by hand
    (until the next stop, which loads the current one's)"""

    def __init__(self):
        super().__init__('tessera', gdb.COMMAND_USER, gdb.COMPLETE_NONE,
                         True)


class TesseraBreak(gdb.Command):
    """tessera break [CONTAINER] LOCATION: a breakpoint at LOCATION (a
linespec: function, file:line) of CONTAINER's program, with the condition
$_tessera_container("CONTAINER"), so it stops only in that container
whatever else runs at the same address."""

    def __init__(self):
        super().__init__('tessera break', gdb.COMMAND_BREAKPOINTS)

    def invoke(self, arg, from_tty):
        words = arg.split(None, 1)
        if not words:
            raise gdb.GdbError('usage: tessera break [CONTAINER] LOCATION')
        if len(words) == 2 and words[0] in S.containers:
            name, location = words
        elif S.default is not None:
            name, location = S.default, arg.strip()
        else:
            raise gdb.GdbError(
                f'tessera break: name a container first: '
                f'{", ".join(S.containers) or "(none registered)"}')
        add_break(name, location)


class TesseraContainers(gdb.Command):
    """tessera containers: each registered container, its ELF, and which
cores run it now."""

    def __init__(self):
        super().__init__('tessera containers', gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        running = all_current()
        for name, elf in S.containers.items():
            cores = [str(c) for c, (n, _) in sorted(running.items())
                     if n == name]
            marks = []
            if cores:
                marks.append('current on core ' + ','.join(cores))
            if name == S.loaded:
                marks.append('symbols loaded')
            if name == S.default:
                marks.append('default')
            gdb.write(f'{name:16} {elf}'
                      f'{"  [" + "; ".join(marks) + "]" if marks else ""}\n')


class TesseraCurrent(gdb.Command):
    """tessera current: the container whose thread the stopped core runs."""

    def __init__(self):
        super().__init__('tessera current', gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        on_prompt()  # another thread (core) may have been selected
        cur = current()
        gdb.write(f'{PREFIX} {describe(cur)}; symbols: '
                  f'{S.containers[S.loaded] if S.loaded else "kernel only"}'
                  '\n')


class TesseraSymbols(gdb.Command):
    """tessera symbols CONTAINER|none: load CONTAINER's ELF as the one
container symbol file (the next stop loads the current one's again)."""

    def __init__(self):
        super().__init__('tessera symbols', gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        name = arg.strip()
        if name == 'none':
            load_symbols(None, by_hand=True)
        elif name in S.containers:
            load_symbols(name, by_hand=True)
        else:
            raise gdb.GdbError(f'tessera symbols: one of '
                               f'{", ".join(S.containers)} or none')


Tessera()
TesseraBreak()
TesseraContainers()
TesseraCurrent()
TesseraSymbols()
ContainerFunction()
