"""Build the lecture notes as PDF, in English and Japanese, next to this script (or into a folder
given as the first argument).  Needs TeX: pdflatex/latexmk for English, lualatex with ltjsarticle
for Japanese (`bash .ci/install-tools` installs them).

    python examples/build_notes_pdf.py [OUTPUT_DIR]
"""
import sys
import time
from pathlib import Path

import derive
from derive.printing.notes import notes_latex
from derive.tex import TexError, compile_pdf


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    folder.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "ja"):
        source = notes_latex(derive.get, derive.rules(), lang)  # every derivation verified on the way
        output = folder / ("notes.pdf" if lang == "en" else "notes-ja.pdf")
        start = time.perf_counter()
        try:
            compile_pdf(source, output, lang)
        except TexError as error:
            print(f"{lang}: {error}", file=sys.stderr)
            return 2
        print(f"{lang}: {output} ({output.stat().st_size // 1024} KiB, {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
