"""Where the series prints an equation differently from the derived one, the step says so, in both
languages and every printer; the note rests on a comparison with the series' printed equation."""
import json

import derive
from derive import series_notes
from derive.printing import render
from derive.printing.text import derivation_text


def test_the_missing_minus_of_4_3_and_the_missing_mean_of_7_4_are_noted_in_both_languages():
    one_sample, bce = derive.get("ce-one-sample"), derive.get("bce")
    assert "Note: The series prints (4.3) without the minus sign" in derivation_text(one_sample)
    assert "注：連載の式 (4.3) は右辺のマイナス記号が抜けている" in derivation_text(one_sample, "ja")
    for detail in ("blackboard", "full"):
        text = derivation_text(bce, detail=detail)
        assert text.count("Note: The series prints (7.4) without the 1/N") == 1
        assert "has one minus too many" in text
    assert "Note: The series prints (7.4)" in render("latex", [bce]) and "注：連載の式 (7.4)" in render("markdown", [bce], "ja")
    steps = json.loads(render("json", [bce]))["derivations"][0]["steps"]
    assert [s["tag"] for s in steps if s["series_note"]] == ["7.4"]


def test_a_tag_the_series_prints_as_derived_gets_no_note(monkeypatch):
    assert "Note:" not in derivation_text(derive.get("ce"))  # the series' (1) is what is derived
    monkeypatch.setitem(series_notes.PRINTED, "4.3", {**series_notes.PRINTED["4.3"],
                                                      "pattern": "-Sum(t[k]*log(y[k]), (k, 1, K))"})
    series_notes._differs.cache_clear()
    try:
        assert "Note:" not in derivation_text(derive.get("ce-one-sample"))
    finally:
        series_notes._differs.cache_clear()


def test_the_titanic_examples_print_their_terms_in_the_series_order():
    died = derivation_text(derive.get("bce-titanic-died"), detail="full")
    survived = derivation_text(derive.get("bce-titanic-survived"), detail="full")
    assert "BCE = −(0·log 0.56 + 1·log 0.44)" in died and "BCE = −log 0.44" in died
    assert "BCE = −(1·log 0.51 + 0·log 0.49)" in survived
    assert r"-\left(0 \cdot \log 0.56 + 1 \cdot \log 0.44\right)" in render("latex", [derive.get("bce-titanic-died")])


def test_each_printed_pattern_is_what_the_series_latex_reads_as():
    import sympy as sp
    from derive.front_end import from_latex
    from derive.pattern_parser import parse_pattern
    for tag, printed in series_notes.PRINTED.items():
        assert sp.simplify(from_latex(printed["latex"]) - parse_pattern(printed["pattern"], {})) == 0, tag
