"""The lecture notes as a standalone LaTeX document (A4, English or Japanese): a title page with the
date, a table of contents, the rules of logarithms, then per section an introduction saying what
is derived and why (:mod:`.notes_content`), the derivations in the blackboard view, the figures
drawn from the compiled kernels, the stable forms and the generated kernel; the full verified trail
of every derivation in an appendix.  One numbering throughout (:mod:`.notes_numbering`): (section.n)
for every row, the series' own tag said beside it, a cited derivation named by its section and
equation, a note on the series' slips said once, as a footnote."""
from __future__ import annotations

import datetime
import re
import textwrap
from typing import Callable, Mapping

from ..catalogue import Rule
from ..languages import language
from ..steps import Derivation
from .citations import citing, placed
from .latex_format import LatexPrinter
from .latex_text import text
from .notes_content import APPENDICES, BODY, SECTIONS, Section, appendix_letter, caption
from .notes_content import words as notes_words
from .notes_numbering import NotesNumbering, notes_numbering

KERNEL_LINE = 92  # characters of kernel source per printed line (A4, \scriptsize)


def prose(words: str) -> str:
    """Prose with inline mathematics ``$...$``: the words escaped as inside ``\\text{}``, the mathematics kept."""
    return text(words)[len(r"\text{"):-1]


def today() -> str:
    return datetime.date.today().isoformat()


def kernel_listing(source: str, function: str = "loss_and_grad_labels", names: Mapping[str, str] | None = None,
                   comments: Mapping[str, str] | None = None) -> str:
    """The generated function ``function`` of a kernel module, long lines continued with ``\\``,
    each of ``names`` (generated name -> the name a reader reads) renamed as a whole word; with
    ``comments`` (the generator's comment, names renamed -> the words the notes' language shows),
    each comment is said in those words, and one the table lacks is left out (the Japanese notes
    showed the generator's English comments)."""
    if names:
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
        source = pattern.sub(lambda match: names[match.group(1)], source)
    if comments is not None:
        source = "\n".join(_said_in(line, comments) for line in source.splitlines())
    lines, inside = [], False
    for line in source.splitlines():
        if line.startswith(("def ", "@")):
            inside = line.startswith(f"def {function}(") or (inside and line.startswith("@"))
            if line.startswith("@"):
                continue
        if inside:
            if line.startswith(("def ", " ")) or not line.strip():
                lines.append(line)
            else:
                break
    wrapped = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()))
        code, hash_, comment = line.partition("  # ")
        if hash_ and len(line) > KERNEL_LINE:  # a long line's comment goes on lines of its own, above it
            wrapped += [indent + "# " + part for part in textwrap.wrap(comment, KERNEL_LINE - len(indent) - 2)]
            line = code
        while len(line) > KERNEL_LINE:
            cut = line.rfind(" ", len(indent) + 8, KERNEL_LINE - 2)
            cut = cut if cut > 0 else KERNEL_LINE - 2
            wrapped.append(line[:cut] + " \\")
            line = indent + "        " + line[cut:].lstrip()
        wrapped.append(line)
    return "\n".join(wrapped).rstrip() + "\n"


def _said_in(line: str, comments: Mapping[str, str]) -> str:
    """``line`` with its comment (``# ...``) in the words of ``comments``, or without it."""
    code, hash_, comment = line.partition("# ")
    if not hash_ or code.count('"') % 2 or code.count("'") % 2:  # no comment, or a '#' inside a string
        return line
    said = comments.get(comment.strip())
    if said is not None:
        return code + hash_ + said
    return code.rstrip() if code.strip() else ""


def notes_latex(get: Callable[[str], Derivation], rules: list[Rule], lang: str = "en",
                figures: Mapping[str, str] | None = None, kernel_source: str | None = None,
                date: str | None = None) -> str:
    """The document; ``figures``: figure name -> file name to include (None: no figures);
    ``kernel_source``: the generated module whose function the kernel section shows."""
    words = notes_words(lang)
    reason = language(lang).setting("typography.law_reason_tex")
    derivations = {name: get(name) for section in SECTIONS for name in section.derivations}
    numbers = notes_numbering(derivations)
    said: set[str] = set()  # the notes on the series' slips, each said once in the document
    parts = [
        language(lang).setting("tex.document_class"),
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage[a4paper,margin=2cm]{geometry}",
        r"\usepackage{graphicx}",
        r"\allowdisplaybreaks",
        r"\numberwithin{equation}{section}",
        rf"\title{{{words['title']}\\[0.5em]\large {prose(words['subtitle'])}}}",
        rf"\date{{{prose(words['generated'])} {date or today()}}}",
        r"\author{derive}",
        r"\begin{document}",
        r"\maketitle",
        r"\tableofcontents",  # the rules follow on the contents' last page, not on a page of their own: no page a quarter full
        rf"\section{{{words['rules']}}}",
        prose(words["rules_intro"]),
        r"\begin{itemize}",
    ]
    with citing(numbers.citations):
        for rule in rules:
            if rule.topic == "logarithms" and rule.operation == "rewrite":
                parts.append(rf"\item ${rule.statement}${reason}{prose(placed(rule.justification[lang]))}")
        parts.append(r"\end{itemize}")
        for section in BODY:
            parts += _section(section, derivations, numbers, lang, figures, kernel_source,
                              {rule.name: rule for rule in rules}, said)
        parts += [r"\appendix", rf"\section{{{words['trail']}}}", prose(words["trail_intro"])]
        steps = LatexPrinter(lang=lang, detail="full", words_below_wide=True, **_citable(said))
        for name, derivation in derivations.items():
            parts += [rf"\subsection*{{{prose(derivation.title[lang])}}}", "{\\small",
                      steps.doprint(derivation, numbers=numbers.of("steps", name)), "}"]
        for section in APPENDICES:
            parts += _section(section, derivations, numbers, lang, figures, kernel_source,
                              {rule.name: rule for rule in rules}, said)
    parts.append(r"\end{document}")
    return "\n".join(parts) + "\n"


