#!/usr/bin/env python3
# png.py - a PNG and SVG checker and a pure-Python PNG decoder for the
# end-to-end tests of pgtrace plot and report (t0420, t0430).  Nothing
# outside the standard library: zlib inflates, the code here unfilters.
#
#   python3 png.py check FILE W H      a valid PNG of W x H (or SVG by content)
#   python3 png.py frame FILE          the plot area found from the black frame
#   python3 png.py diagonal FILE       the coloured cells of a heatmap: JSON
#                                      with the correlation of column and row
#   python3 png.py bands FILE          heatmap bands (red lines) in the frame
#   python3 png.py diff A B            bounding box of the pixels that differ
#   python3 png.py viridis FILE        how much of a screenshot is a heatmap
#   python3 png.py selftest            the decoder against an encoder
#
# As a module: decode(data) -> Image; check_png(data, w, h);
# svg_size(data) -> (w, h); is_svg(data).
import json
import struct
import sys
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


class PNGError(Exception):
    pass


def chunks(data):
    """Yield (type, body) of each chunk, checking lengths and CRCs."""
    if data[:8] != SIGNATURE:
        raise PNGError("no PNG signature")
    pos = 8
    while pos < len(data):
        if pos + 12 > len(data):
            raise PNGError("truncated chunk header at %d" % pos)
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if len(body) != n or pos + 12 + n > len(data):
            raise PNGError("truncated %r chunk" % kind)
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise PNGError("bad CRC in %r chunk" % kind)
        yield kind, body
        pos += 12 + n
        if kind == b"IEND":
            if pos != len(data):
                raise PNGError("%d bytes after IEND" % (len(data) - pos))
            return
    raise PNGError("no IEND chunk")


class Image:
    """Decoded 8-bit pixels: px[y] is a bytes row of RGBA quadruples."""

    def __init__(self, width, height, px):
        self.width, self.height, self.px = width, height, px

    def rgb(self, x, y):
        r = self.px[y]
        return r[4 * x], r[4 * x + 1], r[4 * x + 2]


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(raw, width, height, bpp):
    """Undo the per-row filters 0-4 of a non-interlaced image."""
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        raise PNGError("image data is %d bytes, rows need %d" % (len(raw), height * (stride + 1)))
    rows, prev = [], bytearray(stride)
    for y in range(height):
        off = y * (stride + 1)
        ft = raw[off]
        cur = bytearray(raw[off + 1:off + 1 + stride])
        if ft == 0:
            pass
        elif ft == 1:
            for i in range(bpp, stride):
                cur[i] = (cur[i] + cur[i - bpp]) & 255
        elif ft == 2:
            for i in range(stride):
                cur[i] = (cur[i] + prev[i]) & 255
        elif ft == 3:
            for i in range(stride):
                left = cur[i - bpp] if i >= bpp else 0
                cur[i] = (cur[i] + ((left + prev[i]) >> 1)) & 255
        elif ft == 4:
            for i in range(stride):
                left = cur[i - bpp] if i >= bpp else 0
                ul = prev[i - bpp] if i >= bpp else 0
                cur[i] = (cur[i] + paeth(left, prev[i], ul)) & 255
        else:
            raise PNGError("row %d: unknown filter type %d" % (y, ft))
        rows.append(cur)
        prev = cur
    return rows


def parse(data):
    """Check the structure; return (ihdr dict, palette, inflated image data)."""
    ihdr, idat, plte, seen_idat, after_idat = None, [], None, False, False
    for kind, body in chunks(data):
        if ihdr is None and kind != b"IHDR":
            raise PNGError("first chunk is %r, not IHDR" % kind)
        if kind == b"IHDR":
            if ihdr is not None or len(body) != 13:
                raise PNGError("bad IHDR")
            w, h, depth, ct, comp, filt, inter = struct.unpack(">IIBBBBB", body)
            if not w or not h or ct not in CHANNELS or comp or filt or inter > 1:
                raise PNGError("bad IHDR values %r" % ((w, h, depth, ct, comp, filt, inter),))
            ihdr = dict(width=w, height=h, depth=depth, color=ct, interlace=inter)
        elif kind == b"PLTE":
            plte = body
        elif kind == b"IDAT":
            if after_idat:
                raise PNGError("IDAT chunks not consecutive")
            idat.append(body)
            seen_idat = True
        elif seen_idat:
            after_idat = True
    if not idat:
        raise PNGError("no IDAT chunk")
    try:
        d = zlib.decompressobj()
        raw = d.decompress(b"".join(idat)) + d.flush()
        if not d.eof:
            raise PNGError("image data stream does not end")
    except zlib.error as e:
        raise PNGError("image data does not inflate: %s" % e)
    return ihdr, plte, raw


