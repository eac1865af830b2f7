"""A small SVG writer for the report's charts: a canvas with text, lines and bars (hatched for
the peers), and an axis that maps values to pixels, linear or log10."""
import math
from html import escape

FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


class Svg:
    """An SVG document of width x height pixels on a white ground, built part by part."""

    def __init__(self, width, height):
        self.w, self.h = width, height
        self.parts = [
            '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'viewBox="0 0 %d %d" %s font-size="13">' % (width, height, width, height, FONT),
            "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" "
            "stroke=\"#ffffff\" stroke-width=\"2\" stroke-opacity=\"0.55\"/></pattern></defs>",
            '<rect width="100%" height="100%" fill="#ffffff"/>',
        ]

    def add(self, s):
        self.parts.append(s)

    def text(self, x, y, s, size=13, anchor="start", weight="normal", fill="#222", rotate=None,
             halo=False):
        tr = ' transform="rotate(%g %.1f %.1f)"' % (rotate, x, y) if rotate is not None else ""
        if halo:  # a white outline keeps a label readable over grid and reference lines
            tr += ' stroke="#ffffff" stroke-width="3" paint-order="stroke"'
        self.add('<text x="%.1f" y="%.1f" font-size="%g" text-anchor="%s" font-weight="%s" '
                 'fill="%s"%s>%s</text>' % (x, y, size, anchor, weight, fill, tr, escape(s)))

    def line(self, x1, y1, x2, y2, stroke="#999", width=1, dash=None):
        d = ' stroke-dasharray="%s"' % dash if dash else ""
        self.add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%g"%s/>'
                 % (x1, y1, x2, y2, stroke, width, d))

    def rect(self, x, y, w, h, fill, hatch=False):
        self.add('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                 % (x, y, w, h, fill))
        if hatch:
            self.add('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="url(#hatch)"/>'
                     % (x, y, w, h))

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(self.parts + ["</svg>", ""]))


class Axis:
    """Maps values to pixels, linear or log10, and gives the tick values."""

    def __init__(self, lo, hi, p0, p1, log):
        self.log = log
        if log:
            lo = 10 ** math.floor(math.log10(lo))
            hi = 10 ** math.ceil(math.log10(hi))
        else:
            lo, hi = 0.0, nice_ceiling(hi)
        self.lo, self.hi, self.p0, self.p1 = lo, hi, p0, p1

    def __call__(self, v):
        if self.log:
            v = max(v, self.lo)
            f = (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        else:
            f = (v - self.lo) / (self.hi - self.lo)
        return self.p0 + f * (self.p1 - self.p0)

    def ticks(self):
        """(value, is_major) pairs."""
        if self.log:
            out = []
            e = int(round(math.log10(self.lo)))
            while 10 ** e <= self.hi * 1.0001:
                out.append((10.0 ** e, True))
                for m in (2, 5):
                    if m * 10 ** e < self.hi:
                        out.append((m * 10.0 ** e, False))
                e += 1
            return out
        step = self.hi / 5
        return [(i * step, True) for i in range(6)]


def nice_ceiling(x):
    """The smallest round number (1, 1.2, 1.5, 2, ... times a power of ten) at or above x."""
    if x <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(x))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * e >= x:
            return m * e
    return 10 * e
