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


def jax_in_float64():
    """A generator for a fixture: JAX (required, as :func:`require_jax`) with float64 enabled until the
    fixture ends, then as it was (the library never changes JAX's configuration; a test may)."""
    jax = require_jax()
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", before)


def require_jax():
    """JAX and optax, the references of the jax backend (``pip install -e '.[test,test-jax]'`` installs them)."""
    try:
        import jax
        import optax  # noqa: F401 - the reference the tests compare with
    except ImportError:
        jax = None
    require(jax is not None, "JAX with optax")
    return jax


def require_katex() -> str:
    node = shutil.which("node")
    require(node is not None and (ROOT / "node_modules" / "katex").is_dir(), "node with KaTeX (npm install)")
    return node


def require_tex(*programs: str) -> None:
    for program in programs:
        require(shutil.which(program) is not None, f"TeX ({program})")


def copy_of_the_catalogue(folder: Path, extra: str | None = None, edit=None) -> str:
    """The shipped catalogue (its rules and their proofs) copied into ``folder``, ``edit(name, text)``
    applied to each file, ``extra`` added as one more file; the catalogue's caches cleared."""
    import textwrap

    from derive.catalogue import load_catalogue, read_catalogue, read_rulesets, rules_directory

    for source in rules_directory().iterdir():
        if source.suffix in (".toml", ".json"):
            text = source.read_text(encoding="utf-8")
            (folder / source.name).write_text(edit(source.name, text) if edit else text, encoding="utf-8")
    if extra:
        (folder / "99_added.toml").write_text(textwrap.dedent(extra), encoding="utf-8")
    for cache in (load_catalogue, read_catalogue, read_rulesets):
        cache.cache_clear()
    return str(folder)


def forge_record(directory: str, *names: str) -> None:
    """Claim in ``directory``'s record of proofs a symbolic proof for every size of each rule
    ``names`` as now written: the hash of a rule's text is anyone's to compute, so an edited rules
    directory may carry such a record; the catalogue's caches cleared."""
    from derive.catalogue import load_catalogue, read_catalogue
    from derive.proof_record import read_record, write_record

    read_catalogue.cache_clear()
    rules = read_catalogue(directory)
    record = read_record(Path(directory))
    for name in names:
        record[name] = {"hash": rules[name].digest, "method": "symbolic", "sizes": [], "points": 9}
    write_record(Path(directory), record)
    for cache in (load_catalogue, read_catalogue):
        cache.cache_clear()


TANH_RULE = """
    [[rule]]
    name = "derivative_of_tanh"
    statement = '\\\\frac{d}{dx} \\\\tanh x = 1 - \\\\tanh^2 x'
    conditions = ["x real"]
    wild = ["x"]
    lhs = "Derivative(tanh(x), x)"
    rhs = "{rhs}"
    rulesets = ["differentiation", "derivatives_of_functions"]
    en = "The derivative of tanh."
    ja = "tanh の導関数。"
"""


def tanh_rule(rhs: str) -> str:
    """A rule the catalogue lacks, derivative_of_tanh, with ``rhs`` as its right side (true or not)."""
    return TANH_RULE.replace("{rhs}", rhs)