def check_png(data, width=None, height=None):
    """Validate a PNG; with @width/@height, its size too. Return the IHDR."""
    ihdr, _, raw = parse(data)
    if width is not None and (ihdr["width"], ihdr["height"]) != (width, height):
        raise PNGError("size %dx%d, wanted %dx%d" % (ihdr["width"], ihdr["height"], width, height))
    if ihdr["interlace"] == 0:
        bits = ihdr["depth"] * CHANNELS[ihdr["color"]]
        row = (ihdr["width"] * bits + 7) // 8
        if len(raw) != ihdr["height"] * (row + 1):
            raise PNGError("image data is %d bytes, %d rows of %d need %d"
                           % (len(raw), ihdr["height"], row + 1, ihdr["height"] * (row + 1)))
        for y in range(ihdr["height"]):
            if raw[y * (row + 1)] > 4:
                raise PNGError("row %d: filter type %d" % (y, raw[y * (row + 1)]))
    return ihdr


def decode(data):
    """Decode an 8-bit, non-interlaced PNG (grey, RGB, palette, with or
    without alpha) to RGBA rows."""
    ihdr, plte, raw = parse(data)
    w, h, ct = ihdr["width"], ihdr["height"], ihdr["color"]
    if ihdr["depth"] != 8 or ihdr["interlace"]:
        raise PNGError("only 8-bit non-interlaced images are decoded")
    bpp = CHANNELS[ct]
    rows = unfilter(raw, w, h, bpp)
    out = []
    for r in rows:
        if ct == 6:
            out.append(bytes(r))
            continue
        q = bytearray(4 * w)
        if ct == 2:
            q[0::4], q[1::4], q[2::4] = r[0::3], r[1::3], r[2::3]
        elif ct == 0:
            q[0::4] = q[1::4] = q[2::4] = r
        elif ct == 4:
            q[0::4] = q[1::4] = q[2::4] = r[0::2]
            q[3::4] = r[1::2]
            out.append(bytes(q))
            continue
        elif ct == 3:
            if plte is None:
                raise PNGError("palette image without PLTE")
            for x, i in enumerate(r):
                q[4 * x:4 * x + 3] = plte[3 * i:3 * i + 3]
        q[3::4] = b"\xff" * w
        out.append(bytes(q))
    return Image(w, h, out)


# ---- SVG ----

def is_svg(data):
    head = data[:512].lstrip()
    return head.startswith(b"<?xml") or head.startswith(b"<svg")


