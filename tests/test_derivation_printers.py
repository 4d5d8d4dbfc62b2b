"""The derivation printers are classes on SymPy's Printer: one per format, settings given once and
checked, dispatch by class name, and the choice between lines and steps made in one place."""
import ast
import json
import re

import pytest

import derive
from derive.printing import PRINTERS, printer_class, render
from derive.printing.derivation_printer import DerivationPrinter
from derive.printing.json_format import JsonPrinter
from derive.printing.latex_format import LatexPrinter
from derive.printing.markdown import MarkdownPrinter
from derive.printing.html_format import HtmlPrinter
from derive.printing.text import TextPrinter, derivation_text

from tools import ROOT, require_katex

CLASSES = {"text": TextPrinter, "json": JsonPrinter, "latex": LatexPrinter, "markdown": MarkdownPrinter,
           "html": HtmlPrinter}
PRINTING = ROOT / "derive" / "printing"


def test_every_format_has_its_class():
    assert set(PRINTERS) == set(CLASSES)
    for format, cls in CLASSES.items():
        assert printer_class(format) is cls and issubclass(cls, DerivationPrinter)
        for method in ("_print_Derivation", "_print_Line", "_print_Step"):
            assert callable(getattr(cls, method)), (format, method)


@pytest.mark.parametrize("format", ["text", "json", "latex", "markdown"])
@pytest.mark.parametrize("lang,tags,detail", [("en", "series", "blackboard"), ("ja", "sequential", "full"),
                                              ("en", "none", "full")])
def test_a_class_prints_what_the_facade_prints(format, lang, tags, detail):
    derivation = derive.get("bce-sigmoid-grad")
    printer = CLASSES[format](lang=lang, tags=tags, detail=detail)
    assert printer.doprint(derivation) == render(format, [derivation], lang, tags, detail)
    assert printer.doprint([derivation, derive.get("ce")]) == render(format, [derivation, derive.get("ce")], lang, tags, detail)


def test_the_html_class_prints_what_the_facade_prints():
    require_katex()
    derivation = derive.get("ce")
    assert HtmlPrinter(lang="ja", detail="full").doprint(derivation) == render("html", [derivation], "ja", detail="full")


def test_settings_are_given_once():
    derivation = derive.get("ce-grad")
    assert TextPrinter(lang="ja", detail="full").doprint(derivation) == derivation_text(derivation, "ja", "full")
    assert TextPrinter({"lang": "ja"}).doprint(derivation) == derivation_text(derivation, "ja")
    assert str(derivation) == TextPrinter().doprint(derivation)
    full = TextPrinter(detail="full").doprint(derivation)
    assert full.count("✓") == len(derivation.steps) != TextPrinter().doprint(derivation).count("✓")


@pytest.mark.parametrize("cls", list(CLASSES.values()))
def test_unknown_settings_are_refused_by_every_format(cls):
    with pytest.raises(ValueError, match="unknown lang 'fr'; known: en, ja"):
        cls(lang="fr")
    with pytest.raises(ValueError, match="unknown tags 'roman'; known: series, sequential, none"):
        cls(tags="roman")  # text and JSON print the series' own tags, but refuse a mode that is none
    with pytest.raises(ValueError, match="unknown detail 'some'; known: blackboard, full"):
        cls(detail="some")
    with pytest.raises(TypeError, match="Unknown setting 'colour'"):
        cls(colour="red")


def test_the_facade_refuses_an_unknown_format_or_setting():
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render("pdf", [derive.get("ce")])
    with pytest.raises(ValueError, match="unknown detail"):
        render("text", [derive.get("ce")], detail="every")


def test_a_setting_of_one_format_is_no_setting_of_another():
    LatexPrinter(words_below_wide=True)
    with pytest.raises(TypeError, match="Unknown setting 'words_below_wide'"):
        MarkdownPrinter(words_below_wide=True)


class _NumberedSteps(TextPrinter):
    def _print_Step(self, step, row):
        return f"step {row.number} of {row.count}: {step.rule}"


