"""A piecewise gradient (:class:`derive.piecewise.PiecewiseGradient`) as a reader sees it.

Each piece's derivation is printed as any derivation is (its own verified steps, titled with the
condition it holds under); after them the result as cases, each row with the word "where" and its
condition, and a sentence for each kink: the one-sided derivatives agree there (the loss is
continuously differentiable and the cases merge), or the derivative does not exist there and
PyTorch takes a stated value.  The terminal gets Unicode, LaTeX a ``cases`` environment, HTML the
same as inert text (every name is escaped).
"""
from __future__ import annotations

import html

import sympy as sp

from ..languages import language, phrase
from .latex_expr import latex
from .text import derivation_text
from .unicode import unicode

_RELATIONS = {sp.Lt: ("<", "<"), sp.Le: ("≤", r"\le"), sp.Gt: (">", ">"), sp.Ge: ("≥", r"\ge"),
              sp.Eq: ("=", "="), sp.Ne: ("≠", r"\ne")}
KEYS = ("where", "otherwise", "and", "piece", "agree", "kink", "merged", "undecided", "clamp",
        "agree_second", "kink_second", "no_first", "constant")


def words_of(lang: str) -> dict[str, str]:
    """The phrases of a piecewise result in ``lang`` (``[piecewise]`` of its phrases.toml), unfilled."""
    return {key: phrase(lang, f"piecewise.{key}") for key in KEYS}


def condition_text(condition: sp.Basic, lang: str = "en", tex: bool = False) -> str:
    """A condition as a person writes it: ``yⱼ zⱼ ≥ 1``, ``x > y and |x − y| > δ``."""
    words = words_of(lang)
    if isinstance(condition, sp.And):
        joiner = rf" \text{{ {words['and']} }} " if tex else f" {words['and']} "
        return joiner.join(condition_text(part, lang, tex) for part in condition.args)
    if condition is sp.true:
        return rf"\text{{{words['otherwise']}}}" if tex else words["otherwise"]
    for kind, (sign, tex_sign) in _RELATIONS.items():
        if isinstance(condition, kind):
            show = latex if tex else unicode
            return f"{show(condition.lhs)} {tex_sign if tex else sign} {show(condition.rhs)}"
    return latex(condition) if tex else unicode(condition)


def _rows(gradient) -> list[tuple[sp.Basic, sp.Basic]]:
    """The result's rows with each piece's whole condition (SymPy's Piecewise drops what an earlier row
    already excludes, which reads wrongly alone: "1/N where x > y" for the ε-insensitive loss)."""
    expr = gradient.cases
    if not isinstance(expr, sp.Piecewise):
        return [(expr, sp.true)]
    kinks = [(kink.torch_value, kink.boundary) for kink in gradient.kinks if not kink.exists
             and kink.torch_rule.startswith(("torch.maximum", "torch.minimum", "torch.abs"))]  # as the result has them
    return kinks + [(piece.derivative, piece.condition) for piece in gradient.pieces]


def sentences(gradient, lang: str = "en", tex: bool = False) -> list[str]:
    """What each kink is: merged (the sides agree) or, where the derivative does not exist, PyTorch's value."""
    words = words_of(lang)
    show = (lambda e: f"${latex(e)}$") if tex else unicode
    told, out, second = set(), [], gradient.order == 2
    for kink in gradient.kinks:
        boundary = f"${condition_text(kink.boundary, lang, True)}$" if tex else condition_text(kink.boundary, lang)
        if not kink.decided:
            line = words["undecided"].format(boundary=boundary, left=show(kink.sides[0]), right=show(kink.sides[1]),
                                             value=show(kink.torch_value), rule=kink.torch_rule)
        elif not kink.below_exists:  # a second derivative where the first does not exist
            line = words["no_first"].format(boundary=boundary, value=show(kink.torch_value), rule=kink.torch_rule)
        elif kink.exists:
            line = words["agree_second" if second else "agree"].format(boundary=boundary, value=show(kink.sides[0]))
        else:
            line = words["kink_second" if second else "kink"].format(boundary=boundary, left=show(kink.sides[0]), right=show(kink.sides[1]),
                                        value=show(kink.torch_value), rule=kink.torch_rule)
        if line not in told:
            told.add(line)
            out.append(line)
    if gradient.collapse is not None:
        positive = f" {words['and']} ".join(
            (f"${latex(p)} > 0$" if tex else f"{unicode(p)} > 0") for p in gradient.collapse.positive)
        out.append(words["clamp"].format(form=show(gradient.collapse.form), positive=positive or "—"))
    elif gradient.kinks and gradient.continuously_differentiable and not isinstance(gradient.result.rhs, sp.Piecewise):
        out.append(words["merged"])
    return out


