"""The examples in the docstrings of the installed package run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import matplotlib.pyplot as plt
import pytest

MODULES = ["spc", "spc._qic", "spc._result", "spc._errors", "spc.plotting"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    plt.close("all")
    assert result.attempted > 0, f"no docstring example in {name}"
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
