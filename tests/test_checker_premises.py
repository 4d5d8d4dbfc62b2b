"""What a model declares, and only that, is what the checker may use: a base it states positive splits
a power (x^(g+1) = x^g x), a size it states from 2 puts the index 2 inside 1..N.  Small certificates
written by hand, each step checked with and without the declaration it rests on."""
import pytest

from derive_checker.certificate import check_certificate

E, X, G = ["Symbol", "E"], ["Symbol", "x"], ["Symbol", "g"]
ONE = ["Integer", "1"]


def _chain(declaration: dict, given: list, result: list) -> dict:
    steps = [("given", "given", given), ("algebraic_simplification", "equal", result)]
    return {"schema": "derive-certificate/1", "name": "by hand", "models": {"m": declaration}, "rules": {},
            "steps": [{"n": n, "rule": rule, "check": check, "model": "m", "lhs": E, "rhs": rhs}
                      for n, (rule, check, rhs) in enumerate(steps, 1)]}


def _verdict(document: dict) -> str:
    report = check_certificate(document, cache={}, listed=False)
    return report["steps"][-1]["verdict"] if report["ok"] else "refused"


def _factored(base: list, extra: list | None = None) -> tuple[list, list]:
    """a^g - g a^(g-1) and its lowest power factored out, a^(g-1) (a - g) (times ``extra``): a^g = a^(g-1) a for a > 0."""
    lower = ["Pow", base, ["Add", G, ["Integer", "-1"]]]
    return (["Add", ["Pow", base, G], ["Mul", ["Integer", "-1"], G, lower]],
            ["Mul", lower, ["Add", base, ["Mul", ["Integer", "-1"], G]], *([extra] if extra else [])])


ONE_LESS_X = ["Add", ONE, ["Mul", ["Integer", "-1"], X]]


@pytest.mark.parametrize("positive, verdict", [([{"expr": ONE_LESS_X, "ranges": []}], "proved"), ([], "numeric")])
def test_a_base_the_model_states_positive_splits_its_power(positive, verdict):
    """x is declared a unit (real, drawn in (0, 1)): only the model's statement 1 - x > 0 proves the factoring."""
    declaration = {"symbols": {"E": "real", "x": "unit", "g": "real"}, "sizes": {}, "positive": positive}
    assert _verdict(_chain(declaration, *_factored(ONE_LESS_X))) == verdict


def test_a_base_stated_positive_does_not_make_a_wrong_factoring_pass():
    declaration = {"symbols": {"E": "real", "x": "unit", "g": "real"}, "sizes": {}, "positive": [{"expr": ONE_LESS_X, "ranges": []}]}
    assert _verdict(_chain(declaration, *_factored(ONE_LESS_X, ONE_LESS_X))) == "refused"


def test_a_positive_statement_over_a_range_covers_no_index_past_it():
    """a_k > 0 stated for k in 1..K says nothing of a_(K+1): its power is not split for every size."""
    k, size = ["Symbol", "k"], ["Symbol", "K"]
    one_less = lambda index: ["Add", ONE, ["Mul", ["Integer", "-1"], ["Indexed", "a", index]]]  # noqa: E731
    declaration = {"symbols": {"E": "real", "g": "real", "K": "size", "k": "index", "component_index_0": "index"},
                   "arrays": {"a": "unit"},
                   "sizes": {"K": {"min": 1}}, "indices": {"k": [ONE, size]},
                   "positive": [{"expr": one_less(["Symbol", "component_index_0"]), "ranges": [[ONE, size]]}]}
    assert _verdict(_chain(declaration, *_factored(one_less(k)))) == "proved"
    assert _verdict(_chain(declaration, *_factored(one_less(["Add", size, ONE])))) == "numeric"


SECOND = ["Sum", ["Mul", ["KroneckerDelta", ["Integer", "2"], ["Symbol", "i"]], ["Indexed", "f", ["Symbol", "i"]]],
          ["Limits", ["Symbol", "i"], ONE, ["Symbol", "N"]]]


@pytest.mark.parametrize("least, verdict", [(2, "proved"), (3, "proved"), (1, "refused")])
def test_a_size_stated_from_two_collapses_the_delta_on_component_two(least, verdict):
    """Σ_{i=1}^{N} δ_{2i} f_i = f_2 holds for N ≥ 2 only (0 at N = 1): proved where the model states N from 2."""
    declaration = {"symbols": {"E": "real", "N": "size"}, "arrays": {"f": "real"}, "sizes": {"N": {"min": least}}}
    assert _verdict(_chain(declaration, SECOND, ["Indexed", "f", ["Integer", "2"]])) == verdict


def test_derive_verify_marks_a_numeric_step_not_proved_and_exits_3(tmp_path, capsys):
    """A step checked at random points only is no ✓ and no exit 0: ≈, "not proved", exit status 3 (documented in
    derive verify --help); the same chain with the positivity stated is proved: ✓ and 0."""
    import json

    from derive.cli import main
    declaration = {"symbols": {"E": "real", "x": "unit", "g": "real"}, "sizes": {}, "positive": []}
    for positive, code in (([], 3), ([{"expr": ONE_LESS_X, "ranges": []}], 0)):
        document = _chain({**declaration, "positive": positive}, *_factored(ONE_LESS_X))
        document["rests_on"] = {kind: check_certificate(document, cache={}, listed=False)[kind] for kind in ("axioms", "theorems")}
        path = tmp_path / "chain.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        assert main(["verify", str(path)]) == code
        out = capsys.readouterr().out
        step = next(line for line in out.splitlines() if "algebraic_simplification" in line)
        assert step.lstrip().startswith("≈" if code else "✓") and ("not proved" in out) == bool(code), out
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    assert "3 every step passes but some only at random points" in " ".join(capsys.readouterr().out.split())
