"""derive: likelihood to cross-entropy, step by step, every step checked.

Heavy imports (SymPy) happen on first use, so ``derive --help`` starts instantly.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "cross_entropy": "derive.api",
    "binary_cross_entropy": "derive.api",
    "get": "derive.api",
    "gradient": "derive.api",
    "hessian": "derive.api",
    "from_latex": "derive.front_end",
    "ParseError": "derive.errors",
    "names": "derive.api",
    "rules": "derive.api",
    "Derivation": "derive.steps",
    "Step": "derive.steps",
    "Equation": "derive.steps",
    "Verification": "derive.steps",
    "Rule": "derive.catalogue",
    "verify_step": "derive.verification",
    "DeriveError": "derive.errors",
    "VerificationError": "derive.errors",
    "CatalogueError": "derive.errors",
    "UnknownDerivation": "derive.errors",
    "CodegenError": "derive.errors",
    "PatternError": "derive.errors",
    "RuleDidNotApply": "derive.errors",
    "NotShowable": "derive.errors",
    "LimitExceeded": "derive.errors",
    "KernelInputError": "derive.errors",
    "ArgumentError": "derive.errors",
    "ArgumentTypeError": "derive.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'derive' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
