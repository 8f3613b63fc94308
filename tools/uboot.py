#!/usr/bin/python3
"""Boot a packed image through U-Boot, as on a real board (docs/booting.md).

As a script: `uboot.py sd <board> <image.bin> <dir>` writes what a board's
SD card needs beside U-Boot: image.bin, image.uimg (a legacy uImage of it,
loaded and entered at the board's memory.image_base) and boot.scr (a U-Boot
script, made with mkimage, that loads the image to image_base and enters
it); `uboot.py boot <board> <image.bin>` boots the image in QEMU with U-Boot
as firmware and exits with the system's status.

As a module: boot(board_name, image_bin, timeout) -> (status, output). QEMU
starts with the board's U-Boot, the image is put into RAM at image_base by
QEMU's generic loader, and U-Boot's serial console is driven: a key stops
the autoboot countdown, then at the prompt the board's entry command is
typed (docs/booting.md, [uboot] in board.toml). The system ends QEMU with
its exit status through semihosting. Status TIMEOUT_STATUS (124): no exit
before the timeout; UBOOT_FAILED (125): U-Boot did not start the image (an
error, back at its prompt, or a reset).
"""
import argparse
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import board as boardmod  # noqa: E402

TIMEOUT_STATUS = 124  # as qemu.py and timeout(1)
UBOOT_FAILED = 125
MKIMAGE = 'mkimage'
UIMAGE_HEADER = 64  # bytes before the data in a legacy uImage
AUTOBOOT = 'Hit any key to stop autoboot'
# U-Boot is back in charge instead of running the image.
UBOOT_RESETS = ('resetting ...', 'Resetting CPU', '### ERROR ###')
UBOOT_ERRORS = UBOOT_RESETS + ('## Application terminated',
                'Bad Magic Number', 'Wrong Image Format', 'Unknown command',
                'ERROR: can\'t get kernel image',
                '\nU-Boot 20')  # its banner again: it restarted
# The loader's first line: from here on the output is the system's.
LOADER_BANNER = 'loader: '


class UbootError(Exception):
    pass


def uboot_config(b):
    """The [uboot] section of a loaded board, with defaults filled in."""
    where = boardmod.board_path(b['board']['name'])
    if 'uboot' not in b:
        raise UbootError(f'{where}: no [uboot] section (how U-Boot boots '
                         'the board, docs/booting.md)')
    u = dict(b['uboot'])
    for key in ('firmware', 'qemu_args', 'entry'):
        if key not in u:
            raise UbootError(f'{where}: missing key uboot.{key}')
    if u['entry'] not in ('go', 'bootm'):
        raise UbootError(f'{where}: uboot.entry must be "go" or "bootm", '
                         f'not {u["entry"]!r}')
    u.setdefault('prompt', '=> ')
    u.setdefault('before_entry', '')
    u.setdefault('qemu_uimage_load', None)
    return u


