"""Where the rule catalogue lives and the variable that replaces it: read without SymPy, so that a kernel
loaded from the cache (:mod:`derive.shipped_rules`, :mod:`derive.kernels.generated`) never imports it."""
from __future__ import annotations

from pathlib import Path

from .errors import CatalogueError

CATALOGUE_VARIABLE = "DERIVE_RULES"  # a directory of rule files to use instead of the catalogue shipped


def rules_directory() -> Path:
    """Where the catalogue lives: inside the installed package, else beside it in a checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "rules", package.parent / "rules"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    raise CatalogueError(f"no rule catalogue found next to {package}")