def svg_size(data):
    """Parse an SVG with xml.etree; return (width, height) in its user units."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(data)
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        raise PNGError("root element is %s, not svg" % root.tag)

    def num(a):
        v = root.get(a)
        if v is None:
            raise PNGError("svg has no %s" % a)
        for unit in ("pt", "px"):  # cairo writes points, one per pixel
            if v.endswith(unit):
                v = v[:-len(unit)]
        return float(v)
    w, h = num("width"), num("height")
    vb = root.get("viewBox")
    if vb is not None and [float(x) for x in vb.replace(",", " ").split()] != [0, 0, w, h]:
        raise PNGError("viewBox %r is not 0 0 %g %g" % (vb, w, h))
    return w, h


def check_image(data, width, height):
    """A PNG or an SVG of @width x @height; return 'png' or 'svg'."""
    if data[:8] == SIGNATURE:
        check_png(data, width, height)
        return "png"
    if is_svg(data):
        w, h = svg_size(data)
        if (w, h) != (width, height):
            raise PNGError("svg size %gx%g, wanted %dx%d" % (w, h, width, height))
        return "svg"
    raise PNGError("neither PNG nor SVG")


# ---- what the charts show ----

def dark(p):
    return max(p) < 150


def coloured(p):
    """A chart colour: saturated, not grey, black or white text."""
    return max(p) - min(p) > 40


def reddish(p):
    # pgtrace's band separators: rgb(1, 0.2, 0.2), possibly half covered
    return p[0] > 180 and p[0] - p[1] > 60 and abs(p[1] - p[2]) < 30


def frame(img):
    """The plot area inside the black frame: (left, top, right, bottom),
    inclusive, one pixel in from the frame's lines.  The frame's top and
    bottom are the first and last rows with a run of dark pixels at least
    half the image wide; its sides are where that run starts and ends."""
    best = []
    for y in range(img.height):
        run, start, longest = 0, 0, (0, 0, 0)
        for x in range(img.width):
            if dark(img.rgb(x, y)):
                if not run:
                    start = x
                run += 1
                if run > longest[0]:
                    longest = (run, start, x)
            else:
                run = 0
        if longest[0] >= img.width // 2:
            best.append((y, longest[1], longest[2]))
    if len(best) < 2:
        raise PNGError("no frame found")
    top, bot = best[0], best[-1]
    # antialiased lines cover two rows or columns: step past all dark ones
    t = top[0]
    while t + 1 < img.height and dark(img.rgb((top[1] + top[2]) // 2, t + 1)) and t + 1 - top[0] < 3:
        t += 1
    b = bot[0]
    while b - 1 > t and dark(img.rgb((bot[1] + bot[2]) // 2, b - 1)) and bot[0] - (b - 1) < 3:
        b -= 1
    left, right = min(top[1], bot[1]), max(top[2], bot[2])
    my = (t + b) // 2
    l2 = left
    while dark(img.rgb(l2 + 1, my)) and l2 + 1 - left < 3:
        l2 += 1
    r2 = right
    while dark(img.rgb(r2 - 1, my)) and right - (r2 - 1) < 3:
        r2 -= 1
    return l2 + 1, t + 1, r2 - 1, b - 1


def band_lines(img, box):
    """Rows inside the plot area that are mostly red: the lines between
    the heatmap's objects, consecutive rows counted once."""
    l, t, r, b = box
    lines, prev = [], -2
    for y in range(t, b + 1):
        n = sum(1 for x in range(l, r + 1) if reddish(img.rgb(x, y)))
        if n > (r - l + 1) * 0.9:
            if y != prev + 1:
                lines.append(y)
            prev = y
    return lines


def pearson(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / (sxx * syy) ** 0.5 if sxx and syy else 0.0


def diagonal(img):
    """Per column of the plot area, the mean row of its coloured pixels;
    the correlation of column and mean row (image rows grow downwards, so
    a rising diagonal correlates negatively), and where it starts and
    ends as fractions of the plot height from the bottom."""
    l, t, r, b = frame(img)
    xs, ys = [], []
    for x in range(l, r + 1):
        rows = [y for y in range(t, b + 1) if coloured(img.rgb(x, y))]
        if rows:
            xs.append(x)
            ys.append(sum(rows) / len(rows))
    w, h = r - l + 1, b - t + 1
    res = dict(frame=[l, t, r, b], columns=len(xs), width=w, height=h,
               corr=pearson(xs, ys) if len(xs) > 2 else 0.0)
    if xs:
        k = max(1, len(xs) // 20)     # the first and last 5% of the columns
        res["start"] = (b - sum(ys[:k]) / k) / h
        res["end"] = (b - sum(ys[-k:]) / k) / h
    return res


# ---- screenshots ----

VIRIDIS = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]


def viridis_distance(p):
    """Distance of a colour to the viridis ramp (five stops, linear between)."""
    best = 1e9
    for a, c in zip(VIRIDIS, VIRIDIS[1:]):
        d = [c[i] - a[i] for i in range(3)]
        dd = sum(v * v for v in d)
        f = sum((p[i] - a[i]) * d[i] for i in range(3)) / dd
        f = 0.0 if f < 0 else 1.0 if f > 1 else f
        q = [a[i] + f * d[i] - p[i] for i in range(3)]
        best = min(best, sum(v * v for v in q) ** 0.5)
    return best


def viridis(img):
    """Pixels on the viridis ramp (and saturated, so no greys), and the
    runs of consecutive rows holding at least a quarter of the width of
    them: a heatmap is a tall run, its colour bar alone makes none."""
    total, runs, cache = 0, [], {}
    for y in range(img.height):
        n = 0
        for x in range(img.width):
            p = img.rgb(x, y)
            v = cache.get(p)
            if v is None:
                v = cache[p] = coloured(p) and viridis_distance(p) < 40
            n += v
        total += n
        if n >= img.width // 4:
            if runs and runs[-1][1] == y - 1:
                runs[-1][1] = y
            else:
                runs.append([y, y])
    return dict(width=img.width, height=img.height, pixels=total, runs=runs)


def diff(a, b):
    if (a.width, a.height) != (b.width, b.height):
        raise PNGError("sizes differ")
    box = None
    for y in range(a.height):
        if a.px[y] == b.px[y]:
            continue
        for x in range(a.width):
            if a.px[y][4 * x:4 * x + 4] != b.px[y][4 * x:4 * x + 4]:
                if box is None:
                    box = [x, y, x, y]
                box = [min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y)]
    return box


