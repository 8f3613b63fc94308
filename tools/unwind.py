"""Unwind a stack on the host with an ELF's DWARF call frame information.

The kernel prints, after a fault line or a panic, where the code was and
the words of its stack (kernel/generic/exception.c, kernel/generic/panic.c):

  backtrace from pc c0105b84 sp c0127a20 lr c0105b7c, 12 stack words
  stack c0127a20: 40fff000 48005000 40100000 c0100108 ...

Neither the kernel nor the container programs keep frame pointers, and
their images carry no unwind tables; but every ELF the build makes has
.debug_frame (-g). For each frame this finds the frame description of its
pc, computes the canonical frame address (CFA) from the rule of that row,
restores the saved registers (lr among them) from the stack words, and
goes on at the return address: a real unwind, not a scan for text
addresses. It stops at code without call frame information (assembly
such as the exception vectors), a return address it cannot read, or a
frame that does not move up the stack.

A pc with no frame description as the first frame (a call through a bad
pointer: the prefetch abort happens at the target) continues at lr, as
if the bad target had returned at once.

Used by tools/symbolize.py. As a module: Unwinder(elf).frames(pc, sp, lr,
memory) -> [pc, return address, ...]; memory maps word addresses to
values. Needs python3-pyelftools (scripts/setup).
"""
import io

from elftools.dwarf.callframe import CIE, FDE, RegisterRule
from elftools.elf.elffile import ELFFile

SP, LR = 13, 14
MAX_FRAMES = 16


class Unwinder:
    """The call frame information of one ELF."""

    def __init__(self, path):
        with open(path, 'rb') as f:
            elf = ELFFile(io.BytesIO(f.read()))
        self.fdes = []  # (start, end, FDE)
        if elf.has_dwarf_info():
            dwarf = elf.get_dwarf_info()
            if dwarf.has_CFI():
                for entry in dwarf.CFI_entries():
                    if isinstance(entry, FDE):
                        start = entry.header['initial_location']
                        self.fdes.append(
                            (start, start + entry.header['address_range'],
                             entry))
        self.fdes.sort(key=lambda e: e[0])
        self.decoded = {}

    def row_for(self, pc):
        """(row of the decoded table at pc, return address register) or
        None when no frame description covers pc."""
        for start, end, fde in self.fdes:
            if start <= pc < end:
                break
        else:
            return None
        if start not in self.decoded:
            self.decoded[start] = fde.get_decoded().table
        row = None
        for r in self.decoded[start]:
            if r['pc'] <= pc:
                row = r
            else:
                break
        cie = fde.cie if isinstance(fde.cie, CIE) else None
        ra = cie.header['return_address_register'] if cie else LR
        return (row, ra) if row else None

    def step(self, pc, regs, memory):
        """The caller's registers ({reg: value or None}) for a frame at
        pc with regs, or None when this frame cannot be unwound."""
        found = self.row_for(pc)
        if found is None:
            return None
        row, ra = found
        rule = row['cfa']
        base = regs.get(rule.reg)
        if rule.expr is not None or base is None:
            return None
        cfa = (base + rule.offset) & 0xffffffff
        caller = dict(regs)
        for reg, r in row.items():
            if not isinstance(reg, int):
                continue
            if r.type == RegisterRule.OFFSET:
                caller[reg] = memory.get((cfa + r.arg) & 0xffffffff)
            elif r.type == RegisterRule.REGISTER:
                caller[reg] = regs.get(r.arg)
            elif r.type != RegisterRule.SAME_VALUE:
                caller[reg] = None
        caller['return'] = caller.get(ra)
        caller[SP] = cfa
        # the call that made this frame overwrote the caller's lr: it is
        # known again only where the caller's own frame saved it
        caller[LR] = None
        return caller

    def frames(self, pc, sp, lr, memory, max_frames=MAX_FRAMES):
        """The return addresses of a stack, innermost first: [pc, ...]."""
        out = [pc]
        regs = {SP: sp, LR: lr}
        seen = set()
        while len(out) < max_frames:
            # a return address's frame is that of the call before it
            look = pc if len(out) == 1 else (pc & ~1) - 4
            caller = self.step(look, regs, memory)
            if caller is None:
                if len(out) == 1 and lr and self.row_for(lr & ~1):
                    ret, caller = lr, {SP: sp, LR: None}  # bad call target
                else:
                    break
            else:
                ret = caller.pop('return')
            if not ret or caller[SP] < regs[SP] or \
                    (ret, caller[SP]) in seen:
                break
            seen.add((ret, caller[SP]))
            pc, regs = ret & ~1, caller
            out.append(pc)
        return out


def frames(elf_path, pc, sp, lr, memory, max_frames=MAX_FRAMES):
    """The return addresses of a stack, innermost first: [pc, ...]."""
    return Unwinder(elf_path).frames(pc, sp, lr, memory, max_frames)
