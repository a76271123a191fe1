# %% [markdown]
# # spc in Python: a walk through real health-care data
#
# Three questions on published Danish hospital data (examples/data, from qicharts2 0.8.1; see
# examples/data/PROVENANCE.md):
#
# 1. Did hospital-acquired *C. difficile* infections (CDI) fall after the intervention?
#    A run chart of the monthly counts, then a U chart of infections per 10,000 risk days with
#    one part before and one after the intervention.
# 2. How do six hospitals compare on bacteraemia, CDI and urinary tract infections?
#    One U chart per hospital and infection, all in one call with `by=`.
# 3. How would an NHS "Making Data Count" reader see the CDI rate?
#
# The same walk-through is the notebook `examples/health_walkthrough.ipynb`. As a script it runs
# headless and saves its pictures:
#
#     python examples/health_walkthrough.py --out /tmp/spc-walkthrough

# %%
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # headless as a script; inline in a notebook

import matplotlib.pyplot as plt
import pandas as pd

import spc

pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 12)

if "__file__" in globals():
    HERE = Path(__file__).resolve().parent
else:  # a notebook, opened in examples/ or at the repository's root
    HERE = Path.cwd() if (Path.cwd() / "data" / "cdi.csv").exists() else Path.cwd() / "examples"
DATA = HERE / "data"


def output_dir() -> Path:
    """Where the pictures go: --out DIR, else a folder in the system's temporary directory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "spc-walkthrough")
    args, _ = parser.parse_known_args([] if "ipykernel" in sys.modules else None)
    args.out.mkdir(parents=True, exist_ok=True)
    return args.out


OUT = output_dir()


def save(fig: plt.Figure, name: str) -> Path:
    path = OUT / name
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"saved {path}")
    return path


# %% [markdown]
# ## 1. C. difficile infections before and after an intervention
#
# `cdi.csv` has one row per month: the number of hospital-acquired CDI (`n`), the risk days
# (`days`) and the `period` (pre or post intervention).

# %%
cdi = pd.read_csv(DATA / "cdi.csv", parse_dates=["month"])
print(cdi.head())

# %% [markdown]
# A run chart of the counts. The Anhøj rules look for a shift: a run of points on one side of the
# median longer than expected, or too few crossings of the median. A signal draws the median red
# and dashed.

# %%
run = spc.qic("month", "n", data=cdi, title="Hospital-acquired C. difficile infections",
              ylab="infections per month")
print(run.summary()[["n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min",
                     "runs_signal"]])
save(run.plot(), "cdi_run_chart.png")

# %% [markdown]
# The shift is there. Counts depend on how many patients were at risk, so the next chart is a U
# chart of infections per 10,000 risk days (`multiply=10000`), with one part per period: each part
# gets its own centre line, limits and runs analysis.

# %%
u = spc.qic("month", "n", "days", data=cdi, chart="u", part="period", multiply=10_000,
            title="C. difficile infections per 10,000 risk days", ylab="per 10,000 risk days")
print(u.summary()[["part_label", "first", "last", "cl", "avg_lcl", "avg_ucl", "runs_signal",
                   "n_sigma_signals"]])
save(u.plot(), "cdi_u_chart_by_period.png")

# %% [markdown]
# The rate fell from about 13 to about 5 per 10,000 risk days, and both periods are stable
# (no runs signal, no point outside the limits). One row per point is in `.data`:

# %%
print(u.data[["x", "part", "y", "cl", "lcl", "ucl", "sigma_signal"]].tail())

# %% [markdown]
# ## 2. Six hospitals, three infections: one call with `by=`
#
# `hospital_infections.csv` has one row per hospital, infection and month. `by=` computes every
# group's chart in one call of the C++ batch engine and draws small multiples.

# %%
hai = pd.read_csv(DATA / "hospital_infections.csv", parse_dates=["month"])
by_hospital = spc.qic("month", "n", "days", data=hai[hai["infection"] == "BAC"], chart="u",
                      by="hospital", multiply=10_000,
                      title="Bacteraemia per 10,000 risk days", ylab="per 10,000 risk days")
print(by_hospital.summary()[["hospital", "cl", "avg_lcl", "avg_ucl", "runs_signal", "n_sigma_signals"]])
save(by_hospital.plot(ncols=3), "bacteraemia_by_hospital.png")

# %% [markdown]
# Every hospital and infection (18 charts), and which of them show a shift:

# %%
everything = spc.qic("month", "n", "days", data=hai, chart="u", by=["infection", "hospital"],
                     multiply=10_000)
summary = everything.summary()
print(summary.loc[summary["runs_signal"], ["infection", "hospital", "longest_run", "longest_run_max",
                                           "n_crossings", "n_crossings_min"]])
save(everything.plot(groups=[("UTI", h) for h in ["BOH", "NOH"]], ncols=2,
                     title="Urinary tract infections: the two units with a shift"),
     "uti_shifts.png")

# %% [markdown]
# Rows that share a month are added up (as qicharts2 does): all hospitals and infections together
# is one U chart of the region.

# %%
region = spc.qic("month", "n", "days", data=hai, chart="u", multiply=10_000,
                 title="All hospital-acquired infections in the region, per 10,000 risk days")
print(region.summary()[["n_obs", "cl", "avg_lcl", "avg_ucl", "runs_signal"]])
save(region.plot(), "region_u_chart.png")

# %% [markdown]
# ## 3. The same CDI rate as NHS "Making Data Count" reads it
#
# `improvement="decrease"` (fewer infections are better) switches to the Making Data Count XmR
# chart: points are coloured by type (improvement, concern, common cause), and a target is judged
# against the process limits (assurance). `part="period"` starts a new period at the intervention.

# %%
mdc = spc.qic("month", "n", "days", data=cdi, part="period", multiply=10_000, improvement="decrease",
              target=6, title="CDI per 10,000 risk days (Making Data Count)")
print(mdc.summary()[["period_label", "cl", "lcl", "ucl", "improvement", "concern", "variation",
                     "assurance"]])
save(mdc.plot(), "cdi_making_data_count.png")

# %% [markdown]
# ## Errors speak the data's language
#
# A wrong value is reported with its column, its row and its group:

# %%
broken = hai.copy()
broken.loc[5, "days"] = 0
try:
    spc.qic("month", "n", "days", data=broken, chart="u", by=["hospital", "infection"])
except ValueError as error:
    print(error)

# %%
print(f"pictures in {OUT}")
