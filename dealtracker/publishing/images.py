"""Chart images: the SVG a chart page draws, made standalone (its own stylesheet, a
white background, the source line and date), and a PNG rendered from that same SVG.

The PNG is rendered by resvg (the Rust SVG renderer, through the `resvg-py`
wheel): self-contained, no system library to install, and it shapes Arabic and
Hebrew text and orders it right to left, which Cairo's simple text API does not
(party names and deal titles here are often written in those scripts). Text is
drawn with the fonts installed on the machine (DejaVu Sans, from
fonts-dejavu-core, is named first).
"""

from __future__ import annotations

import base64
import hashlib

import resvg_py
from django.conf import settings

# The charts' stylesheet, written into every standalone SVG (so it looks the same
# opened from disk, in a slide or in a print layout) and linked by the embeds.
CHART_CSS = (settings.BASE_DIR / "static" / "css" / "charts.css").read_text(encoding="utf-8")
# The stylesheet's CSP hash: a chart opened in the browser may apply it, and nothing else.
_DIGEST = base64.b64encode(hashlib.sha256(CHART_CSS.encode()).digest()).decode()
CHART_CSS_HASH = f"'sha256-{_DIGEST}'"
FONT_FAMILY = "DejaVu Sans"
# PNGs are drawn at twice the SVG's size: sharp on high-density screens and in print.
PNG_ZOOM = 2


class ChartRenderingError(RuntimeError):
    pass


def png_from_svg(svg: str, *, zoom: float = PNG_ZOOM) -> bytes:
    """The chart as a PNG on a white background, drawn from its standalone SVG."""
    try:
        png = resvg_py.svg_to_bytes(
            svg_string=svg,
            zoom=zoom,
            background="#ffffff",
            font_family=FONT_FAMILY,
            sans_serif_family=FONT_FAMILY,
        )
    except ValueError as exc:  # resvg's answer to SVG it cannot read
        raise ChartRenderingError(str(exc)) from exc
    return bytes(png)
