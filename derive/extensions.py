"""What a :class:`~derive.steps.Derivation` does beyond holding its steps, by registration.

Printing itself, compiling to kernels and differentiating again live in layers above the data
(printers, kernels, strategies).  They are registered here by dotted name, and looked up when
called, so :mod:`derive.steps` imports none of them and the data sits at the bottom of the package.
So are the few things a lower layer or a sibling asks of another by name: a built-in derivation
for a step that cites it, a lemma's label, an expression's LaTeX for a title, a kernel's plan
(tests/test_layers.py states the layers).  Another implementation can be registered with
:func:`register`.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

_REGISTRY: dict[str, str | Callable[..., Any]] = {
    "text": "derive.printing.text:derivation_text",
    "latex": "derive.printing.notebook:notebook_latex",
    "markdown": "derive.printing.notebook:notebook_markdown",
    "compile": "derive.api:_compile_derivation",
    "gradient": "derive.api:_gradient_of_derivation",
    "blackboard": "derive.blackboard:lines_of",
    "certificate": "derive.certificate:certificate",
    "built_in": "derive.derivations:get",
    "built_in_names": "derive.derivations:names",
    "lemma_label": "derive.derivations.lemmas:label",
    "expression_latex": "derive.printing.latex_expr:latex",
    "kernel_plan": "derive.derivations.plans:plan_for",
    "built_in_plan": "derive.derivations.plans:built_in_plan",
    "kernel_name": "derive.derivations.plans:kernel_name",
}


def register(name: str, implementation: str | Callable[..., Any]) -> None:
    """Use ``implementation`` (a function, or ``"module:function"``) for ``name``."""
    _REGISTRY[name] = implementation


def call(name: str, *args: Any, **kwargs: Any) -> Any:
    implementation = _REGISTRY[name]
    if isinstance(implementation, str):
        module, _, function = implementation.partition(":")
        implementation = getattr(import_module(module), function)
        _REGISTRY[name] = implementation
    return implementation(*args, **kwargs)
