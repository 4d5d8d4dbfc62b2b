"""A Derivation is plain data: derive/steps.py imports nothing above it, and what a derivation
does beyond holding its steps (print, compile, differentiate) is reached by registration."""
import ast
from pathlib import Path

import derive
from derive import conventions as c
from derive import extensions
from derive.models import Link, categorical


def test_steps_imports_nothing_above_the_data():
    tree = ast.parse((Path(derive.__file__).parent / "steps.py").read_text(encoding="utf-8"))
    inside = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level]
    assert [(n.module, [a.name for a in n.names]) for n in inside] == [(None, ["extensions"])]


def test_printing_compiling_and_differentiating_go_through_the_registry():
    derivation = derive.get("ce")
    assert str(derivation).startswith("ce: ")
    extensions.register("text", lambda d: f"<{d.name} in my own format>")
    try:
        assert str(derivation) == "<ce in my own format>"
    finally:
        extensions.register("text", "derive.printing.text:derivation_text")
    assert str(derivation).startswith("ce: ")
    assert derivation.gradient(c.y[c.i, c.k]).result.rhs == -c.t[c.i, c.k] / (c.N * c.y[c.i, c.k])


def test_links_are_an_enum_and_unknown_ones_are_refused():
    model = categorical().with_link("softmax")
    assert model.link is Link.SOFTMAX and model.link == "softmax"
    import pytest
    with pytest.raises(ValueError, match="unknown link 'tanh'"):
        categorical().with_link("tanh")
