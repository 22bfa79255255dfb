"""Reading QR-bills back as a scanner does: rasterise the PDF's payment part (pypdfium2)
at a given resolution, decode it with zbar (Debian's ``zbarimg``) and with zxing-cpp, and
measure the symbol on the raster.

zbar is run with ``-Sbinary`` so it hands back the symbol's bytes: without it, zbar
guesses the text's charset and turns UTF-8 "Zürich" into Shift-JIS mojibake (its known
behaviour for byte-mode QR codes without ECI), which is its text conversion, not a misread.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

MM_PER_INCH = 25.4
PT_PER_MM = 72 / 25.4
PAYMENT_SLIP_MM = 106  # the bottom 105 mm and the 1 mm line above


def zbarimg() -> str:
    path = shutil.which("zbarimg")
    if not path:
        raise RuntimeError("zbarimg is missing: apt-get install zbar-tools (Debian's zbar, as scanning apps use it)")
    return path


def payment_slip_image(pdf: bytes, dpi: int) -> Any:
    """The last page's bottom 106 mm (where the QR-bill sits) as a greyscale PIL image."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[len(document) - 1]
        height_pt = page.get_height()
        crop_top = height_pt - PAYMENT_SLIP_MM * PT_PER_MM
        image = page.render(scale=dpi / 72, crop=(0, 0, 0, crop_top), grayscale=True).to_pil()
        page.close()
        return image.convert("L")
    finally:
        document.close()


def decode_zbar(image: Any) -> list[bytes]:
    """The QR payloads zbar finds in ``image``, as bytes."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    done = subprocess.run(  # noqa: S603 - a fixed tool, our own image on stdin
        [zbarimg(), "--nodbus", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", "-Sbinary", "-"],
        input=buffer.getvalue(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode not in (0, 4):  # 4: nothing found
        raise RuntimeError(f"zbarimg failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    out = done.stdout
    return [out[:-1] if out.endswith(b"\n") else out] if out else []


def decode_zxing(image: Any) -> list[Any]:
    """zxing-cpp's QR results (``.bytes``, ``.position``, ...) for ``image``."""
    import zxingcpp

    return list(zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)))


@dataclass(frozen=True)
class SymbolMeasure:
    side_mm: float  # the symbol's side, quiet zone excluded
    modules: int
    module_mm: float
    quiet_left_mm: float  # ink-free distance from the symbol to the nearest other ink
    quiet_right_mm: float
    quiet_top_mm: float
    quiet_bottom_mm: float
    cross_black_mm: float  # the cross's black square, measured across its upper arm-free band
    cross_white_ring_clear: bool  # nothing dark between the black square and the 7 mm square
    cross_bar_width_mm: float
    cross_bar_length_mm: float


def _run(image: Any, x: int, y: int, dx: int, dy: int, *, dark: bool) -> int:
    """How many pixels from (x, y) on, stepping (dx, dy), keep the colour ``dark``."""
    n = 0
    while 0 <= x < image.width and 0 <= y < image.height and (image.getpixel((x, y)) < 128) == dark:
        n += 1
        x, y = x + dx, y + dy
    return n


def _span(image: Any, x: int, y: int, horizontal: bool, *, dark: bool) -> int:
    """The length of the run of ``dark`` through (x, y), horizontally or vertically."""
    if horizontal:
        return _run(image, x, y, -1, 0, dark=dark) + _run(image, x, y, 1, 0, dark=dark) - 1
    return _run(image, x, y, 0, -1, dark=dark) + _run(image, x, y, 0, 1, dark=dark) - 1


def _blank(image: Any, x0: int, y0: int, x1: int, y1: int) -> bool:
    """No dark pixel in the box [x0, x1) × [y0, y1)."""
    box = image.crop((max(x0, 0), max(y0, 0), min(x1, image.width), min(y1, image.height)))
    return bool(box.getextrema()[0] >= 128)


def measure(image: Any, dpi: int, result: Any) -> SymbolMeasure:
    """Measure the symbol zxing located: its side from the finder patterns' outer corners,
    the module from the version, the quiet zone as the ink-free band on each side (up to
    20 mm), and the Swiss cross across its black square and its bars."""
    px = dpi / MM_PER_INCH
    pos = result.position
    xs = [p.x for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
    ys = [p.y for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)  # zxing: the first fully dark pixels
    modules = 17 + 4 * int(result.extra["Version"])
    finder = int(3.5 * (right - left + 1) / modules)  # the middle of the finder patterns' outer edges

    def coverage(x: int, y: int) -> float:  # an edge pixel the symbol covers in part (anti-aliasing)
        return 1 - image.getpixel((x, y)) / 255

    edges = {
        "left": coverage(left - 1, top + finder),
        "right": coverage(right + 1, top + finder),
        "top": coverage(left + finder, top - 1),
        "bottom": coverage(left + finder, bottom + 1),
    }
    width = right - left + 1 + edges["left"] + edges["right"]
    height = bottom - top + 1 + edges["top"] + edges["bottom"]
    side_mm = (width + height) / 2 / px
    # The quiet zone starts past any partly covered edge pixel.
    left, right = left - (edges["left"] > 0), right + (edges["right"] > 0)
    top, bottom = top - (edges["top"] > 0), bottom + (edges["bottom"] > 0)
    limit = int(20 * px)

    def quiet(step: Any) -> float:
        n = 0
        while n < limit and _blank(image, *step(n)):
            n += 1
        return n / px

    cx, cy = (left + right) // 2, (top + bottom) // 2
    mm = lambda v: int(round(v * px))  # noqa: E731
    black = (_span(image, cx, cy - mm(2.5), True, dark=True) + _span(image, cx - mm(2.5), cy, False, dark=True)) / 2
    outer, inner = mm(3.5) - 1, mm(3.0) + 1  # the white ring between the 6 mm and the 7 mm square
    ring_clear = all(
        _blank(image, cx + a, cy + b, cx + c, cy + d)
        for a, b, c, d in [
            (-outer, -outer, outer, -inner),
            (-outer, inner, outer, outer),
            (-outer, -outer, -inner, outer),
            (inner, -outer, outer, outer),
        ]
    )
    return SymbolMeasure(
        side_mm=side_mm,
        modules=modules,
        module_mm=side_mm / modules,
        quiet_left_mm=quiet(lambda n: (left - n - 1, top, left - n, bottom + 1)),
        quiet_right_mm=quiet(lambda n: (right + 1 + n, top, right + 2 + n, bottom + 1)),
        quiet_top_mm=quiet(lambda n: (left, top - n - 1, right + 1, top - n)),
        quiet_bottom_mm=quiet(lambda n: (left, bottom + 1 + n, right + 1, bottom + 2 + n)),
        cross_black_mm=black / px,
        cross_white_ring_clear=ring_clear,
        cross_bar_width_mm=_span(image, cx, cy - mm(1.5), True, dark=False) / px,
        cross_bar_length_mm=_span(image, cx, cy, False, dark=False) / px,
    )
