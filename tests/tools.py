"""External tools the tests need (node with KaTeX, TeX). Under CI=true a missing tool is a failure."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def require(available: bool, what: str) -> None:
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing, and CI=true: .ci/run must install it")
    pytest.skip(f"{what} is not installed")


def require_torch():
    """PyTorch, the numeric reference (an extra: ``pip install -e '.[test]'`` installs it)."""
    try:
        import torch
    except ImportError:
        torch = None
    require(torch is not None, "PyTorch")
    return torch


def require_katex() -> str:
    node = shutil.which("node")
    require(node is not None and (ROOT / "node_modules" / "katex").is_dir(), "node with KaTeX (npm install)")
    return node


def require_tex(*programs: str) -> None:
    for program in programs:
        require(shutil.which(program) is not None, f"TeX ({program})")
