"""The signal palette: legible text, colour-blind safe, distinct in greyscale, symbols in our fonts."""
from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from fontTools.ttLib import TTFont

from reportgen import palette
from reportgen.inputs.model import SIGNALS
from reportgen.narrate import danish

ROOT = Path(__file__).resolve().parents[1]
CARLITO = sorted((ROOT / "templates" / "fonts").glob("Carlito-*.ttf"))
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear sRGB.
MACHADO = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}
MIN_DELTA_E = 20.0
MIN_GREY_STEP = 15.0  # L* between green, yellow and red in a greyscale print


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])


def _linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab_from_linear(lin: np.ndarray) -> tuple[float, float, float]:
    xyz = np.array([[0.4124564, 0.3575761, 0.1804375],
                    [0.2126729, 0.7151522, 0.0721750],
                    [0.0193339, 0.1191920, 0.9503041]]) @ np.clip(lin, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 216 / 24389, np.cbrt(t), (24389 / 27 * t + 16) / 116)
    return float(116 * f[1] - 16), float(500 * (f[0] - f[1])), float(200 * (f[1] - f[2]))


def lab(colour: str, vision: str = "normal") -> tuple[float, float, float]:
    lin = _linear(_rgb(colour))
    return _lab_from_linear(lin if vision == "normal" else MACHADO[vision] @ lin)


def ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 colour difference (Sharma, Wu & Dalal 2005)."""
    (L1, a1, b1), (L2, a2, b2) = lab1, lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360
    h2p = math.degrees(math.atan2(b2, a2p)) % 360
    dl, dc = L2 - L1, c2p - c1p
    dh = 0.0 if c1p * c2p == 0 else (h2p - h1p + 180) % 360 - 180
    dH = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_bar - 30)) + 0.24 * math.cos(math.radians(2 * h_bar))
         + 0.32 * math.cos(math.radians(3 * h_bar + 6)) - 0.20 * math.cos(math.radians(4 * h_bar - 63)))
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    sc = 1 + 0.045 * cp_bar
    sh = 1 + 0.015 * cp_bar * t
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dH / sh) ** 2 + rt * (dc / sc) * (dH / sh))


@pytest.mark.parametrize(("lab1", "lab2", "expected"), [
    # Sharma, Wu & Dalal, "The CIEDE2000 color-difference formula", test data pairs 1, 7, 17, 25.
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
])
def test_ciede2000_matches_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_machado_simulation_keeps_neutral_greys_grey():
    for grey in ("#000000", "#808080", "#FFFFFF"):
        for vision in MACHADO:
            assert ciede2000(lab(grey), lab(grey, vision)) < 1.0


@pytest.mark.parametrize("vision", ["normal", "deuteranopia", "protanopia"])
def test_signal_colours_stay_apart_for_normal_and_colour_blind_vision(vision):
    for a, b in itertools.combinations(SIGNALS, 2):
        distance = ciede2000(lab(palette.FILL[a], vision), lab(palette.FILL[b], vision))
        assert distance >= MIN_DELTA_E, f"{a}/{b} under {vision}: ΔE00 {distance:.1f}"


def test_green_yellow_red_differ_in_greyscale():
    lightness = {s: lab(palette.FILL[s])[0] for s in ("green", "yellow", "red")}
    for a, b in itertools.combinations(lightness, 2):
        assert abs(lightness[a] - lightness[b]) >= MIN_GREY_STEP, lightness
    # Dark red, mid green, light yellow: the order a reader learns from the legend.
    assert lightness["red"] < lightness["green"] < lightness["yellow"]


def test_colours_still_read_as_green_yellow_red():
    hues = {s: math.degrees(math.atan2(lab(palette.FILL[s])[2], lab(palette.FILL[s])[1])) % 360
            for s in ("green", "yellow", "red")}
    assert 0 <= hues["red"] <= 50
    assert 70 <= hues["yellow"] <= 100
    assert 130 <= hues["green"] <= 180
    a, b = lab(palette.FILL["grey"])[1:]
    assert math.hypot(a, b) < 1  # grey is neutral


@pytest.mark.parametrize("signal", SIGNALS)
def test_label_text_on_fill_and_ink_on_tint_meet_wcag_aa(signal):
    s = palette.style(signal)
    assert palette.contrast_ratio(s.text, s.fill) >= 4.5
    assert palette.contrast_ratio(palette.INK, s.tint) >= 4.5
    assert palette.contrast_ratio(palette.INK, palette.WHITE) >= 4.5


def test_contrast_ratio_matches_wcag_extremes():
    assert palette.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert palette.contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    assert palette.text_on("#FFFFFF") == palette.BLACK
    assert palette.text_on("#000000") == palette.WHITE


def test_tints_are_light_and_keep_their_hue():
    for signal in ("green", "yellow", "red"):
        s = palette.style(signal)
        assert palette.relative_luminance(s.tint) > 0.5
        _, a_fill, b_fill = lab(s.fill)
        _, a_tint, b_tint = lab(s.tint)
        assert abs(math.atan2(b_fill, a_fill) - math.atan2(b_tint, a_tint)) < 0.3


def test_words_and_meanings_come_from_the_danish_module():
    for signal in SIGNALS:
        s = palette.style(signal)
        assert s.word == danish.signal_word(signal)
        assert s.meaning == danish.SIGNAL_MEANING[signal]
    assert palette.style("red").label == "↓ rød (tilbagegang)"
    assert palette.style("grey").label == "○ grå (kan ikke vurderes)"


def test_symbols_are_distinct_and_in_carlito_and_dejavu():
    symbols = [palette.style(s).symbol for s in SIGNALS]
    assert len(set(symbols)) == len(symbols)
    assert CARLITO, "Carlito fonts missing"
    assert DEJAVU.is_file(), f"{DEJAVU} is missing (Debian package fonts-dejavu-core; ./run test installs it)"
    for font in [*CARLITO, DEJAVU]:
        cmap = TTFont(font).getBestCmap()
        for symbol in symbols:
            assert ord(symbol) in cmap, f"{symbol!r} missing from {font.name}"


def test_hatches_tell_every_state_apart():
    hatches = [palette.HATCH[s] for s in SIGNALS] + [palette.SUPPRESSED_HATCH]
    assert len(set(hatches)) == len(hatches)
    assert palette.HATCH["grey"] == ""
    for signal in ("green", "yellow", "red"):
        s = palette.style(signal)
        assert s.hatch and palette.contrast_ratio(s.hatch_colour, s.fill) >= 1.5


def test_unknown_signal_is_an_error():
    with pytest.raises(KeyError):
        palette.style("blue")