def encode(rows, width, color, filters):
    """A PNG of 8-bit @rows (bytes, no filter byte), each row filtered with
    the type filters[y] by the forward filters, which are written here
    apart from unfilter() so that one checks the other."""
    bpp = CHANNELS[color]
    raw, prev = bytearray(), bytes(width * bpp)
    for y, row in enumerate(rows):
        ft = filters[y % len(filters)]
        out = bytearray()
        for i, v in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][ft]
            out.append((v - pred) & 255)
        raw += bytes([ft]) + out
        prev = row

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, len(rows), 8, color, 0, 0, 0)
    return SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")


def selftest():
    """Random images through every filter type and colour type back to
    their pixels; damaged files refused."""
    import random
    rnd = random.Random(7)
    for color in (0, 2, 4, 6):
        n = CHANNELS[color]
        w, h = 13, 10
        rows = [bytes(rnd.randrange(256) for _ in range(w * n)) for _ in range(h)]
        for filters in ([0], [1], [2], [3], [4], [0, 1, 2, 3, 4]):
            img = decode(encode(rows, w, color, filters))
            for y in range(h):
                for x in range(w):
                    s = rows[y][x * n:(x + 1) * n]
                    want = {0: s * 3 + b"\xff", 2: s + b"\xff", 4: s[:1] * 3 + s[1:], 6: s}[color]
                    got = img.px[y][4 * x:4 * x + 4]
                    assert got == want, (color, filters, x, y, got, want)
    good = encode(rows, 13, 6, [4])
    check_png(good, 13, 10)
    bad = [good[:-5], good[:30] + bytes([good[30] ^ 1]) + good[31:], b"x" + good[1:]]
    for b in bad:
        try:
            check_png(b)
        except PNGError:
            continue
        raise AssertionError("damaged PNG accepted")
    try:
        check_png(good, 14, 10)
        raise AssertionError("wrong size accepted")
    except PNGError:
        pass
    print("selftest ok")


def main(argv):
    if len(argv) == 2 and argv[1] == "selftest":
        selftest()
        return
    if len(argv) < 3:
        sys.exit("usage: png.py check|frame|diagonal|bands|diff|viridis|selftest FILE ...")
    cmd, path = argv[1], argv[2]
    data = open(path, "rb").read()
    try:
        if cmd == "check":
            w, h = (int(argv[3]), int(argv[4])) if len(argv) > 4 else (None, None)
            if w is None:
                check_png(data)
                print("png")
            else:
                print(check_image(data, w, h))
        elif cmd == "frame":
            print(json.dumps(frame(decode(data))))
        elif cmd == "diagonal":
            print(json.dumps(diagonal(decode(data))))
        elif cmd == "bands":
            img = decode(data)
            box = frame(img)
            print(json.dumps(dict(frame=box, lines=band_lines(img, box))))
        elif cmd == "diff":
            print(json.dumps(diff(decode(data), decode(open(argv[3], "rb").read()))))
        elif cmd == "viridis":
            print(json.dumps(viridis(decode(data))))
        else:
            sys.exit("png.py: unknown command " + cmd)
    except PNGError as e:
        sys.exit("%s: %s" % (path, e))


if __name__ == "__main__":
    main(sys.argv)
