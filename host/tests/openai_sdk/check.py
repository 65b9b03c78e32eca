"""The official `openai` Python package against a running mend (scripts/openai-sdk-test).

Usage: python check.py http://127.0.0.1:PORT

Checks, with nothing but the SDK's public API:
  * client.models.list() lists cv2,
  * client.images.edit(model="cv2", image=..., mask=..., prompt=...) returns a valid PNG of
    the input's size whose transparent-mask area changed and whose other pixels did not,
  * errors come back as the SDK's exception classes (NotFoundError, BadRequestError).
Pillow is not needed: PNGs are written and read with zlib + struct here.
"""

import base64
import struct
import sys
import tempfile
import zlib
from pathlib import Path

import openai

W, H = 64, 48
X0, Y0, X1, Y1 = 20, 14, 36, 30


def inside(x, y):
    return X0 <= x < X1 and Y0 <= y < Y1


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def write_png(path, rows, channels):
    """8-bit RGB (channels=3) or RGBA (channels=4) PNG from rows of flat byte lists."""
    color = {3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, color, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw))
    png += chunk(b"IEND", b"")
    Path(path).write_bytes(png)


def read_png_rgb(data):
    """Decodes a non-interlaced 8-bit RGB/RGBA PNG into (width, height, rows of (r,g,b))."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append([tuple(line[x * bpp : x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def photo_pixel(x, y):
    return ((x * 255 // W + (x * 7 + y * 3) % 23) % 256, (y * 255 // H) % 256, ((x + y) % 64) * 2)


def main():
    base = sys.argv[1].rstrip("/")
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="local", max_retries=0)

    ids = [m.id for m in client.models.list()]
    assert "cv2" in ids, ids
    print(f"models: {ids}")

    tmp = Path(tempfile.mkdtemp(prefix="mend-openai-sdk-"))
    image_path, mask_path = tmp / "image.png", tmp / "mask.png"
    write_png(image_path, [[c for x in range(W) for c in photo_pixel(x, y)] for y in range(H)], 3)
    write_png(
        mask_path,
        [[c for x in range(W) for c in (0, 0, 0, 0 if inside(x, y) else 255)] for y in range(H)],
        4,
    )

    with open(image_path, "rb") as image, open(mask_path, "rb") as mask:
        result = client.images.edit(model="cv2", image=image, mask=mask, prompt="remove")
    assert result.created > 0
    assert result.data and len(result.data) == 1, result
    png = base64.b64decode(result.data[0].b64_json)
    width, height, rows = read_png_rgb(png)
    assert (width, height) == (W, H), (width, height)
    changed_inside = 0
    for y in range(H):
        for x in range(W):
            same = rows[y][x] == photo_pixel(x, y)
            if inside(x, y):
                changed_inside += not same
            else:
                assert same, f"pixel ({x}, {y}) outside the mask changed: {rows[y][x]}"
    area = (X1 - X0) * (Y1 - Y0)
    assert changed_inside > area // 2, f"only {changed_inside} of {area} masked pixels changed"
    print(f"edit: {width}x{height} PNG, {changed_inside}/{area} masked pixels changed, rest unchanged")

    try:
        with open(image_path, "rb") as image, open(mask_path, "rb") as mask:
            client.images.edit(model="no-such-model", image=image, mask=mask, prompt="x")
        raise AssertionError("unknown model accepted")
    except openai.NotFoundError as e:
        assert e.code == "model_not_found", e
    try:
        client.images.generate(model="cv2", prompt="a cat")
        raise AssertionError("cv2 generated an image")
    except openai.BadRequestError as e:
        assert "cv2" in str(e), e
    print("errors: NotFoundError (model_not_found), BadRequestError (generate with cv2)")
    print("openai SDK check passed")


if __name__ == "__main__":
    main()
