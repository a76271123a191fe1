"""Pictures: .plot() renders (Agg) to non-empty PNGs, and draws what a reader looks for."""

from __future__ import annotations

import io

import matplotlib
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import spc
from spc.plotting import COLOURS

matplotlib.use("Agg")


def p_chart_with_shift() -> spc.QicResult:
    rng = np.random.default_rng(2024)
    n = rng.integers(80, 120, 30).astype(float)
    p = np.r_[np.full(15, 0.10), np.full(15, 0.22)]
    y = rng.binomial(n.astype(int), p).astype(float)
    months = pd.date_range("2022-01-01", periods=30, freq="MS")
    df = pd.DataFrame({"month": months, "harmed": y, "patients": n})
    return spc.qic("month", "harmed", "patients", data=df, chart="p", target=0.1)


def png_pixels(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return mpimg.imread(io.BytesIO(data), format="png")


def test_p_chart_with_a_shift_renders_to_png(tmp_path) -> None:
    r = p_chart_with_shift()
    assert r.summary()["runs_signal"].iloc[0]  # the shift is found
    fig = r.plot()
    path = tmp_path / "p_chart.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    data = path.read_bytes()
    assert len(data) > 10_000
    img = png_pixels(data)
    h, w = img.shape[:2]
    assert h > 200 and w > 400
    rgb = img[..., :3]
    assert rgb.std() > 0.05  # not a blank picture
    # Something red: the dashed centre line of a runs signal (and any point outside the limits).
    red = (rgb[..., 0] > 0.85) & (rgb[..., 1] < 0.5) & (rgb[..., 2] < 0.5)
    assert red.sum() > 50


def test_plot_contents() -> None:
    r = p_chart_with_shift()
    fig = r.plot()
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "P chart of harmed"
    # Percent axis for proportions.
    assert "%" in ax.yaxis.get_major_formatter()(0.25, 0)
    # The centre line is dashed and red (runs signal); the target line is drawn.
    colours = [matplotlib.colors.to_hex(line.get_color()).upper() for line in ax.get_lines()]
    assert COLOURS["signal"].upper() in colours
    styles = {line.get_linestyle() for line in ax.get_lines()}
    assert "--" in styles
    assert any(matplotlib.colors.to_hex(line.get_color()).upper() == COLOURS["target"].upper()
               for line in ax.get_lines())
    plt.close(fig)


def test_parts_are_drawn_apart(cdi: pd.DataFrame) -> None:
    r = spc.qic("month", "n", "days", data=cdi, chart="u", part="period", multiply=10000)
    fig = r.plot()
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "pre" in texts and "post" in texts
    # Four limit lines + two centre lines + two data lines at least.
    assert len(ax.get_lines()) >= 8
    plt.close(fig)


def test_small_multiples(hospital_infections: pd.DataFrame) -> None:
    r = spc.qic("month", "n", "days", data=hospital_infections, chart="u", by="infection", multiply=10000)
    fig = r.plot()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3
    assert [ax.get_title() for ax in visible] == ["BAC", "CDI", "UTI"]
    plt.close(fig)
    one = r.plot(groups="CDI")
    assert len([ax for ax in one.axes if ax.get_visible()]) == 1
    plt.close(one)
    with pytest.warns(UserWarning, match="first 2 of 3"):
        plt.close(r.plot(max_panels=2))


def test_plot_into_an_axes_and_errors(cdi: pd.DataFrame) -> None:
    fig, ax = plt.subplots()
    out = spc.qic("month", "n", data=cdi).plot(ax=ax, title="CDI")
    assert out is fig and ax.get_title(loc="left") == "CDI"
    plt.close(fig)
    batch = spc.qic(y=np.arange(20.0), by=np.repeat(["a", "b"], 10))
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="one series"):
        batch.plot(ax=ax)
    plt.close(fig)
    with pytest.raises(ValueError, match="no group"):
        batch.plot(groups="zzz")


def test_mdc_and_rules_pictures(cdi: pd.DataFrame) -> None:
    mdc = spc.qic("month", "n", data=cdi, improvement="decrease", part="period", target=10)
    img = png_pixels(mdc.to_png())
    assert img[..., :3].std() > 0.05
    fig = mdc.plot()
    title = fig.axes[0].get_title(loc="left")
    assert "Making Data Count" in title and "target" in title
    plt.close(fig)
    rules = spc.qic("month", "n", data=cdi, chart="i", rules="we")
    img = png_pixels(rules.to_png())
    assert img[..., :3].std() > 0.05


def test_every_chart_draws() -> None:
    rng = np.random.default_rng(1)
    n = rng.integers(20, 40, 24).astype(float)
    y = rng.binomial(n.astype(int), 0.3).astype(float)
    for chart in spc.CHARTS:
        info = spc.CHART_TABLE[chart]
        if info.subgroup_sd:
            df = pd.DataFrame({"g": np.repeat(np.arange(12), 4), "v": rng.normal(5, 1, 48)})
            r = spc.qic("g", "v", data=df, chart=chart)
        elif info.denominator == "required":
            r = spc.qic(y=y, n=n, chart=chart, freeze=12)
        else:
            r = spc.qic(y=y + 1, chart=chart, exclude=[3])
        assert len(r.to_png()) > 5000, chart
