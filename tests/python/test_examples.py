"""The examples: the walk-through script runs headless and saves its pictures; the notebook is
valid nbformat 4 JSON with the same code as the script, and its code runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from conftest import ROOT

SCRIPT = ROOT / "examples" / "health_walkthrough.py"
NOTEBOOK = ROOT / "examples" / "health_walkthrough.ipynb"
PICTURES = [
    "cdi_run_chart.png",
    "cdi_u_chart_by_period.png",
    "bacteraemia_by_hospital.png",
    "uti_shifts.png",
    "region_u_chart.png",
    "cdi_making_data_count.png",
]


def script_code_cells() -> list[str]:
    chunks = re.split(r"^# %%(.*)$", SCRIPT.read_text(), flags=re.M)
    return [body.strip("\n") for marker, body in zip(chunks[1::2], chunks[2::2]) if "[markdown]" not in marker]


def test_script_runs_headless(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["DISPLAY"] = ""
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    for name in PICTURES:
        path = tmp_path / name
        assert path.exists() and path.stat().st_size > 10_000, name
    assert "column 'days', row 5" in run.stdout


def test_notebook_is_the_script() -> None:
    nb = json.loads(NOTEBOOK.read_text())
    assert nb["nbformat"] == 4
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert code == script_code_cells()
    assert any(c["cell_type"] == "markdown" for c in nb["cells"])


def test_notebook_code_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = json.loads(NOTEBOOK.read_text())
    monkeypatch.chdir(ROOT / "examples")
    monkeypatch.setattr(sys, "argv", ["notebook", "--out", str(tmp_path)])
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    try:
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                exec(compile("".join(cell["source"]), "<notebook>", "exec"), namespace)  # noqa: S102
    finally:
        plt.close("all")
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(PICTURES)
