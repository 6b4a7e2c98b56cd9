"""A small PNG decoder for the browser test (8-bit RGB/RGBA, non-interlaced): zlib plus the
five row filters of the PNG specification, so the test can look at real pixels without Pillow."""

from __future__ import annotations

import struct
import zlib

import numpy as np
from numpy.typing import NDArray

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode_png(data: bytes) -> NDArray[np.uint8]:
    """The image as a (height, width, channels) array."""
    assert data[:8] == SIGNATURE, "not a PNG"
    pos, idat = 8, []
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    assert len(raw) == height * (stride + 1), "truncated image data"
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int64)
    for y in range(height):
        start = y * (stride + 1)
        line = np.frombuffer(raw, np.uint8, stride, start + 1).astype(np.int64)
        cur = _unfilter(raw[start], line, prev, width, channels)
        out[y] = cur
        prev = cur
    return out.reshape(height, width, channels)


def _unfilter(
    kind: int, line: NDArray[np.int64], prev: NDArray[np.int64], width: int, bpp: int
) -> NDArray[np.int64]:
    if kind == 0:
        return line
    if kind == 1:  # Sub: a running sum per channel
        return np.cumsum(line.reshape(width, bpp), axis=0).reshape(-1) % 256
    if kind == 2:  # Up
        return (line + prev) % 256
    return np.array(_sequential(kind, line.tolist(), prev.tolist(), bpp), dtype=np.int64)


def _sequential(kind: int, line: list[int], prev: list[int], bpp: int) -> list[int]:
    cur = [0] * len(line)
    for i, x in enumerate(line):
        a = cur[i - bpp] if i >= bpp else 0
        b = prev[i]
        if kind == 3:  # Average
            cur[i] = (x + ((a + b) >> 1)) & 255
            continue
        c = prev[i - bpp] if i >= bpp else 0  # Paeth
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        cur[i] = (x + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return cur


def count_color(pixels: NDArray[np.uint8], hex_color: str) -> int:
    """How many pixels have exactly this ``#rrggbb`` colour."""
    rgb = [int(hex_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    return int((pixels[:, :, :3] == rgb).all(axis=2).sum())