def test_overriding_print_step_changes_the_steps_alone():
    derivation = derive.get("bce-sigmoid-grad")
    assert derivation.lines, "a derivation with blackboard lines"
    assert _NumberedSteps().doprint(derivation) == TextPrinter().doprint(derivation)  # the lines print no step
    plain = TextPrinter(detail="full").doprint(derivation)
    changed = _NumberedSteps(detail="full").doprint(derivation)
    head, tail = plain.split("\n\n")[0], plain.split("\n\n", 2)[2]
    assert changed.split("\n\n")[0] == head and changed.endswith(tail)  # the title and the result stay
    expected = [f"step {n} of {len(derivation.steps)}: {step.rule}" for n, step in enumerate(derivation.steps, 1)]
    assert changed.splitlines()[2:2 + len(expected)] == expected


def test_overriding_print_step_in_json_leaves_the_lines():
    class Rules(JsonPrinter):
        def _print_Step(self, step, row):
            return {"rule": step.rule}

    derivation = derive.get("ce")
    plain, changed = json.loads(JsonPrinter().doprint(derivation)), json.loads(Rules().doprint(derivation))
    assert changed["derivations"][0]["lines"] == plain["derivations"][0]["lines"]
    assert changed["derivations"][0]["steps"] == [{"rule": step["rule"]} for step in plain["derivations"][0]["steps"]]
    assert changed["derivations"][0]["result"] == plain["derivations"][0]["result"]


def _compares_detail(node: ast.Compare) -> bool:
    """A comparison with the detail setting: a name ``detail``, ``settings["detail"]``, or a detail's value."""
    for side in [node.left, *node.comparators]:
        if isinstance(side, ast.Name) and side.id == "detail":
            return True
        if isinstance(side, ast.Subscript) and isinstance(side.slice, ast.Constant) and side.slice.value == "detail":
            return True
        if isinstance(side, ast.Constant) and side.value in ("blackboard", "full"):
            return True
    return False


def test_detail_is_read_in_one_place():
    found = []
    for path in sorted(PRINTING.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and _compares_detail(node):
                found.append((path.name, node.lineno))
    assert [name for name, _ in found] == ["derivation_printer.py"], found


def test_the_base_chooses_lines_or_steps():
    derivation = derive.get("ce")
    lines = DerivationPrinter().rows(derivation)
    steps = DerivationPrinter(detail="full").rows(derivation)
    assert [item for item, _ in lines] == list(derivation.lines)
    assert [item for item, _ in steps] == list(derivation.steps)
    assert [row.tag for _, row in steps] == ["2", "3", "4", "5", "6", "1"]
    assert [row.tag for _, row in DerivationPrinter(detail="full", tags="none").rows(derivation)] == [None] * 6
    assert steps[0][1].previous is None and steps[1][1].previous == derivation.steps[0].equation


ALLOWED = {"cli.py", "api.py", "interfaces.py"}
PRINTER_MODULES = {"text", "json_format", "latex_format", "markdown", "html_format", "derivation_printer"}


def test_the_core_does_not_import_the_printer_classes():
    """Outside derive.printing, only the command line, the API and the web page's server (derive.serve,
    an interface like the command line) may reach the derivation printers."""
    classes = {cls.__name__ for cls in CLASSES.values()} | {"DerivationPrinter"}
    for path in sorted((ROOT / "derive").rglob("*.py")):
        if PRINTING in path.parents or path.name in ALLOWED or ROOT / "derive" / "serve" in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.module.startswith("sympy"):
                parts = node.module.split(".")
                assert not ("printing" in parts and parts[-1] in PRINTER_MODULES), (path, node.module)
                assert not classes & {alias.name for alias in node.names}, (path, node.module)


def test_html_numbers_its_rows_as_the_tags_setting_says():
    derivation = derive.get("ce")
    cells = lambda printer: re.findall(r'<td class="tag">([^<]*)</td>', printer.table(derivation))
    assert cells(HtmlPrinter(detail="full")) == ["(2)", "(3)", "(4)", "(5)", "(6)", "(1)"]
    assert cells(HtmlPrinter(detail="full", tags="sequential")) == [f"({n})" for n in range(1, 7)]
    assert cells(HtmlPrinter(detail="full", tags="none")) == [""] * 6
