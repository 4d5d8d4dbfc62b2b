"""Fixed phrases of the printed output in each language."""
from __future__ import annotations

from typing import Mapping

from ..steps import Verification

PHRASES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "by": "by",
        "result": "Result",
        "equality": "equality",
        "definition": "definition",
        "symbolic": "✓ verified symbolically{sizes} and at {points} random points",
        "numeric": "✓ verified numerically at {points} random points (no symbolic proof found)",
        "no": "not verified: {detail}",
        "at_sizes": " at {sizes}",
        "inherited": "✓ verified step by step in the derivation {source}",
        "cross_check": "Cross-checked against {method} at {points} random points (largest relative difference {error:.1e})",
        "conditions": "conditions",
        "rules_heading": "{count} rules in the catalogue",
        "automatic": "applied by SymPy itself whenever it builds an expression",
    },
    "ja": {
        "by": "規則",
        "result": "結果",
        "equality": "等式変形",
        "definition": "定義",
        "symbolic": "✓ 記号計算で検証{sizes}、ランダムな {points} 点で数値検証",
        "numeric": "✓ ランダムな {points} 点で数値検証 (記号的な証明は見つからず)",
        "no": "未検証: {detail}",
        "at_sizes": " ({sizes} で)",
        "inherited": "✓ 導出 {source} で 1 ステップずつ検証済み",
        "cross_check": "{method} と照合: ランダムな {points} 点で最大相対差 {error:.1e}",
        "conditions": "条件",
        "rules_heading": "規則カタログ: {count} 件",
        "automatic": "SymPy が式を作るたびに自動で適用する",
    },
}


def phrase(lang: str, key: str, **values: object) -> str:
    return PHRASES[lang][key].format(**values)


def verification_text(verification: Verification, lang: str) -> str:
    if verification.source and verification.verified:
        return phrase(lang, "inherited", source=verification.source)
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
        return phrase(lang, "symbolic", sizes=sizes, points=verification.points)
    if verification.method == "numeric":
        return phrase(lang, "numeric", points=verification.points)
    return phrase(lang, "no", detail=verification.detail or "-")
