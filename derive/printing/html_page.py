"""A self-contained HTML page whose formulas are rendered to HTML at build time by the ``katex`` npm
package through Node.js, KaTeX's stylesheet and fonts inlined, so the page opens offline with no
script: the formulas collected while the page is written, and the page around them."""
from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from ..errors import DeriveError
from .inline_math import pieces

PRERENDER = Path(__file__).with_name("katex_prerender.js")
TIMEOUT_S = 120
STYLE = """
body { font-family: "Noto Serif", Georgia, "Noto Serif CJK JP", "IPAexMincho", "Hiragino Mincho ProN", "Yu Mincho", serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1.2rem; line-height: 1.55; color: #1a1a1a; }
h1 { font-size: 1.9rem; margin-bottom: 0.2rem; } .subtitle { font-size: 1.1rem; color: #444; }
.date { color: #666; margin-bottom: 2rem; } h2 { margin-top: 2.4rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05rem; margin-top: 1.6rem; }
table.derivation { border-collapse: collapse; width: 100%; margin: 0.6rem 0 1.2rem; }
table.derivation td { vertical-align: middle; padding: 0.15rem 0.4rem; }
td.lhs { text-align: right; white-space: nowrap; padding-right: 0; width: 1%; } td.equation { padding-left: 0.2rem; }
.wrapping { display: block; margin: 0.2rem 0; line-height: 2.4; } td.words { font-size: 0.85rem; color: #333; width: 34%; }
details.check { display: inline; margin-left: 0.3rem; } details.check summary { display: inline; cursor: pointer; list-style: none; }
details.check summary::-webkit-details-marker { display: none; } details.check[open] { display: block; color: #555; }
details.proved summary { color: #2e7d32; } details.numeric summary { color: #b26a00; } details.unverified summary { color: #b00020; } details.given summary { color: #666; }
@media (max-width: 700px) { table.derivation, table.derivation tbody { display: block; width: 100%; }
  table.derivation tr { display: block; margin-bottom: 0.6rem; }
  table.derivation td { display: block; width: auto; text-align: left; } table.derivation td.lhs:empty { display: none; }
  table.derivation td.words { display: block; width: auto; } .wrapping .katex { font-size: 0.85em; }
  .wrapping { overflow-x: auto; overflow-y: hidden; } }
td.tag { white-space: nowrap; color: #555; text-align: right; }
.katex-display { margin: 0.2rem 0; text-align: left; } .katex-display > .katex { text-align: left; }
figure { margin: 1rem auto; text-align: center; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #333; } pre { font-size: 0.72rem; background: #f6f6f6; padding: 0.8rem;
overflow-x: auto; } nav ol { line-height: 1.4; list-style: none; padding-left: 1.2em; } .footnote { font-size: 0.85em; margin: 0.2em 0 0.8em; }
"""


class Formulas:
    """Formulas collected while the page is written, rendered together by one Node process."""

    def __init__(self):
        self.blocks: list[dict] = []

    def inline(self, tex: str) -> str:
        return self._add(tex, False)

    def display(self, tex: str) -> str:
        return self._add(tex, True)

    def _add(self, tex: str, display: bool) -> str:
        self.blocks.append({"tex": tex, "display": display})
        return f"\x00{len(self.blocks) - 1}\x00"

    def render(self, page: str) -> str:
        rendered, css = render_katex(self.blocks)
        page = re.sub("\x00(\\d+)\x00", lambda match: rendered[int(match.group(1))], page)
        return page.replace("/*KATEX*/", inline_fonts(css))


def render_katex(blocks: list[dict]) -> tuple[list[str], Path]:
    """Each block's HTML, and the stylesheet's path; a formula KaTeX refuses is a DeriveError."""
    node = shutil.which("node")
    if node is None:
        raise DeriveError("HTML output renders its formulas with KaTeX through Node.js: install node and "
                          "the katex package (npm install katex)")
    # katex from the working directory's node_modules (npm install katex), or wherever NODE_PATH says
    paths = [str(Path.cwd() / "node_modules")] + [p for p in os.environ.get("NODE_PATH", "").split(os.pathsep) if p]
    try:
        done = subprocess.run([node, str(PRERENDER)], input=json.dumps(blocks), capture_output=True, text=True,
                              timeout=TIMEOUT_S, env={**os.environ, "NODE_PATH": os.pathsep.join(paths)})
    except subprocess.TimeoutExpired:
        raise DeriveError(f"KaTeX did not finish within {TIMEOUT_S} s") from None
    if done.returncode != 0:
        missing = "Cannot find module 'katex'" in done.stderr
        raise DeriveError("HTML output needs the katex npm package here (npm install katex)" if missing
                          else f"KaTeX failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    result = json.loads(done.stdout)
    if result["failures"]:
        first = result["failures"][0]
        raise DeriveError(f"KaTeX cannot render {blocks[first['index']]['tex'][:80]!r}: {first['error']}")
    return result["html"], Path(result["css"])


def inline_fonts(css_path: Path) -> str:
    """KaTeX's stylesheet with each font as a data URI (woff2 only: every browser that renders
    KaTeX reads it), so the page needs no other file."""
    css = css_path.read_text(encoding="utf-8")
    fonts = css_path.parent / "fonts"

    def font_face(match: re.Match) -> str:
        sources = re.findall(r"url\(fonts/([^)]+\.woff2)\)", match.group(0))
        if not sources:
            return match.group(0)
        data = base64.b64encode((fonts / sources[0]).read_bytes()).decode()
        return re.sub(r"src:[^;}]+", f"src:url(data:font/woff2;base64,{data}) format(\"woff2\")", match.group(0))
    return re.sub(r"@font-face\{[^}]*\}", font_face, css)


def prose_html(words: str, formulas: Formulas) -> str:
    return "".join(formulas.inline(text) if formula else html.escape(text) for text, formula in pieces(words))


def page(title: str, lang: str, body: str, formulas: Formulas) -> str:
    document = (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{html.escape(title)}</title>\n'
                f"<style>/*KATEX*/</style>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
    return formulas.render(document)