def _mkimage(args):
    if shutil.which(MKIMAGE) is None:
        raise UbootError('mkimage not found (Debian package u-boot-tools; '
                         'scripts/setup installs it)')
    r = subprocess.run([MKIMAGE] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise UbootError(f'mkimage {" ".join(args)}: {r.stdout.strip()}')
    return r.stdout


def write_uimage(image_bin, out, image_base):
    """A legacy uImage of image_bin: a standalone program U-Boot's bootm
    loads to image_base and, with autostart=yes, calls there as go does
    (U-Boot's MMU and caches still on)."""
    _mkimage(['-A', 'arm', '-O', 'u-boot', '-T', 'standalone', '-C', 'none',
              '-a', f'0x{image_base:08x}', '-e', f'0x{image_base:08x}',
              '-n', 'tessera', '-d', image_bin, out])
    return out


def entry_commands(u, image_base):
    """The U-Boot command line that enters the image once it is in RAM at
    image_base (as image.bin for go, as image.uimg UIMAGE_HEADER bytes
    below it for bootm, so the data is in place and bootm copies nothing)."""
    if u['entry'] == 'go':
        cmd = f'go 0x{image_base:08x}'
    else:
        cmd = (f'setenv autostart yes; '
               f'bootm 0x{image_base - UIMAGE_HEADER:08x}')
    return f'{u["before_entry"]}; {cmd}' if u['before_entry'] else cmd


def script_text(board_name, u, image_base):
    if u['entry'] == 'go':
        load = f'0x{image_base:08x} image.bin'
    else:
        load = f'0x{image_base - UIMAGE_HEADER:08x} image.uimg'
    return (
        f'# Tessera on {board_name}, written by tools/uboot.py: load the\n'
        f'# packed image to image_base 0x{image_base:08x} and enter it\n'
        f'# (docs/booting.md). devtype, devnum and distro_bootpart are set\n'
        f'# by distro boot; run by hand, the first SD partition is used.\n'
        'if test -z "${devtype}"; then setenv devtype mmc; '
        'setenv devnum 0; setenv distro_bootpart 1; fi\n'
        f'load ${{devtype}} ${{devnum}}:${{distro_bootpart}} {load}\n'
        f'{entry_commands(u, image_base)}\n')


def write_sd(board_name, image_bin, outdir):
    """image.bin, image.uimg, boot.cmd and boot.scr for board_name's SD card
    (FAT partition, beside the board's firmware and U-Boot)."""
    b = boardmod.load(board_name)
    u = uboot_config(b)
    base = b['memory']['image_base']
    os.makedirs(outdir, exist_ok=True)
    if not os.path.isfile(image_bin):
        raise UbootError(f'{image_bin}: no such image')
    shutil.copyfile(image_bin, os.path.join(outdir, 'image.bin'))
    write_uimage(image_bin, os.path.join(outdir, 'image.uimg'), base)
    cmd = os.path.join(outdir, 'boot.cmd')
    with open(cmd, 'w') as f:
        f.write(script_text(board_name, u, base))
    scr = os.path.join(outdir, 'boot.scr')
    _mkimage(['-A', 'arm', '-O', 'linux', '-T', 'script', '-C', 'none',
              '-n', f'tessera {board_name}', '-d', cmd, scr])
    return scr


def command(b, u, image_bin, workdir, load=True):
    """The QEMU command line: the board's own, U-Boot as firmware, the image
    in RAM (load=False leaves it out, as a missing file on an SD card)."""
    base = b['memory']['image_base']
    firmware = u['firmware']
    if not os.path.isfile(firmware):
        raise UbootError(f'{firmware}: U-Boot for {b["board"]["name"]} not '
                         'found (scripts/setup installs it)')
    if u['qemu_uimage_load'] is not None:
        # Given as a Linux uImage, QEMU enters U-Boot on core 0 alone and
        # holds the other cores in its boot stub until they are released.
        wrapped = os.path.join(workdir, 'u-boot.uimg')
        addr = f'0x{u["qemu_uimage_load"]:08x}'
        _mkimage(['-A', 'arm', '-O', 'linux', '-T', 'kernel', '-C', 'none',
                  '-a', addr, '-e', addr, '-n', 'u-boot', '-d', firmware,
                  wrapped])
        firmware = wrapped
    q = b['qemu']
    cmd = ([q['binary']] + list(q['args']) + ['-semihosting'] +
           [a.replace('{firmware}', firmware) for a in u['qemu_args']])
    if load:
        if u['entry'] == 'go':
            blob, addr = image_bin, base
        else:
            blob = write_uimage(image_bin,
                                os.path.join(workdir, 'image.uimg'), base)
            addr = base - UIMAGE_HEADER
        cmd += ['-device', f'loader,file={blob},addr=0x{addr:08x},'
                'force-raw=on']
    return cmd


def boot(board_name, image_bin, timeout=60, entry=None, load=True,
         extra=(), autoboot=False):
    """Boot image_bin through U-Boot in QEMU; returns (status, output).

    entry: the command line typed at U-Boot's prompt (default: the board's,
    entry_commands()); load=False: no image in RAM; extra: more QEMU
    arguments; autoboot=True: type nothing and let U-Boot's own boot
    command find a boot.scr (on a disk given in extra)."""
    b = boardmod.load(board_name)
    u = uboot_config(b)
    if load and not os.path.isfile(image_bin):
        raise UbootError(f'{image_bin}: no such image')
    if autoboot:
        entry = None
    elif entry is None:
        entry = entry_commands(u, b['memory']['image_base'])
    prompt = u['prompt'].encode()
    with tempfile.TemporaryDirectory(prefix='tessera-uboot-') as workdir:
        cmd = command(b, u, image_bin, workdir, load) + list(extra)
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            status, out = _drive(p, prompt, entry and entry.encode(),
                                 timeout)
        finally:
            if p.poll() is None:
                p.kill()
            p.wait()
            p.stdin.close()
            p.stdout.close()
    text = out.decode('utf-8', errors='replace').replace('\r\n', '\n')
    return status, text


def _drive(p, prompt, entry, timeout):
    """Stop the countdown, type the entry at the prompt, collect the rest.
    Stages: 0 waiting for countdown or prompt, 1 key sent, waiting for the
    prompt, 2 entry typed (or, entry None, U-Boot left to boot by
    itself), 3 the loader is running."""
    out = b''
    stage, mark = (0, 0) if entry is not None else (2, 0)
    deadline = time.monotonic() + timeout
    fd = p.stdout.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            out += f'\nuboot: no exit after {timeout} s, stopped\n'.encode()
            return TIMEOUT_STATUS, out
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if ready:
            data = os.read(fd, 65536)
            if not data:
                return p.wait(), out
            out += data
        if stage == 0 and AUTOBOOT.encode() in out:
            p.stdin.write(b' ')
            p.stdin.flush()
            stage, mark = 1, len(out)
        if stage <= 1 and out.rstrip(b' ').endswith(prompt.rstrip()):
            p.stdin.write(entry + b'\n')
            p.stdin.flush()
            # From the end of the echoed line on, a prompt means U-Boot is
            # back in charge.
            stage, mark = 2, len(out)
        elif stage == 2:
            after = out[mark:]
            if LOADER_BANNER.encode() in after:
                stage = 3
            else:
                body = after.split(b'\n', 1)[1] if b'\n' in after else b''
                errors = UBOOT_ERRORS
                if entry is None:  # nothing typed: U-Boot's whole output
                    body, errors = after, UBOOT_RESETS
                failed = [e for e in errors if e.encode() in body]
                if failed or body.rstrip(b' ').endswith(prompt.rstrip()):
                    out += _drain(fd, 0.5)  # the rest of U-Boot's message
                    out += (b'\nuboot: U-Boot did not start the image' +
                            (f' ({failed[0]})'.encode() if failed else b'') +
                            b'\n')
                    return UBOOT_FAILED, out


def _drain(fd, seconds):
    """What arrives on fd within seconds (or until it closes)."""
    data, end = b'', time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], end - time.monotonic())
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    return data


