"""The annotations are true: mypy, configured in pyproject.toml ([tool.mypy]: derive and
derive_checker), finds no error.  mypy is in the test extra; under CI=true its absence fails."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

from tools import ROOT, require

ERROR = re.compile(r"^(?P<path>[^:\s]+):\d+: error: ")


def test_mypy_finds_no_error():
    require(importlib.util.find_spec("mypy") is not None, "mypy (pip install -e '.[test]')")
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    errors = [line for line in run.stdout.splitlines() if ERROR.match(line)]
    assert run.returncode in (0, 1) and not run.stderr.strip(), run.stdout + run.stderr  # 2: mypy itself failed
    assert not errors, "\n".join(errors)
    assert run.returncode == 0 or errors, run.stdout  # a failure that is no error line is not passed over
