"""The import contract: derive's layers, read from every import in its source.

From the bottom: the checker (:mod:`derive_checker`, which imports nothing of derive), the core
(expressions, models, the catalogue and the numbers and proofs a check computes), the engine
(rewriting, operations, strategies, verification and certificates: what finds and checks steps),
then derivations, printing and kernels side by side (none imports another), then the interfaces
that join them (the command line, the API, PyTorch).  A module imports only from its own layer or
one below; imports inside functions count as much as those at the top, since they run all the same.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECKER, CORE, ENGINE, DERIVATIONS, PRINTING, KERNELS, INTERFACES = (
    "checker", "core", "engine", "derivations", "printing", "kernels", "interfaces")
RANK = {CHECKER: 0, CORE: 1, ENGINE: 2, DERIVATIONS: 3, PRINTING: 3, KERNELS: 3, INTERFACES: 4}

# A name stands for that module and, where it is a package, every module inside it.
LAYERS = {
    "derive_checker": CHECKER,
    # core: what an expression, a model and a rule are, and the numbers and proofs about them
    "derive.conventions": CORE, "derive.errors": CORE, "derive.functions": CORE, "derive.ranges": CORE,
    "derive.work": CORE, "derive.work_budget": CORE, "derive.input_limits": CORE, "derive.safe_names": CORE, "derive.extensions": CORE,
    "derive.deferred": CORE,
    "derive.languages": CORE,
    "derive.steps": CORE, "derive.conditions": CORE, "derive.pattern_parser": CORE,
    "derive.proof_record": CORE, "derive.catalogue": CORE, "derive.rules_location": CORE, "derive.shipped_rules": CORE, "derive.vector_forms": CORE,
    "derive.index_to_matrix": CORE, "derive.positivity": CORE, "derive.edge_sizes": CORE,
    "derive.models": CORE, "derive.point_draws": CORE, "derive.index_extents": CORE, "derive.at_sizes": CORE, "derive.link_functions": CORE,
    "derive.numeric_walk": CORE, "derive.numeric_check": CORE, "derive.induction": CORE,
    "derive.one_hot": CORE, "derive.recurrences": CORE, "derive.expression_paths": CORE,
    "derive.rule_scope": CORE, "derive.latex_input": CORE, "derive.latex_reader": CORE, "derive.front_end": CORE,
    "derive.cases_input": CORE, "derive.kinks": CORE, "derive.case_proofs": CORE, "derive.piecewise_forms": CORE, "derive.kink_sides": CORE,
    "derive.series_notes": CORE, "derive.blackboard": CORE,
    # engine: find steps, apply rules, check and certify what was found
    "derive.combinators": ENGINE, "derive.rewriting": ENGINE, "derive.symbolic_proofs": ENGINE,
    "derive.premises": ENGINE, "derive.step_verdicts": ENGINE, "derive.verification": ENGINE, "derive.solution_checks": ENGINE,
    "derive.rule_trust": ENGINE, "derive.certificate": ENGINE, "derive.checking": ENGINE,
    "derive.strategies": ENGINE, "derive.operations": ENGINE, "derive.rule_proofs": ENGINE,
    "derive.gradient_checks": ENGINE, "derive.textbook_form": ENGINE, "derive.named_quantities": ENGINE,
    # three siblings over the engine
    "derive.derivations": DERIVATIONS,
    "derive.printing": PRINTING,
    "derive.kernels": KERNELS,
    # interfaces: what a user calls, joining the siblings
    "derive": INTERFACES, "derive.__main__": INTERFACES, "derive.cli": INTERFACES, "derive.program": INTERFACES, "derive.api": INTERFACES,
    "derive.torch": INTERFACES, "derive.torch_function": INTERFACES, "derive.torch_modules": INTERFACES, "derive.jax": INTERFACES,
    "derive.input_derivatives": INTERFACES, "derive.bridge_calls": INTERFACES, "derive.user_losses": INTERFACES, "derive.figures": INTERFACES,
    "derive.piecewise": INTERFACES,
    "derive.tex": INTERFACES, "derive.terminal": INTERFACES, "derive.verify_report": INTERFACES,
    "derive.serve": INTERFACES,
}


def layer_of(module: str) -> str | None:
    """The layer of the module or of the package holding it (``derive`` itself holds only its
    ``__init__``: a new module at the top of the package must be named)."""
    while module not in LAYERS and module.count(".") > 1:
        module = module.rsplit(".", 1)[0]
    if module not in LAYERS and module.startswith("derive_checker."):
        module = "derive_checker"
    return LAYERS.get(module)


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("derive", "derive_checker"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports() -> list[tuple[str, str, str, int]]:
    """(importer, imported module, name imported or "", line) for every import of derive's own
    modules, at the top or inside a function; ``from package import module`` imports the module."""
    found = []
    for importer, path in MODULES.items():
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(importer, alias.name, "", node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(parent + ([base] if base else []))
                for alias in node.names:
                    if f"{base}.{alias.name}" in MODULES:
                        found.append((importer, f"{base}.{alias.name}", "", node.lineno))
                    else:
                        found.append((importer, base, alias.name, node.lineno))
    return [entry for entry in found if entry[1].split(".")[0] in ("derive", "derive_checker")]


IMPORTS = _imports()


def wrong_way(imports) -> list[str]:
    """Each import of a module in a higher layer, or in a sibling of the same height."""
    wrong = []
    for importer, imported, _, line in imports:
        here, there = layer_of(importer), layer_of(imported)
        if here is None or there is None or here == there:
            continue
        if RANK[there] >= RANK[here]:
            how = "sideways" if RANK[there] == RANK[here] else "upward"
            wrong.append(f"{importer}:{line} ({here}) imports {imported} ({there}), {how}")
    return wrong


def on_circles(imports, modules) -> list[str]:
    """The modules that reach themselves through imports."""
    graph: dict[str, set[str]] = {module: set() for module in modules}
    for importer, imported, _, _ in imports:
        if imported in graph and imported != importer:
            graph[importer].add(imported)
    circling = []
    for start in sorted(graph):
        seen, frontier = set(), set(graph[start])
        while frontier:
            seen |= frontier
            frontier = {n for m in frontier for n in graph[m]} - seen
        if start in seen:
            circling.append(start)
    return circling


def private_imports(imports) -> list[str]:
    return [f"{importer}:{line} imports {name or imported} from {imported}"
            for importer, imported, name, line in imports
            if imported != importer and any(part.startswith("_") and not part.startswith("__")
                                             for part in (*imported.split("."), name) if part)]


def test_every_module_has_a_layer():
    missing = [module for module in MODULES if layer_of(module) is None]
    assert not missing, f"modules in no layer of tests/test_layers.py's LAYERS: {missing}"


def test_no_import_runs_upward_or_sideways():
    wrong = wrong_way(IMPORTS)
    assert not wrong, "\n".join(wrong)


def test_no_import_circle():
    circling = on_circles(IMPORTS, MODULES)
    assert not circling, f"modules on an import circle: {circling}"


def test_no_private_name_imported_across_modules():
    private = private_imports(IMPORTS)
    assert not private, "\n".join(private)


def test_the_checks_catch_what_they_are_for():
    """Planted imports: each kind of breach is reported, and an import downward is not."""
    assert wrong_way([("derive.steps", "derive.rewriting", "", 1)]) == [
        "derive.steps:1 (core) imports derive.rewriting (engine), upward"]
    assert wrong_way([("derive.kernels.codegen", "derive.printing.text", "", 2)])[0].endswith("sideways")
    assert wrong_way([("derive_checker.zero", "derive.functions", "", 3)])
    assert not wrong_way([("derive.kernels.codegen", "derive.symbolic_proofs", "", 4)])
    assert on_circles([("a", "b", "", 1), ("b", "c", "", 1), ("c", "a", "", 1)], ["a", "b", "c", "d"]) == ["a", "b", "c"]
    assert private_imports([("derive.api", "derive.user_losses", "_orders", 5)])
    assert not private_imports([("derive.api", "derive.user_losses", "__version__", 5)])
    assert layer_of("derive.a_new_module") is None


def test_the_table_names_only_modules_that_exist():
    stale = [name for name in LAYERS
             if name not in MODULES and not any(module.startswith(name + ".") for module in MODULES)]
    assert not stale, f"LAYERS names modules that are gone: {stale}"


def test_every_registration_is_needed_and_names_a_function():
    """What :class:`~derive.steps.Derivation` and the lower layers ask for by name
    (:mod:`derive.extensions`) is there, and could not be imported instead: it sits in a layer
    above the core, or imports :mod:`derive.steps` itself (the blackboard view), so importing it
    from there would close a circle."""
    from importlib import import_module

    from derive import extensions

    reaches: dict[str, set[str]] = {}
    for importer, imported, _, _ in IMPORTS:
        reaches.setdefault(importer, set()).add(imported)

    def imports_steps(module: str) -> bool:
        seen, frontier = set(), {module}
        while frontier:
            seen |= frontier
            frontier = {n for m in frontier for n in reaches.get(m, ())} - seen
        return "derive.steps" in seen

    for name, target in extensions._REGISTRY.items():
        if isinstance(target, str):
            module, _, function = target.partition(":")
            assert callable(getattr(import_module(module), function, None)), f"{name}: {target} is not a function"
            assert RANK[layer_of(module)] > RANK[CORE] or imports_steps(module), f"{name}: {target} could be imported"


def test_help_imports_neither_sympy_nor_numba():
    """``derive --help`` stays instant: the command line loads SymPy and Numba per command."""
    code = ("import sys, contextlib, io\nfrom derive.cli import main\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])\n"
            "print(sorted(m for m in ('sympy', 'numba', 'numpy', 'latex2sympy2_extended') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert run.stdout.strip() == "[]", run.stdout + run.stderr
