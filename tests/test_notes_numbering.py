"""One numbering a student can cite (issue 32, item 1): in the notes, LaTeX and HTML, in both
languages, every row is numbered (section.n) with n running 1, 2, 3... through its section; the
series' own tag is said beside ours; a cited derivation is named by its section and equation,
never by an internal name; a note on the series' slips is said once, as a footnote."""
import html
import re

import pytest

import derive
from derive import api
from derive.languages import language
from derive.printing.notes import notes_latex
from derive.printing.notes_html import notes_html


@pytest.fixture(scope="module", params=["en", "ja"])
def documents(request):
    lang = request.param
    return lang, notes_latex(api.get, api.rules(), lang, None, None), notes_html(api.get, api.rules(), lang, None, None)


def _in_order(numbers: list[str]) -> None:
    assert len(numbers) == len(set(numbers)) > 100
    expected: dict[str, int] = {}
    for number in numbers:
        section, n = number.rsplit(".", 1)
        expected[section] = expected.get(section, 0) + 1
        assert int(n) == expected[section], (number, numbers)


def _html_numbers(page: str) -> list[str]:
    return re.findall(r'<td class="tag">\((\d+\.\d+|A\.\d+)\)</td>', page)


def test_every_row_is_numbered_in_order_and_once(documents):
    lang, latex, page = documents
    _in_order(re.findall(r"\\tag\{([^}]*)\}", latex))
    _in_order(_html_numbers(page))
    assert re.findall(r"\\tag\{([^}]*)\}", latex) == _html_numbers(page)  # one numbering, both formats


def test_the_series_tag_is_said_beside_ours(documents):
    lang, latex, page = documents
    beside = language(lang).phrase("in_series", tag="4.3")
    assert beside in latex and html.escape(beside) in page
    for own in ("4.1", "4.2", "7.4"):
        assert language(lang).phrase("in_series", tag=own) in latex


def _visible_latex(latex: str) -> str:
    lines = [line for line in latex.splitlines() if not line.lstrip().startswith("%")]
    return re.sub(r"\\includegraphics\[[^]]*\]\{[^}]*\}", "", "\n".join(lines))


def _visible_html(page: str) -> str:
    body = page[page.index("<body"):]
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.DOTALL)
    body = re.sub(r'<span class="katex">.*?</annotation>', "", body, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_no_internal_name_reaches_a_page_and_citations_are_places(documents):
    lang, latex, page = documents
    for shown in (_visible_latex(latex), _visible_html(page)):
        leaked = [name for name in derive.names() if re.search(rf"(?<![\w\-.]){re.escape(name)}(?![\w\-])", shown)]
        assert leaked == []
    cited = re.findall(r"§(\d+\.\d+|A)[^(]{0,12}\((\d+\.\d+|A\.\d+)\)", latex)
    assert len(cited) >= 5
    numbers = set(re.findall(r"\\tag\{([^}]*)\}", latex))
    assert all(number in numbers for _, number in cited)  # each citation points at a row that exists
    assert all(number.split(".")[0] == section.split(".")[0] for section, number in cited)  # in the section cited


def test_a_note_on_the_series_is_said_once_as_a_footnote(documents):
    lang, latex, page = documents
    notes = [str(note) for note in language(lang).tables["series"].values()]
    said = [note for note in notes if note[:25] in latex]
    assert said  # the notes show (4.3), which the series prints differently
    for note in said:
        assert latex.count(note[:25]) == 1
    assert latex.count(r"\footnotemark") == latex.count(r"\footnotetext{") == len(said)
    assert page.count('class="footnote"') == len(said)


def test_the_html_contents_number_every_subsection(documents):
    lang, latex, page = documents
    contents = page[page.index("<nav"):page.index("</nav>")]
    subsections = re.findall(r'<a href="#s(\d+)-(\d+)">(\d+)\.(\d+) ', contents)
    assert len(subsections) == latex.count(r"\subsection{") and all(a == c and b == d for a, b, c, d in subsections)
    assert all(f'id="s{a}-{b}"' in page for a, b, _, _ in subsections)
