"""Every built-in's ``derive show`` output, in every format and language, written to files, so two
ways of making the built-ins can be compared byte for byte (issue 33 item 1: the shipped records must
print exactly what the engine's derivations print).

    DERIVE_SHIPPED=0 python benchmarks/show_outputs.py /tmp/engine
    python benchmarks/show_outputs.py /tmp/shipped
    diff -r /tmp/engine /tmp/shipped

One process each (the built-ins are made once per process, as in a long-lived one); ``--names a,b``
takes some.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

VARIANTS = {  # file suffix -> the options of derive show
    "text": [], "full.text": ["--detail", "full"], "ja.text": ["--lang", "ja"], "json": ["--format", "json"],
    "latex": ["--format", "latex"], "ja.latex": ["--format", "latex", "--lang", "ja"],
    "markdown": ["--format", "markdown"], "html": ["--format", "html"], "ja.html": ["--format", "html", "--lang", "ja"],
    "certificate": ["--format", "certificate"], "axioms": ["--axioms"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--names", help="comma-separated names (default: every built-in)")
    args = parser.parse_args()
    from derive import api
    from derive.cli import main as derive_main

    args.directory.mkdir(parents=True, exist_ok=True)
    for name in args.names.split(",") if args.names else api.names():
        for suffix, options in VARIANTS.items():
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = derive_main(["show", name, *options])
            (args.directory / f"{name}.{suffix}").write_text(f"exit {code}\n{err.getvalue()}{out.getvalue()}", encoding="utf-8")
        print(name, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
