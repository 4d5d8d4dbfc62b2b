"""The shape of the package, read from its source: import circles, imports inside functions,
private names imported across modules, rule names written into Python, long modules and
functions, and mypy's error count.

    python benchmarks/architecture.py [ROOT] [--details]

ROOT is a checkout (default: the one this script lives in).  Nothing of derive is imported, so
the script measures any commit: ``git worktree add /tmp/old <commit>`` and pass that folder.
``--details`` lists what each row counts.
"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

LONG_MODULE = 500
LONG_FUNCTION = 60


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> dict[str, Path]:
    return {module_name(root, p): p for p in sorted((root / "derive").rglob("*.py"))}


def resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base.pop()
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(root: Path, known: dict[str, Path]):
    """Yield (importer, imported module, names, in_function, line) for every import in derive."""
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        function_lines: set[int] = set()
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(fn):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        function_lines.add(inner.lineno)
        for node in ast.walk(tree):
            in_function = getattr(node, "lineno", None) in function_lines
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield name, alias.name, [], in_function, node.lineno
            elif isinstance(node, ast.ImportFrom):
                target = resolve(name, is_package, node)
                yield name, target, [a.name for a in node.names], in_function, node.lineno


def edges(root: Path, known: dict[str, Path]):
    """Yield (importer, imported derive module, names, in_function, line); ``from pkg import sub``
    counts as an import of the submodule."""
    for importer, target, names, in_function, line in imports(root, known):
        if target.split(".")[0] not in ("derive", "derive_checker"):
            continue
        plain = [n for n in names if f"{target}.{n}" not in known]
        for n in names:
            if f"{target}.{n}" in known:
                yield importer, f"{target}.{n}", [], in_function, line
        if plain or not names:
            yield importer, target, plain, in_function, line


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found, key=len, reverse=True)


def rule_names(root: Path) -> set[str]:
    names = set()
    for path in (root / "rules").glob("*.toml"):
        names |= {rule["name"] for rule in tomllib.loads(path.read_text(encoding="utf-8")).get("rule", [])}
    return names


def mypy_errors(root: Path) -> str:
    mypy = shutil.which("mypy")
    if mypy is None:
        return "n/a"
    run = subprocess.run([mypy, "-p", "derive", "--no-incremental", "--no-error-summary"], cwd=root,
                         capture_output=True, text=True)
    return str(sum(": error:" in line for line in run.stdout.splitlines()))


def main() -> None:
    given = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = Path(given[0] if given else Path(__file__).resolve().parents[1]).resolve()
    known = modules(root)
    graph: dict[str, set[str]] = defaultdict(set)
    in_functions: list[str] = []
    private: list[str] = []
    for importer, target, names, in_function, line in edges(root, known):
        if target in known and target != importer:
            graph[importer].add(target)
        where = f"{importer}:{line}"
        if in_function:
            in_functions.append(f"{where} -> {target}")
        if target != importer:
            hidden = [n for n in names if n.startswith("_") and not n.startswith("__")]
            hidden += [p for p in target.split(".") if p.startswith("_") and not p.startswith("__")]
            if hidden:
                private.append(f"{where} {target}: {', '.join(hidden)}")
    for name in known:
        graph.setdefault(name, set())
    found = circles(graph)

    rules = rule_names(root)
    literals, by_name, long_functions = [], [], []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in rules:
                literals.append(f"{name}:{node.lineno} {node.value}")
            if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if callee in ("apply", "exhaust"):
                    by_name.append(f"{name}:{node.lineno} {callee}({node.args[0].value!r})")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > LONG_FUNCTION:
                    long_functions.append(f"{name}.{node.name} ({length})")
    long_modules = [f"{name} ({n})" for name, path in known.items()
                    if (n := len(path.read_text(encoding="utf-8").splitlines())) > LONG_MODULE]

    rows = [
        ("modules in derive", str(len(known)), []),
        ("import circles (SCCs)", f"{len(found)} ({sum(map(len, found))} modules)",
         [" ".join(c) for c in found]),
        ("imports inside functions", str(len(in_functions)), in_functions),
        ("private names imported across modules", str(len(private)), private),
        ("string literals naming a catalogue rule", str(len(literals)), literals),
        ("apply/exhaust calls with a literal name", str(len(by_name)), by_name),
        (f"modules over {LONG_MODULE} lines", str(len(long_modules)), long_modules),
        (f"functions over {LONG_FUNCTION} lines", str(len(long_functions)), long_functions),
        ("mypy -p derive errors", mypy_errors(root), []),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"architecture of {root}")
    for label, value, _ in rows:
        print(f"  {label:<{width}}  {value}")
    if "--details" in sys.argv:
        for label, _, items in rows:
            if items:
                print(f"\n{label}:")
                for item in items:
                    print(f"  {item}")


if __name__ == "__main__":
    main()
