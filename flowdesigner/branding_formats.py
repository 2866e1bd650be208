"""Small structural checks of the images and fonts a branding package may hold (Pillow is not a
dependency): PNG chunks and CRCs, JPEG markers, GIF blocks, WebP RIFF chunks, WOFF/WOFF2 headers and
TrueType/OpenType table bounds. Each returns why the file cannot be used, or None. Used by
flowdesigner/branding.py at upload and again when a stored file is served.
"""

import struct
import zlib

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


def _png_problem(data: bytes) -> str | None:
    """Every chunk complete with a right CRC; IHDR first and sane, IDAT present, IEND last."""
    if not data.startswith(_PNG_SIGNATURE):
        return "is not a PNG image"
    pos, kinds = len(_PNG_SIGNATURE), []
    while True:
        if pos + 12 > len(data):
            return "is a damaged PNG image (it is cut short before its IEND chunk)"
        length, kind = struct.unpack_from(">I4s", data, pos)
        if length > 0x7FFFFFFF or pos + 12 + length > len(data):
            return "is a damaged PNG image (it is cut short)"
        if not kind.isalpha():
            return "is a damaged PNG image (it holds a chunk with an invalid type)"
        (crc,) = struct.unpack_from(">I", data, pos + 8 + length)
        if zlib.crc32(data[pos + 4 : pos + 8 + length]) != crc:
            return f"is a damaged PNG image (the CRC of its {kind.decode()} chunk is wrong)"
        if not kinds:
            if kind != b"IHDR" or length != 13:
                return "is a damaged PNG image (it does not start with an IHDR chunk)"
            width, height, depth, colour = struct.unpack_from(">IIBB", data, pos + 8)
            compression, filtering, interlace = data[pos + 18 : pos + 21]
            if (
                not (0 < width <= 0x7FFFFFFF and 0 < height <= 0x7FFFFFFF)
                or depth not in _PNG_DEPTHS.get(colour, ())
                or (compression, filtering) != (0, 0)
                or interlace > 1
            ):
                return "is a damaged PNG image (its IHDR chunk is invalid)"
        kinds.append(kind)
        pos += 12 + length
        if kind == b"IEND":
            break
    if b"IDAT" not in kinds:
        return "is a damaged PNG image (it has no image data)"
    return None


_JPEG_FRAMES = {*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0)}


def _jpeg_problem(data: bytes) -> str | None:
    """Markers well formed, every segment complete, a frame (SOF) before the first scan, an EOI after it."""
    if not data.startswith(b"\xff\xd8\xff"):
        return "is not a JPEG image"
    pos, frame, scanned = 2, False, False
    while True:
        if pos >= len(data) or data[pos] != 0xFF:
            return "is a damaged JPEG image (it is cut short or a marker is missing)"
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            return "is a damaged JPEG image (it is cut short)"
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return None if scanned else "is a damaged JPEG image (it has no image data)"
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            continue
        if marker in (0x00, 0xD8) or pos + 2 > len(data):
            return "is a damaged JPEG image (it holds an invalid marker or is cut short)"
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2 or pos + length > len(data):
            return "is a damaged JPEG image (a segment is cut short)"
        if marker in _JPEG_FRAMES:
            if length < 8 or struct.unpack_from(">H", data, pos + 5)[0] == 0:
                return "is a damaged JPEG image (its frame header is invalid)"
            frame = True
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data runs to the next marker but 0xFF00 and RSTn
            if not frame:
                return "is a damaged JPEG image (a scan comes before its frame header)"
            while True:
                pos = data.find(b"\xff", pos)
                if pos == -1 or pos + 1 >= len(data):
                    return "is a damaged JPEG image (it is cut short before its end marker)"
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos += 2
                elif following == 0xFF:
                    pos += 1
                else:
                    break
            scanned = True


