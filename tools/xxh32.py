"""XXH32 in pure Python, for the image table checksum (small inputs).

Content checksums of large parts are taken from their lz4 frames, which
carry the same XXH32 of the content in their last four bytes.
"""
import struct

P1, P2, P3, P4, P5 = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F,
                      0x165667B1)
M = 0xFFFFFFFF


def _rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M


def _round(acc, lane):
    return (_rotl((acc + lane * P2) & M, 13) * P1) & M


def xxh32(data, seed=0):
    n, i = len(data), 0
    if n >= 16:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while i + 16 <= n:
            lanes = struct.unpack_from('<4I', data, i)
            v = [_round(a, b) for a, b in zip(v, lanes)]
            i += 16
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) +
             _rotl(v[3], 18)) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 4 <= n:
        h = (_rotl((h + struct.unpack_from('<I', data, i)[0] * P3) & M, 17)
             * P4) & M
        i += 4
    while i < n:
        h = (_rotl((h + data[i] * P5) & M, 11) * P1) & M
        i += 1
    h ^= h >> 15
    h = (h * P2) & M
    h ^= h >> 13
    h = (h * P3) & M
    return h ^ (h >> 16)