def result_text(gradient, lang: str = "en") -> str:
    words = words_of(lang)
    head = f"{unicode(gradient.result.lhs)} = "
    rows = _rows(gradient)
    if len(rows) == 1:
        return head + unicode(rows[0][0])
    shown = [unicode(value) for value, _ in rows]
    width = max(len(s) for s in shown)
    lines = []
    for number, (text, (_, condition)) in enumerate(zip(shown, rows)):
        where = words["otherwise"] if condition is sp.true else f"{words['where']} {condition_text(condition, lang)}"
        lines.append(f"{head if number == 0 else ' ' * len(head)}{'{'} {text.ljust(width)}   {where}")
    if gradient.collapse is not None:  # the cases, then the one function they are (a rule's form)
        lines.append(f"{' ' * (len(head) - 2)}= {unicode(gradient.collapse.form)}")
    return "\n".join(lines)


def text(gradient, lang: str = "en") -> str:
    """The pieces' derivations, then the result as cases and what happens at each kink."""
    words = words_of(lang)
    parts = []
    for piece in gradient.pieces:
        title = words["piece"].format(condition=condition_text(piece.condition, lang))
        if piece.derivation is None:
            said = words["constant"].format(loss=unicode(piece.loss), variable=unicode(gradient.variable))
            parts.append(language(lang).labelled(title, said))  # the language's colon, as its prose
        else:
            head = language(lang).labelled(title, "").rstrip()  # the title and its colon end the line
            parts.append(head + "\n" + derivation_text(piece.derivation, lang))  # in lang, not str()'s English
    return "\n\n".join([*parts, result_text(gradient, lang), *sentences(gradient, lang)])


def latex_result(gradient, lang: str = "en") -> str:
    words = words_of(lang)
    rows = _rows(gradient)
    head = f"{latex(gradient.result.lhs)} = "
    if len(rows) == 1:
        return head + latex(rows[0][0])
    body = r" \\ ".join(
        f"{latex(value)} & " + (rf"\text{{{words['otherwise']}}}" if condition is sp.true else
                                rf"\text{{{words['where']} }} {condition_text(condition, lang, True)}")
        for value, condition in rows)
    tail = f" = {latex(gradient.collapse.form)}" if gradient.collapse is not None else ""
    return head + r"\begin{cases} " + body + r" \end{cases}" + tail


def latex_block(gradient, lang: str = "en") -> str:
    """The result as a display with its sentences, for a LaTeX document or a notebook."""
    return "\n\n".join([rf"\[ {latex_result(gradient, lang)} \]", *sentences(gradient, lang, tex=True)])


def html_block(gradient, lang: str = "en") -> str:
    """The result and its sentences as HTML: the cases as a table of inert text."""
    words = words_of(lang)
    rows = "".join(f"<tr><td>{html.escape(unicode(value))}</td><td>"
                   f"{html.escape(words['otherwise'] if condition is sp.true else words['where'] + ' ' + condition_text(condition, lang))}"
                   "</td></tr>" for value, condition in _rows(gradient))
    said = "".join(f"<p>{html.escape(line)}</p>" for line in sentences(gradient, lang))
    collapsed = f"<p>= {html.escape(unicode(gradient.collapse.form))}</p>" if gradient.collapse is not None else ""
    return (f'<section class="piecewise"><p>{html.escape(unicode(gradient.result.lhs))} =</p>'
            f'<table class="cases">{rows}</table>{collapsed}{said}</section>')


def printed(gradient, format: str, lang: str = "en", tags: str = "series", detail: str = "blackboard") -> str:
    """``derive grad`` of a loss with kinks in ``format``: the pieces' derivations as every derivation
    is printed, then the cases and the kinks (JSON: under "piecewise"; a certificate: each piece's)."""
    import json

    from . import render
    if format == "certificate":
        return json.dumps(gradient.certificate(), ensure_ascii=False, indent=1)
    pieces = render(format, gradient.titled_pieces(lang), lang, tags, detail)
    if format == "json":
        document = json.loads(pieces)
        document = document if isinstance(document, dict) else {"derivations": document}
        document["piecewise"] = {"result": result_text(gradient, lang), "latex": latex_result(gradient, lang),
                                 "kinks": sentences(gradient, lang),
                                 "continuously_differentiable": gradient.continuously_differentiable}
        return json.dumps(document, ensure_ascii=False, indent=2)
    if format == "latex":
        return pieces + "\n\n" + latex_block(gradient, lang)
    if format == "markdown":
        return "\n\n".join([pieces, f"$$ {latex_result(gradient, lang)} $$", *sentences(gradient, lang, tex=True)])
    if format == "html":
        block = html_block(gradient, lang)
        return pieces.replace("</body>", block + "</body>", 1) if "</body>" in pieces else pieces + block
    return "\n\n".join([pieces, result_text(gradient, lang), *sentences(gradient, lang)])