def _gif_problem(data: bytes) -> str | None:
    """Header, colour tables and every block complete, at least one image, then the trailer."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        return "is not a GIF image"
    cut = "is a damaged GIF image (it is cut short before its trailer)"
    if len(data) < 13:
        return cut
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    images = 0

    def skip_sub_blocks(pos: int) -> int | None:
        while pos < len(data):
            size = data[pos]
            pos += 1
            if size == 0:
                return pos
            pos += size
        return None

    while True:
        if pos >= len(data):
            return cut
        block = data[pos]
        if block == 0x3B:
            return None if images else "is a damaged GIF image (it holds no image)"
        if block == 0x21:
            end = skip_sub_blocks(pos + 2)
        elif block == 0x2C:
            if pos + 10 >= len(data):
                return cut
            local = data[pos + 9]
            start = pos + 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            if start >= len(data) or not 2 <= data[start] <= 11:
                return "is a damaged GIF image (an image's data is invalid or cut short)"
            end = skip_sub_blocks(start + 1)
            images += 1
        else:
            return "is a damaged GIF image (it holds an unknown block)"
        if end is None:
            return cut
        pos = end


def _webp_problem(data: bytes) -> str | None:
    """A RIFF of the declared size, its chunks complete, a VP8/VP8L/VP8X chunk first."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return "is not a WebP image"
    (size,) = struct.unpack_from("<I", data, 4)
    if size + 8 != len(data):
        return "is a damaged WebP image (its size does not match its data)"
    pos, kinds = 12, []
    while pos < len(data):
        if pos + 8 > len(data):
            return "is a damaged WebP image (a chunk is cut short)"
        kind, length = struct.unpack_from("<4sI", data, pos)
        if pos + 8 + length > len(data):
            return "is a damaged WebP image (a chunk is cut short)"
        if not kinds:
            first = data[pos + 8 : pos + 8 + length]
            if kind == b"VP8 " and (length < 10 or first[3:6] != b"\x9d\x01\x2a"):
                return "is a damaged WebP image (its VP8 data is invalid)"
            if kind == b"VP8L" and (length < 5 or first[0] != 0x2F):
                return "is a damaged WebP image (its VP8L data is invalid)"
            if kind == b"VP8X" and length < 10:
                return "is a damaged WebP image (its VP8X header is invalid)"
            if kind not in (b"VP8 ", b"VP8L", b"VP8X"):
                return "is a damaged WebP image (it does not start with image data)"
        kinds.append(kind)
        pos += 8 + length + (length & 1)
    if pos != len(data):
        return "is a damaged WebP image (a chunk is cut short)"
    if not {b"VP8 ", b"VP8L", b"ANMF"} & set(kinds):
        return "is a damaged WebP image (it has no image data)"
    return None


_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"typ1")


def _sfnt_problem(data: bytes) -> str | None:
    """A TrueType/OpenType font (or collection): a known version, every table inside the file."""
    damaged = "is a damaged TrueType or OpenType font (its tables are cut short)"
    if data[:4] == b"ttcf":
        if len(data) < 12:
            return damaged
        (count,) = struct.unpack_from(">I", data, 8)
        if count == 0 or 12 + 4 * count > len(data):
            return damaged
        fonts = struct.unpack_from(f">{count}I", data, 12)
    elif data[:4] in _SFNT_VERSIONS:
        fonts = (0,)
    else:
        return "is not a TrueType or OpenType font"
    for font in fonts:  # table offsets count from the start of the file, also in a collection
        if font + 12 > len(data) or data[font : font + 4] not in _SFNT_VERSIONS:
            return damaged
        (tables,) = struct.unpack_from(">H", data, font + 4)
        if tables == 0 or font + 12 + 16 * tables > len(data):
            return damaged
        for index in range(tables):
            offset, length = struct.unpack_from(">II", data, font + 12 + 16 * index + 8)
            if offset + length > len(data):
                return damaged
    return None


def _woff_problem(data: bytes) -> str | None:
    if data[:4] != b"wOFF":
        return "is not a WOFF font"
    damaged = "is a damaged WOFF font (its size or tables do not match its data)"
    if len(data) < 44:
        return damaged
    length, tables = struct.unpack_from(">IH", data, 8)
    if length != len(data) or tables == 0 or 44 + 20 * tables > len(data):
        return damaged
    for index in range(tables):
        offset, compressed = struct.unpack_from(">II", data, 44 + 20 * index + 4)
        if offset + compressed > len(data):
            return damaged
    return None


def _woff2_problem(data: bytes) -> str | None:
    if data[:4] != b"wOF2":
        return "is not a WOFF2 font"
    if len(data) < 48:
        return "is a damaged WOFF2 font (it is cut short)"
    length, tables = struct.unpack_from(">IH", data, 8)
    if length != len(data) or tables == 0:
        return "is a damaged WOFF2 font (its size does not match its data)"
    return None


FORMAT_CHECKS = {
    ".png": _png_problem,
    ".jpg": _jpeg_problem,
    ".jpeg": _jpeg_problem,
    ".gif": _gif_problem,
    ".webp": _webp_problem,
    ".woff": _woff_problem,
    ".woff2": _woff2_problem,
    ".ttf": _sfnt_problem,
    ".otf": _sfnt_problem,
}