def main(argv=None):
    ap = argparse.ArgumentParser(
        description='boot a packed image through U-Boot (docs/booting.md)')
    sub = ap.add_subparsers(dest='cmd', required=True)
    sd = sub.add_parser('sd', help="write image.bin, image.uimg, boot.cmd "
                        "and boot.scr for a board's SD card")
    sd.add_argument('board')
    sd.add_argument('image', help='build/image.bin')
    sd.add_argument('outdir')
    bt = sub.add_parser('boot', help='boot in QEMU with U-Boot as firmware; '
                        "exit with the system's status")
    bt.add_argument('--timeout', type=int, default=60)
    bt.add_argument('board')
    bt.add_argument('image', help='build/image.bin')
    args = ap.parse_args(argv)
    try:
        if args.cmd == 'sd':
            scr = write_sd(args.board, args.image, args.outdir)
            print(f'{scr}: copy image.bin, image.uimg and boot.scr to the '
                  "SD card's FAT partition, beside the firmware and U-Boot")
            return 0
        status, out = boot(args.board, args.image, args.timeout)
    except (UbootError, boardmod.BoardError) as e:
        print(f'uboot: {e}', file=sys.stderr)
        return 1
    sys.stdout.write(out)
    return status


if __name__ == '__main__':
    sys.exit(main())