def _citable(said: set[str]) -> dict:
    """The printers' settings for the notes: the series' tags beside ours, its slips once, as footnotes."""
    return {"series_beside": True, "notes_said": said, "footnotes": True}


def _section(section: Section, derivations, numbers: NotesNumbering, lang: str,
             figures: Mapping[str, str] | None, kernel_source: str | None, rules: Mapping[str, Rule],
             said: set[str]) -> list[str]:
    if section.kernel and kernel_source:
        return _kernel_section(section, lang, kernel_source)
    parts = [rf"\section{{{section.heading(lang)}}}", prose(section.intro(lang))]
    reason = language(lang).setting("typography.law_reason_tex")
    if section.rules:
        parts += [r"\begin{itemize}", *(rf"\item ${rules[name].statement}${reason}{prose(placed(rules[name].justification[lang]))}"
                                         for name in section.rules), r"\end{itemize}"]
    figures = figures or {}
    for name in section.figures if figures else ():
        parts += [r"\begin{figure}[!htb]", r"\centering", rf"\includegraphics[width=0.62\linewidth]{{{figures[name]}}}",
                  rf"\caption{{{prose(caption(name, lang))}}}", r"\end{figure}"]
    lines = LatexPrinter(lang=lang, words_below_wide=True, **_citable(said))
    for name in section.derivations:
        derivation = derivations[name]
        parts += [rf"\subsection{{{prose(derivation.title[lang])}}}", "{\\small",
                  lines.doprint(derivation, numbers=numbers.of("lines", name)), "}"]
    return parts


def section_listing(section: Section, lang: str, kernel_source: str) -> str:
    """The kernel section's listing as the notes in ``lang`` show it (PDF and HTML): the reader's
    names (sections.toml), the comments in the language's words (its notes.toml)."""
    comments = language(lang).tables["notes"].get("listing_comments", {})
    return kernel_listing(kernel_source, names=dict(section.listing_names), comments=comments)


def _kernel_section(section: Section, lang: str, kernel_source: str) -> list[str]:
    """The generated kernel: its heading, the paragraph on what it does and the listing as one box,
    which TeX moves whole to the next page rather than split (the listing's last lines were left
    alone on a page of their own); the paragraph keeps the document's indent inside the box."""
    listing = section_listing(section, lang, kernel_source).rstrip("\n")
    return [rf"\section{{{section.heading(lang)}}}", r"\edef\bodyindent{\the\parindent}",
            r"\noindent\begin{minipage}{\linewidth}\setlength{\parindent}{\bodyindent}\indent",
            prose(section.intro(lang)), r"{\scriptsize", r"\begin{verbatim}", listing, r"\end{verbatim}", "}",
            r"\end{minipage}"]


def toc_seed(get: Callable[[str], Derivation], lang: str = "en") -> str:
    """The table of contents TeX will write (every page number 1), to put beside the source before
    the first run: the first run then lays out the contents at their final size, and the second
    run's pages are the first's, so two runs suffice where three were needed."""
    lines = [rf"\contentsline {{section}}{{\numberline {{1}}{notes_words(lang)['rules']}}}{{1}}{{}}%"]
    for number, section in enumerate(BODY, start=2):
        lines.append(rf"\contentsline {{section}}{{\numberline {{{number}}}{section.heading(lang)}}}{{1}}{{}}%")
        for sub, name in enumerate(section.derivations, start=1):
            title = prose(get(name).title[lang])
            lines.append(rf"\contentsline {{subsection}}{{\numberline {{{number}.{sub}}}{title}}}{{1}}{{}}%")
    lines.append(rf"\contentsline {{section}}{{\numberline {{A}}{notes_words(lang)['trail']}}}{{1}}{{}}%")
    for number, section in enumerate(APPENDICES):
        lines.append(rf"\contentsline {{section}}{{\numberline {{{appendix_letter(number)}}}{section.heading(lang)}}}{{1}}{{}}%")
    return "\n".join(lines) + "\n"
