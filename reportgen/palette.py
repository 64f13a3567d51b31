"""Signal colours, symbols, hatches and chart inks: the one place every renderer takes them from."""
from __future__ import annotations

from dataclasses import dataclass

from .inputs.model import SIGNALS, Signal
from .narrate.danish import SIGNAL_MEANING, SIGNAL_WORD

# Chosen for colour-vision deficiency, not taken from a named set: red is dark, green is mid,
# yellow is light, so the three differ in lightness (greyscale print) as well as in hue, and
# the bluish green stays apart from the red under deuteranopia and protanopia
# (tests/test_palette.py simulates both and checks CIEDE2000 distances).
FILL: dict[str, str] = {
    "green": "#43A07A",
    "yellow": "#F6CD3C",
    "red": "#A61E1E",
    "grey": "#E4E4E4",
}

# Shapes that tell the signals apart without colour. All are in Carlito and in DejaVu Sans
# (checked with fontTools in the tests); Carlito has no ▲ ▼ ■.
SYMBOL: dict[str, str] = {"green": "↑", "yellow": "→", "red": "↓", "grey": "○"}

# Hatches follow the symbols' direction (/ up, - level, \ down) so a greyscale map reads like the
# table; grey has none. Suppressed districts get a pattern no signal uses.
HATCH: dict[str, str] = {"green": "////", "yellow": "---", "red": "\\\\\\\\", "grey": ""}

# Chart inks: near-black text, a muted grey for secondary lines, a faint grid.
INK = "#1A1A1A"
MUTED = "#6E6E6E"
GRID = "#DDDDDD"
SERIES = "#1F4E79"  # the measured line in trend charts: dark blue, apart from every signal fill
TARGET = "#1A1A1A"
WHITE = "#FFFFFF"
BLACK = "#000000"

SUPPRESSED_LABEL = "For få observationer"
SUPPRESSED_FILL = WHITE
SUPPRESSED_HATCH = "xxx"
SUPPRESSED_HATCH_COLOUR = "#8C8C8C"

# For maps by value: a single-hue sequential colormap whose lightness rises monotonically, so it
# survives greyscale and colour-vision deficiency; light = low, dark = high.
SEQUENTIAL_CMAP = "Blues"
SEQUENTIAL_RANGE = (0.15, 0.9)

# For maps of a change: a diverging colormap centred on zero (near white), red for the wrong way and
# blue for the right way (draw.py reverses it where lower is better). Red-blue, not red-green, so
# it reads under deuteranopia and protanopia; both arms darken with the size of the change.
DIVERGING_CMAP = "RdBu"
DIVERGING_RANGE = (0.08, 0.92)

TINT_SHARE = 0.3  # how much of the fill a table-cell tint keeps (rest white)
HATCH_SHARE = 0.55  # how far the hatch colour moves from the fill towards the label colour


def _rgb(colour: str) -> tuple[float, float, float]:
    h = colour.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02X}" for c in rgb)


def mix(colour: str, other: str, share: float) -> str:
    """``share`` of ``other`` blended into ``colour`` (in sRGB, as print and screen tints do)."""
    a, b = _rgb(colour), _rgb(other)
    return _hex(tuple(x + (y - x) * share for x, y in zip(a, b, strict=True)))  # type: ignore[arg-type]


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio, 1 to 21; 4.5 is the floor for normal-size text."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill``."""
    return BLACK if contrast_ratio(fill, BLACK) >= contrast_ratio(fill, WHITE) else WHITE


@dataclass(frozen=True)
class SignalStyle:
    """How one signal looks everywhere: fill, label colour on it, tint, hatch, symbol and words."""

    signal: Signal
    fill: str
    text: str  # label colour on `fill`
    tint: str  # light background for table cells; text on it is INK
    hatch: str  # matplotlib hatch pattern ("" = none)
    hatch_colour: str
    symbol: str
    word: str  # "grøn"
    meaning: str  # "fremskridt"

    @property
    def label(self) -> str:
        """``↑ grøn (fremskridt)``: symbol, colour word and meaning, for legends."""
        return f"{self.symbol} {self.word} ({self.meaning})"


def _style(signal: Signal) -> SignalStyle:
    fill = FILL[signal]
    text = text_on(fill)
    return SignalStyle(
        signal=signal,
        fill=fill,
        text=text,
        tint=mix(fill, WHITE, 1 - TINT_SHARE),
        hatch=HATCH[signal],
        hatch_colour=mix(fill, text, HATCH_SHARE),
        symbol=SYMBOL[signal],
        word=SIGNAL_WORD[signal],
        meaning=SIGNAL_MEANING[signal],
    )


STYLES: dict[str, SignalStyle] = {s: _style(s) for s in SIGNALS}


def style(signal: Signal | str) -> SignalStyle:
    """The look of ``signal`` (``green``/``yellow``/``red``/``grey``); KeyError for anything else."""
    return STYLES[signal]
