"""A container's initial files as the archive posix/fs reads
(posix/fs/include/fs/archive.h, docs/posix.md "The files archive").

build(folder) packs a folder; parse(blob) reads one back (tests,
inspection). Little-endian: a 16-byte header (magic "TFSA", version,
header size, entry count, total size), then per entry a 12-byte head
(mode, size, path length, reserved), the path and the data, each padded
to 4 bytes. Directories come before what they hold.
"""
import os
import stat
import struct

MAGIC = 0x41534654          # "TFSA"
VERSION = 1
HEADER = struct.Struct('<IHHII')
ENTRY = struct.Struct('<IIHH')
# the C side's limits (fs/fs.h); test_posix_files checks they agree
NAME_MAX = 63               # bytes of one path component
PATH_MAX = 256              # bytes of a whole path, with its NUL
FILE_MAX = 1 << 30
S_IFDIR, S_IFREG, S_PERM = 0o040000, 0o100000, 0o7777

assert HEADER.size == 16 and ENTRY.size == 12


class ArchiveError(Exception):
    """A folder that cannot be packed; str() says which file and why."""


def _pad(data):
    return data + b'\0' * (-len(data) % 4)


def _entry(path, mode, data=b''):
    p = path.encode()
    return ENTRY.pack(mode, len(data), len(p), 0) + _pad(p) + _pad(data)


def _walk(folder, rel=''):
    """(archive path, mode, file path or None) for everything under
    folder, sorted by name, each directory before its contents."""
    here = os.path.join(folder, rel)
    for name in sorted(os.listdir(here)):
        path = f'{rel}/{name}' if rel else name
        full = os.path.join(folder, path)
        st = os.lstat(full)
        try:
            raw = name.encode()
        except UnicodeEncodeError:
            raise ArchiveError(f'{full}: a name that is not UTF-8') from None
        if len(raw) > NAME_MAX:
            raise ArchiveError(f'{full}: the name "{name}" is {len(raw)} '
                               f'bytes, at most {NAME_MAX} (FS_NAME_MAX)')
        if len(path.encode()) >= PATH_MAX:
            raise ArchiveError(f'{full}: the path "{path}" is '
                               f'{len(path.encode())} bytes, less than '
                               f'{PATH_MAX} (FS_PATH_MAX) allowed')
        perm = stat.S_IMODE(st.st_mode) & S_PERM
        if stat.S_ISLNK(st.st_mode):
            raise ArchiveError(f'{full}: a symbolic link (to '
                               f'{os.readlink(full)}): only regular files '
                               'and folders can be packed')
        if stat.S_ISDIR(st.st_mode):
            yield path, S_IFDIR | perm, None
            yield from _walk(folder, path)
        elif stat.S_ISREG(st.st_mode):
            if st.st_size > FILE_MAX:
                raise ArchiveError(f'{full}: {st.st_size} bytes, at most '
                                   f'{FILE_MAX} (FS_FILE_MAX)')
            yield path, S_IFREG | perm, full
        else:
            raise ArchiveError(f'{full}: a special file (device, FIFO or '
                               'socket): only regular files and folders '
                               'can be packed')


def _check_folder(folder):
    if not os.path.isdir(folder):
        raise ArchiveError(f'{folder}: ' + ('no such folder' if not
                                            os.path.lexists(folder) else
                                            'not a folder'))


def _with_extra(folder, extra):
    """_walk(folder), then extra's files {archive path: bytes} (mode 0644)
    after the directories they need that the folder lacks: files the
    build adds, like etc/init from the manifest (docs/posix.md). A path
    the folder has too is an error, never a silent replacement."""
    have = set()
    for path, mode, full in _walk(folder):
        have.add(path)
        yield path, mode, full, None
    for path, data in sorted((extra or {}).items()):
        if path in have:
            raise ArchiveError(f'{os.path.join(folder, path)}: the build '
                               'adds this file itself')
        parts = path.split('/')
        for i in range(1, len(parts)):
            d = '/'.join(parts[:i])
            if d not in have:
                have.add(d)
                yield d, S_IFDIR | 0o755, None, None
        have.add(path)
        yield path, S_IFREG | 0o644, None, data


def measure(folder, extra=None):
    """The size build(folder, extra) would have, with the same checks,
    reading no file (the manifest check runs on every build)."""
    _check_folder(folder)
    total = HEADER.size
    for path, _mode, full, data in _with_extra(folder, extra):
        size = len(data) if data is not None else (
            os.path.getsize(full) if full else 0)
        total += (ENTRY.size + len(path.encode()) + (-len(path.encode()) % 4)
                  + size + (-size % 4))
    return total


def build(folder, extra=None):
    """The archive of everything under folder (not folder itself), plus
    extra's files ({archive path: bytes})."""
    _check_folder(folder)
    body, n = bytearray(), 0
    for path, mode, full, data in _with_extra(folder, extra):
        if data is None:
            data = b''
            if full:
                with open(full, 'rb') as f:
                    data = f.read()
        body += _entry(path, mode, data)
        n += 1
    total = HEADER.size + len(body)
    if total >= 1 << 32:
        raise ArchiveError(f'{folder}: {total} bytes packed, beyond 4 GiB')
    return HEADER.pack(MAGIC, VERSION, HEADER.size, n, total) + bytes(body)


def parse(blob):
    """[(path, mode, data)] of an archive build() made; ValueError when it
    is malformed (the C loader's checks, for the tools' own use)."""
    if len(blob) < HEADER.size:
        raise ValueError('truncated header')
    magic, version, hsize, n, total = HEADER.unpack_from(blob)
    if (magic, version, hsize) != (MAGIC, VERSION, HEADER.size):
        raise ValueError('bad magic, version or header size')
    if not HEADER.size <= total <= len(blob):
        raise ValueError('bad total size')
    out, off = [], HEADER.size
    for _ in range(n):
        if off + ENTRY.size > total:
            raise ValueError(f'entry at {off} runs past the end')
        mode, size, plen, _res = ENTRY.unpack_from(blob, off)
        off += ENTRY.size
        path = blob[off:off + plen].decode()
        off += plen + (-plen % 4)
        data = blob[off:off + size]
        off += size + (-size % 4)
        if off > total:
            raise ValueError(f'entry "{path}" runs past the end')
        out.append((path, mode, bytes(data)))
    if off != total:
        raise ValueError('bytes after the last entry')
    return out
