"""Draw static/favicon.ico and static/apple-touch-icon.png from the geometry of
static/favicon.svg (a clock on the top bar's navy). Pillow cannot render SVG, so the
shapes are repeated here on the SVG's 64-unit grid; edit both together.

    .venv/bin/python docs/img/make_favicon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parents[2] / "static"
NAVY, WHITE, ACCENT = "#14202e", "#ffffff", "#1f6feb"
SUPERSAMPLE = 8  # draw large, shrink with LANCZOS: smooth edges at 16 px


def draw(size: int) -> Image.Image:
    big = size * SUPERSAMPLE
    u = big / 64  # one SVG unit
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, big - 1, big - 1), radius=round(14 * u), fill=NAVY)
    r, w = 20 * u, 5 * u
    d.ellipse((32 * u - r - w / 2, 32 * u - r - w / 2, 32 * u + r + w / 2, 32 * u + r + w / 2), fill=WHITE)
    d.ellipse((32 * u - r + w / 2, 32 * u - r + w / 2, 32 * u + r - w / 2, 32 * u + r - w / 2), fill=NAVY)
    for end in ((32, 19), (41, 38)):  # the hands, with round caps
        d.line((32 * u, 32 * u, end[0] * u, end[1] * u), fill=ACCENT, width=round(w))
        d.ellipse((end[0] * u - w / 2, end[1] * u - w / 2, end[0] * u + w / 2, end[1] * u + w / 2), fill=ACCENT)
    d.ellipse((32 * u - 3.5 * u, 32 * u - 3.5 * u, 32 * u + 3.5 * u, 32 * u + 3.5 * u), fill=WHITE)
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    draw(180).save(STATIC / "apple-touch-icon.png", optimize=True)
    draw(64).save(STATIC / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64)])


if __name__ == "__main__":
    main()
