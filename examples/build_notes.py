"""Build the lecture notes in English and Japanese, as PDF and as HTML, into a folder (this
script's by default), the same way `derive notes --pdf` and `derive notes --html` do; with
`--pictures DIR`, also a PNG of one page of each kind (the README shows them).  Needs TeX
(pdflatex/latexmk, lualatex with ltjsarticle), Node.js with `npm install katex`, matplotlib
(`pip install '.[notes]'`), and for the pictures poppler's pdftoppm and Chromium
(`bash .ci/install-tools` installs them).

    python examples/build_notes.py [OUTPUT_DIR] [--pictures DIR]
"""
import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path


def build(folder: Path) -> dict[str, Path]:
    built = {}
    for lang in ("en", "ja"):
        for kind in ("pdf", "html"):
            output = folder / (f"notes.{kind}" if lang == "en" else f"notes-ja.{kind}")
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "derive", "notes", f"--{kind}", "--lang", lang, "-o", str(output)],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{lang} {kind}: {done.stderr.strip()}")
            print(f"{lang} {kind}: {output} ({output.stat().st_size // 1024} KiB, {time.perf_counter() - start:.1f} s)")
            built[f"{lang}-{kind}"] = output
    return built


def pictures(built: dict[str, Path], folder: Path) -> None:
    """Page 3 of the English PDF (its first derivations and figure) and the top of the Japanese
    HTML page, as PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "3", "-l", "3", "-singlefile", str(built["en-pdf"]),
                    str(folder / "notes-en-pdf")], check=True)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("the HTML picture needs Chromium")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=900,1100",
                    f"--screenshot={folder / 'notes-ja-html.png'}", built["ja-html"].resolve().as_uri()],
                   check=True, capture_output=True)
    print(f"pictures: {folder / 'notes-en-pdf.png'}, {folder / 'notes-ja-html.png'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(Path(__file__).parent))
    parser.add_argument("--pictures", metavar="DIR", help="also write a PNG of one page of each kind here")
    args = parser.parse_args()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    built = build(folder)
    if args.pictures:
        pictures(built, Path(args.pictures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
