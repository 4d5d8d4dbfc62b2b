"""Fixed phrases of the printed output in each language."""
from __future__ import annotations

from typing import Mapping

from ..steps import DEFINES_SEQUENCE, STATED, Verification

PHRASES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "by": "by",
        "result": "Result",
        "equality": "equality",
        "definition": "definition",
        "transformation": "both sides transformed",
        "symbolic": "✓ proved symbolically for every size, and checked at {points} random points",
        "by_rule": "✓ proved for every size by the rule {rule} (its conditions hold here), and checked at "
                   "{points} random points",
        "symbolic_at_sizes": "✓ proved symbolically{sizes} (not yet for every size), and checked numerically "
                             "at {points} random points with sizes up to 7 and more",
        "numeric": "≈ checked numerically at {points} random points (no symbolic proof found: not verified)",
        "no": "not verified: {detail}",
        "defined_sequence": "✓ a definition: each value from the one before, so nothing to prove",
        "stated": "✓ the model's premise, an axiom ({axioms}): nothing to prove",
        "at_sizes": " at {sizes}",
        "inherited": "✓ verified step by step in the derivation {source}",
        "cross_check": "Cross-checked against {method} at {points} random points (largest relative difference {error:.1e})",
        "conditions": "conditions",
        "rules_heading": "{count} rules in the catalogue",
        "automatic": "applied by SymPy itself whenever it builds an expression",
        "full_trail": "Every step of the trail, each verified: add --detail full",
        "line_symbolic": "✓ each of its {count} steps proved for every size",
        "line_numeric": "≈ {count} steps, some checked only numerically (not verified)",
        "line_at_sizes": "✓ each of its {count} steps proved, some only at small sizes",
        "line_no": "not verified: one of its {count} steps is not",
        "line_ends": "; its two ends agree at {points} random points",
        "series_note": "Note",
    },
    "ja": {
        "by": "規則",
        "result": "結果",
        "equality": "等式変形",
        "definition": "定義",
        "transformation": "両辺の変形",
        "symbolic": "✓ 記号計算ですべてのサイズについて証明し、ランダムな {points} 点で数値的にも確認",
        "by_rule": "✓ 規則 {rule} (すべてのサイズについて証明済み、ここで条件が成り立つ) により証明し、ランダムな "
                   "{points} 点で数値的にも確認",
        "symbolic_at_sizes": "✓ {sizes}記号計算で証明 (すべてのサイズについては未証明)、サイズ 7 以上を含むランダムな "
                             "{points} 点で数値的に確認",
        "numeric": "≈ ランダムな {points} 点で数値的に確認 (記号的な証明は見つからず、検証済みではない)",
        "no": "未検証: {detail}",
        "defined_sequence": "✓ 定義: 各値を一つ前の値から決めるので、証明するものはない",
        "stated": "✓ モデルの前提、公理 ({axioms}): 証明するものはない",
        "at_sizes": "{sizes} の場合について",
        "inherited": "✓ 導出 {source} で 1 ステップずつ検証済み",
        "cross_check": "{method} と照合: ランダムな {points} 点で最大相対差 {error:.1e}",
        "conditions": "条件",
        "rules_heading": "規則カタログ: {count} 件",
        "automatic": "SymPy が式を作るたびに自動で適用する",
        "full_trail": "すべてのステップとその検証は --detail full で表示する",
        "line_symbolic": "✓ {count} ステップのそれぞれをすべてのサイズについて証明済み",
        "line_numeric": "≈ {count} ステップのうち数値的にしか確認していないものがある (検証済みではない)",
        "line_at_sizes": "✓ {count} ステップのそれぞれを証明済み (一部は小さいサイズについてのみ)",
        "line_no": "未検証: {count} ステップのうち検証されていないものがある",
        "line_ends": "。両端の式はランダムな {points} 点で一致",
        "series_note": "注",
    },
}


def phrase(lang: str, key: str, **values: object) -> str:
    return PHRASES[lang][key].format(**values)


def verification_text(verification: Verification, lang: str) -> str:
    if verification.source and verification.verified:
        return phrase(lang, "inherited", source=verification.source)
    if verification.method == "symbolic" and verification.detail == DEFINES_SEQUENCE:
        return phrase(lang, "defined_sequence")
    if verification.method == "symbolic" and verification.detail == STATED:
        return phrase(lang, "stated", axioms=", ".join(verification.axioms) or "-")
    if verification.method == "symbolic" and verification.proved_by:
        return phrase(lang, "by_rule", rule=verification.proved_by, points=verification.points)
    if verification.method == "symbolic":
        sizes = ""
        if verification.sizes:
            values: dict[str, list[int]] = {}
            for combination in verification.sizes:
                for name, value in combination.items():
                    values.setdefault(name, [])
                    if value not in values[name]:
                        values[name].append(value)
            listed = ", ".join(f"{name} = {', '.join(map(str, vs))}" for name, vs in values.items())
            sizes = phrase(lang, "at_sizes", sizes=listed)
            return phrase(lang, "symbolic_at_sizes", sizes=sizes, points=verification.points)
        return phrase(lang, "symbolic", points=verification.points)
    if verification.method == "numeric":
        return phrase(lang, "numeric", points=verification.points)
    return phrase(lang, "no", detail=verification.detail or "-")


def line_verification_text(verification: Verification, steps, lang: str) -> str:
    """How a blackboard line was checked: by its steps (one step: as that step was), and end to end."""
    if len(steps) == 1:
        return verification_text(steps[0].verification, lang)
    key = {"symbolic": "line_at_sizes" if verification.sizes else "line_symbolic",
           "numeric": "line_numeric"}.get(verification.method, "line_no")
    text = phrase(lang, key, count=len(steps))
    if verification.points:
        text += phrase(lang, "line_ends", points=verification.points)
    return text
