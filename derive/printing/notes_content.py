"""What the lecture notes show, apart from their words and from how they are printed (LaTeX for the
PDF, HTML with KaTeX): each section's built-in derivations, the figures drawn from the compiled
kernels (:mod:`derive.figures`), the catalogue rules it lists.  Each section's heading and
introduction, the figures' captions and the notes' fixed words are each language's ``notes.toml``
(:mod:`derive.languages`); inline mathematics in them is written ``$...$`` and set as mathematics
by both printers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..languages import language


@dataclass(frozen=True)
class Section:
    key: str  # its heading and introduction: notes.toml's [sections.<key>]
    derivations: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()  # names in derive.figures.FIGURES
    kernel: bool = False  # show the generated kernel's source
    rules: tuple[str, ...] = ()  # catalogue rules listed after the introduction (statement, justification)

    def heading(self, lang: str) -> str:
        return words(lang)["sections"][self.key]["heading"]

    def intro(self, lang: str) -> str:
        return words(lang)["sections"][self.key]["intro"]


def words(lang: str) -> Mapping:
    """The notes' words in ``lang``: ``title``, ``rules``, ``captions``, ``sections``... (its notes.toml)."""
    return language(lang).tables["notes"]


def caption(name: str, lang: str) -> str:
    return words(lang)["captions"][name]


SECTIONS: tuple[Section, ...] = (
    Section('lemmas', ('log-derivative', 'sigmoid-derivative', 'softmax-jacobian')),
    Section('exponential', ('exp-derivative', 'exp-rules'), rules=('exp_of_log', 'exp_of_zero', 'exp_of_sum', 'exp_of_difference', 'product_of_powers', 'power_of_power')),
    Section('likelihood', ('ce-one-sample', 'ce-dice-example', 'ce'), figures=('neg_log',)),
    Section('mle', ('dice-mle', 'bernoulli-mle', 'dice-mle-example')),
    Section('bce', ('bce', 'bce-bernoulli', 'bce-titanic-survived', 'bce-titanic-died')),
    Section('vector', ('ce-vector',)),
    Section('logits', ('ce-softmax', 'bce-sigmoid', 'ce-one-sample-softmax'), figures=('softmax_line', 'bce_logit')),
    Section('gradients', ('ce-grad', 'bce-grad', 'ce-softmax-grad', 'bce-sigmoid-grad', 'ce-matrix-grad', 'softmax-hessian'), figures=('training',)),
    Section('other_losses', ('focal-softmax-grad', 'hinge-grad'), rules=('softmax_derivative_in_any_row', 'derivative_of_positive_part')),
    Section('stable', ('ce-softmax-stable', 'bce-sigmoid-stable', 'ce-softmax-grad-stable', 'bce-sigmoid-grad-stable')),
    Section('kernel', kernel=True),
    Section('ema', ('ema', 'ema-bias-correction', 'ema-example')),
)


def derivation_names() -> list[str]:
    return [name for section in SECTIONS for name in section.derivations]
