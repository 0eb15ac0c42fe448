#!/usr/bin/env python3
# Draws the extension's icons with no image library (signed-distance shapes, 4x4 supersampling,
# zlib PNG writer): images/icon.png (128x128, marketplace/extension icon) and images/netns-file.png
# (32x32, the .netns file icon). Three namespaces (nodes) joined by veth links, a packet on a link.
# Owns only these two files. Usage: python3 scripts/make-icons.py
import math, os, struct, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')

def hexrgb(h):
    h = h.lstrip('#')
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))

def seg_dist(px, py, ax, ay, bx, by):
    vx, vy, wx, wy = bx - ax, by - ay, px - ax, py - ay
    t = max(0.0, min(1.0, (wx * vx + wy * vy) / (vx * vx + vy * vy)))
    return math.hypot(wx - t * vx, wy - t * vy)

def rrect_dist(px, py, x0, y0, x1, y1, r):
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 - r, (y1 - y0) / 2 - r
    qx, qy = abs(px - cx) - hx, abs(py - cy) - hy
    return math.hypot(max(qx, 0), max(qy, 0)) + min(max(qx, qy), 0) - r

def render(size, shapes, path):
    ss = 4
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(ss):
                for sx in range(ss):
                    px, py = x + (sx + 0.5) / ss, y + (sy + 0.5) / ss
                    r = g = b = a = 0.0
                    for inside, color in shapes:  # painter's order, "over" compositing
                        if inside(px, py):
                            cr, cg, cb = color
                            r, g, b, a = cr, cg, cb, 1.0
                    acc[0] += r * a; acc[1] += g * a; acc[2] += b * a; acc[3] += a
            n = ss * ss
            alpha = acc[3] / n
            if alpha > 0:
                row += bytes([round(acc[0] / acc[3] * 255), round(acc[1] / acc[3] * 255), round(acc[2] / acc[3] * 255), round(alpha * 255)])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    raw = b''.join(rows)
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', size, size, 8, 6, 0, 0, 0))
    png += chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
    with open(path, 'wb') as f:
        f.write(png)

def scene(s, background):
    """Shapes in a 128-unit design space scaled by s = size/128."""
    k = s / 128
    bg, link, outline = hexrgb('#1b2b34'), hexrgb('#5fb3b3'), hexrgb('#1b2b34')
    nodes = [((32, 38), hexrgb('#6699cc')), ((96, 38), hexrgb('#c594c5')), ((64, 96), hexrgb('#99c794'))]
    links = [(nodes[0][0], nodes[1][0]), (nodes[0][0], nodes[2][0]), (nodes[1][0], nodes[2][0])]
    shapes = []
    if background:
        shapes.append((lambda x, y: rrect_dist(x / k, y / k, 4, 4, 124, 124, 24) <= 0, bg))
    lw = 4 if background else 6
    for (a, b) in links:
        shapes.append((lambda x, y, a=a, b=b: seg_dist(x / k, y / k, *a, *b) <= lw, link))
    nr = 13 if background else 17
    for (c, col) in nodes:
        if background:
            shapes.append((lambda x, y, c=c: math.hypot(x / k - c[0], y / k - c[1]) <= nr + 3.5, outline))
        shapes.append((lambda x, y, c=c: math.hypot(x / k - c[0], y / k - c[1]) <= nr, col))
    # the packet, travelling on the right-hand link
    shapes.append((lambda x, y: math.hypot(x / k - 80, y / k - 67) <= (9 if background else 12), hexrgb('#f99157')))
    shapes.append((lambda x, y: math.hypot(x / k - 80, y / k - 67) <= (4.5 if background else 5), hexrgb('#fac863')))
    return shapes

os.makedirs(os.path.join(ROOT, 'images'), exist_ok=True)
render(128, scene(128, True), os.path.join(ROOT, 'images', 'icon.png'))
render(32, scene(32, False), os.path.join(ROOT, 'images', 'netns-file.png'))
print('wrote images/icon.png, images/netns-file.png')
