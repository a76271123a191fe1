"""The package's version: the extension's (spc/version.hpp, generated from project(VERSION) in
CMakeLists.txt) is the one of the installed distribution (pyproject.toml reads the same line)."""

from __future__ import annotations

import importlib.metadata

import spc


def test_version_is_the_distribution_version() -> None:
    assert spc.__version__ == importlib.metadata.version("spc")
