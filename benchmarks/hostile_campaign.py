"""A campaign of hostile inputs against derive (issue 28): LaTeX through ``derive.gradient`` and
through the CLI, arrays into the kernels, caches, threads and the CLI's edges, each input's outcome
counted by category.

    python benchmarks/hostile_campaign.py [--seed 0] [--scale 1.0] [--only latex,arrays] [--json FILE]

Seeded and deterministic (the inputs; how long a loss takes to derive is the machine's).  The inputs
run in 2 worker processes side by side, each held to 1 GB of address space (RLIMIT_AS), each input
under a watchdog of 10 s measured here, outside the worker: the worker is killed and the input
counted a hang when it passes.  Inputs that need a process of their own (the CLI, the caches) run in
one, started by the worker (so held to 1 GB too) under a 10 s timeout.

Outcomes:
  result           the call returned; where a number can be checked it was (arrays: against
                   torch.nn.functional in float64, rtol 1e-10; a LaTeX gradient: against sympy.diff of
                   the loss as derive read it, at sizes 3 and random points; caches: against NumPy)
  clean error      a derive.DeriveError, or a ValueError/TypeError the kernels raise from derive's own
                   code with a message; the CLI: exit 2 and one line on stderr starting 'derive' with
                   'error:' (a closed pipe after reading: exit 0, nothing on stderr)
  hang             past 10 s
  other exception  anything else, 'derive: internal error' and a traceback included
  crash            a signal or an unexpected exit of the process
  over 1 GB        MemoryError, or killed for memory
  silent wrong     a number that disagrees with the reference, or a result where none exists
  injection        a payload reaching an output raw: in LaTeX ^^, \\input, \\write, \\openout (and the
                   like), an unescaped % # ~; in Markdown <script, <img, ](; on the terminal (text
                   output and every error message) a raw control character
The last six must be 0; the exit code is 1 where one is not.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import queue
import random
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
MEMORY = 1 << 30
HANG = 10.0  # seconds an input may take, measured outside the process that runs it
HARNESS = 60.0  # seconds the campaign's own checks of a result may take after derive returned it
CATEGORIES = ("latex", "latex-cli", "arrays", "caches", "threads", "cli")
OUTCOMES = ("result", "clean error", "hang", "other exception", "crash", "over 1 GB", "silent wrong", "injection")
CLEAN = ("result", "clean error")
CORPUS = ROOT / "examples" / "loss_corpus.toml"

# ---------------------------------------------------------------------------------------------
# The inputs
# ---------------------------------------------------------------------------------------------

PAYLOADS = [  # what an attacker types where a name goes
    r"^^5cinput{/etc/passwd}", r"\input{/etc/passwd}", r"\write18{id}", r"\immediate\write18{touch /tmp/pwn}",
    r"\openout1=pwn", "%", "#1", "~", "a%b", "a#b", "a~b", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "![x](javascript:alert(1))", "[a](http://evil)", "\x1b]0;owned\x07", "\x1b[2J", "\x1b[31mred", "a\x00b", "a\rb",
    "a\nb", "a\x08b", "\u202eab", "\x7f", "$$", r"\end{align}\input{x}", r"}\input{x}{", "\\\\", "&", "{", "}",
    r"\catcode`\^=7", r"\def\x{y}", r"\csname input\endcsname", "^^J", "^^M", "é", "ℓ", "x²", "𝑥", "\u200bx",
]
PLACES = [  # where a name enters: {} is the payload
    (r"\mathrm{{{}}} x", "x"), (r"\hat{{{}}} x", "x"), (r"x_{{{}}}", "x_{{{}}}"), (r"\sum_{{i=1}}^{{N}} {}_{{i}}", "x"),
    (r"\sum_{{{}=1}}^{{N}} x_{{{}}}", "x_{{j}}"), (r"\operatorname{{{}}}(x)", "x"), (r"\text{{{}}} x^2", "x"),
    (r"L_{{{}}} = x^2", "x"), (r"\mathrm{{{}}} = x^2", "x"), (r"{} x^2", "x"), (r"x^2", "{}"), (r"x^2", "x_{{{}}}"),
    (r"x^2", r"\hat{{{}}}"), (r"\sum_{{i=1}}^{{N}} \hat{{{}}}_{{i}}", r"\hat{{{}}}_{{j}}"), (r"\bar{{{}}}^2", r"\bar{{{}}}"),
]
MALFORMED = [
    r"\frac{x}", r"\frac{x}{", r"}{x", r"x^", r"x_", r"\sum_{", r"\sum_{i=1}^", r"\left( x", r"x \right)", r"$x$",
    r"\begin{align} x \end{align}", r"x \\ y", r"x & y", r"#", r"%", r"~x", r"\\", r"{}", r"()", r"\log", r"\frac{}{}",
    r"x^{}", r"x_{}", r"\sqrt[3]{x}", r"\sqrt[]{x}", r"x^^2", r"x__2", r"\sum\sum x", r"\log\log", r"((x)", r"(x))",
    r"\lbrack x", r"x \rbrack", r"\left[ x \right)", r"\frac12", r"\frac{1}{2}{3}", r"x'", r"x''", r"\dot{x}",
    r"\int_0^1 x dx", r"\lim_{x \to 0} x", r"\partial x", r"\nabla x", r"x!", r"\binom{n}{k} x", r"x \pmod{2}",
    r"\mathbb{E}[x]", r"\|x\|", r"|x|", r"\max(x, 0)", r"\min(x, 1)", r"\lfloor x \rfloor", r"\sign(x)", r"x = y = z",
    r"x < y", r"x \leq 1", r"\{x\}", r"x, y", r"x; y", r"x : y", r"\;x\;", r"\quad x", r"x\,y", r"\!x", "", " ",
    r"\frac{\partial E}{\partial x}", r"\sum_{i=1}^{N}", r"\prod", r"e^", r"\exp", r"\sigma()", r"\operatorname{softmax}(z)",
]
UNKNOWN = [r"\foo x", r"\input{x}", r"\write18{x}", r"\def\x{y} x", r"\catcode x", r"\csname x\endcsname",
           r"\relax x", r"\expandafter x", r"\newcommand{\x}{y} x", r"\usepackage{x} x", r"\documentclass{x}",
           r"\special{x} x", r"\directlua{os.exit()} x", r"\mathrm{\input{x}} x", r"\operatorname{\write18{x}}(x)",
           r"\text{\input{x}}", r"\hat{\input{x}}", r"x_{\input{x}}", r"\verb|x|", r"\url{x}", r"\href{x}{y}",
           r"\mathcal{X} x", r"\mathbf{x}^2", r"\boldsymbol{x}^2", r"\vec{x}^2", r"\tilde{x}^2", r"\bar{x}^2",
           r"\overline{x}^2", r"\widehat{x}^2", r"\color{red} x", r"\textbf{x} x", r"\emph{x}"]
HUGE = ["1" * 29 + " x", "1" * 30 + " x", "1" * 31 + " x", "0." + "0" * 28 + "1 x", "0." + "0" * 40 + "1 x",
        r"10^{30} x", r"10^{100} x", r"10^{101} x", r"x^{100}", r"x^{101}", r"x^{-100}", r"x^{-101}", r"x^{0.5}",
        r"x^{1/3}", r"x^{\frac{1}{3}}", r"2^{x}", r"x^{1000000}", r"1e308 x", r"1.7976931348623157 \cdot 10^{308} x",
        r"\frac{x}{10^{30}}", r"10^{-30} x", r"e^{100} x", r"e^{1000} x", r"e^{-1000} x", r"\log(10^{30}) x",
        r"\exp(700) x", r"\exp(710 x)", r"(1 + x)^{99}", r"\sum_{i=1}^{100} x_{i}", r"\sum_{i=1}^{101} x_{i}",
        r"\sum_{i=1}^{1000} x_{i}", r"\sum_{i=1}^{1001} x_{i}", r"\prod_{i=1}^{100} x_{i}", r"x_{1000000}",
        r"x_{99999999999999999999}", r"\sum_{i=1}^{10^{3}} x_{i}", r"99999999999999999999.5 x", r"0.5^{100} x"]
TOWERS = [r"x^{x^{x}}", r"2^{2^{x}}", r"e^{x^{2^{3}}}", r"x^{y^{z^{w}}}", r"e^{e^{x}}", r"e^{e^{e^{x}}}",
          r"\exp(\exp(x))", r"x^{x^{2}}", r"(x^{x})^{x}", r"x^{(x^{x})}", r"{x^{x}}^{x}", r"\sigma(\sigma(\sigma(x)))",
          r"2^{3^{4}} x", r"x^{2^{3}}", r"x^{10^{2}}", r"e^{x^{x}}", r"\log(x^{x^{x}})", r"x^{\log x}", r"x^{e^{x}}",
          r"\sqrt{x^{x^{x}}}", r"x^{y^{x}} + y^{x^{y}}", r"(x+1)^{(x+1)^{(x+1)}}"]
RANGES = [r"\sum_{i=1}^{0} x_{i}", r"\sum_{i=2}^{1} x_{i}", r"\sum_{i=1}^{1} x_{i}", r"\sum_{k=5}^{3} y_{k}",
          r"\sum_{i=1}^{N} x_{1}", r"\prod_{i=1}^{0} x_{i}", r"\sum_{i=0}^{N} x_{i}", r"\sum_{i=-3}^{3} x_{i}",
          r"\sum_{i=1}^{-1} x_{i}", r"\prod_{i=1}^{1} x_{i}", r"\sum_{i=1}^{N} 1", r"\sum_{i=1}^{N} x", r"\sum_{i=3}^{3} x_{i}",
          r"\sum_{i=1}^{1} \sum_{k=1}^{1} t_{ik} \log y_{ik}", r"\sum_{i=N}^{N} x_{i}", r"\sum_{i=1}^{K} x_{i} - \sum_{i=1}^{N} x_{i}",
          r"\sum_{i=2}^{N} (x_{i} - x_{1})^2", r"\sum_{k=1}^{2} y_{k}^{2}", r"\sum_{i=K}^{N} x_{i}", r"\sum_{i=1}^{N-1} x_{i}",
          r"\sum_{i=1}^{2N} x_{i}", r"\sum_{i=1}^{N^{2}} x_{i}", r"\sum_{i=1}^{\infty} x_{i}", r"\sum_{i=1}^{x} x_{i}",
          r"\sum_{i=1}^{1.5} x_{i}", r"\sum_{i}^{} x_{i}", r"\sum x_{i}", r"\sum_{i=1} x_{i}", r"\sum^{N} x_{i}"]
NESTED = [r"\sum_{i=1}^{N} \sum_{j=1}^{N} \sum_{k=1}^{K} x_{ijk}", r"\sum_i \sum_j \sum_k \sum_l x_{ijkl}",
          r"\sum_{i=1}^{N}\sum_{j=1}^{M}\sum_{k=1}^{K} w_{jk} x_{ij} y_{ik}", r"\sum_i \sum_j \sum_k (x_{ij} - x_{jk})^2",
          r"\sum_{a=1}^{A} \sum_{b=1}^{B} \sum_{c=1}^{C} \log(1 + x_{ab} x_{bc})", r"\sum_i \sum_k \sum_m y_{ik} y_{im}",
          r"\sum_i \sum_j \sum_k \sum_l \sum_m x_{i}", r"\log \sum_i \sum_j \sum_k e^{x_{ijk}}",
          r"\sum_{i=1}^{N} \sum_{k=1}^{K} \sum_{m=1}^{K} t_{ik} \log \frac{e^{z_{ik}}}{e^{z_{im}}}",
          r"\sum_{i=1}^{3} \sum_{j=1}^{3} \sum_{k=1}^{3} x_{ijk}^{2}", r"\sum_i \prod_j \sum_k x_{ijk}",
          r"\prod_i \prod_j \prod_k x_{ijk}", r"\sum_i \sum_i x_{i}", r"\sum_i \sum_j \sum_k x_{iii}"]
PRODUCTS = [r"\prod_{k=1}^{K} y_{k}^{t_{k}}", r"-\log \prod_{i=1}^{N} y_{i}", r"-\log \prod_{i=1}^{N} \prod_{k=1}^{K} y_{ik}^{t_{ik}}",
            r"\prod_{i=1}^{N} (1 + x_{i})", r"\prod_{i=1}^{N} \sum_{k=1}^{K} y_{ik}", r"\prod_{i=1}^{N} x_{i}^{2}",
            r"\log \prod_{i=1}^{N} \sigma(z_{i})^{t_{i}} (1-\sigma(z_{i}))^{1-t_{i}}", r"\prod_k x_k \prod_k y_k",
            r"\prod_{i=1}^{N} e^{x_{i}}", r"\prod_{i=1}^{3} x_{i}", r"\frac{1}{\prod_{i=1}^{N} x_{i}}", r"\prod_{k=1}^{K} y_{k}"]
COLLIDING = [  # the model's names (y, t, z, N, K, i, k) as indices and as variables
    (r"\sum_{N=1}^{K} x_{N}", "x_{j}"), (r"\sum_{y=1}^{K} x_{y}", "x_{j}"), (r"\sum_{i=1}^{i} x_{i}", "x_{j}"),
    (r"\sum_{k=1}^{K} k x_{k}", "x_{j}"), (r"y_{y}", "y"), (r"t_{t} x", "x"), (r"N x^2", "N"), (r"K x^2", "K"),
    (r"x^2 + i", "i"), (r"\sum_{k=1}^{K} t_{k} \log y_{k}", "t_{k}"), (r"\sum_{k=1}^{K} t_{k} \log y_{k}", "k"),
    (r"\sum_{t=1}^{T} y_{t}", "y_{j}"), (r"x_{N} + x_{K}", "x_{N}"), (r"\sum_{K=1}^{N} z_{K}", "z_{j}"), (r"e x", "e"),
    (r"\pi x", r"\pi"), (r"E = x^2", "E"), (r"L = L^2", "L"), (r"y \log y", "y"), (r"z_{i} z_{k}", "z_{i}"),
    (r"\sum_{i=1}^{N} y_{i} t", "t"), (r"\sum_{i=1}^{N} y_{i} i", "y_{j}"), (r"k \log k", "k"), (r"i^2", "i"),
    (r"\sum_{j=1}^{N} x_{j}", "x_{j}"), (r"\sum_{j=1}^{N} x_{j}^2", "j"), (r"\sum_{k=1}^{K} y_{k}", "y_{k}"),
    (r"y_{ik} t_{ik}", "y_{ik}"), (r"y_{ii}", "y_{ij}"), (r"\sum_{i=1}^{N} \sum_{i=1}^{N} y_{i}", "y_{j}"),
    (r"\sum_{k=1}^{K} y_{k} + y", "y"), (r"\sum_{k=1}^{K} y_{k} + y", "y_{j}"), (r"z + \sum_{k=1}^{K} z_{k}", "z"),
    (r"N \sum_{i=1}^{N} x_{i}", "x_{N}"), (r"\sum_{i=1}^{N} x_{i}", "x_{0}"), (r"\sum_{i=1}^{N} x_{i}", "x_{-1}"),
    (r"\sum_{i=1}^{N} x_{i}", "x_{N+1}"), (r"\sum_{i=1}^{3} x_{i}", "x_{4}"), (r"\sum_{i=1}^{3} x_{i}", "x_{3}"),
    (r"\sigma = \sigma^2", r"\sigma"), (r"\sigma(x) + \sigma", r"\sigma"), (r"\log y", "\\log"), (r"x^2", "2"),
    (r"x^2", ""), (r"x^2", " "), (r"x^2", "x y"), (r"x^2", "x_{j}_{k}"), (r"x^2", "x^2"), (r"x^2", r"\frac{x}{1}"),
]
UNICODE = ["α x", "x²", "√x", "∑_{i=1}^{N} x_{i}", "−x^2", "ｘ^2", r"\alpha_{é}", "y_{ķ}", "x + 😀", "x\u200d^2",
           "x\u0301^2", "x\u202e^2", "\ufeffx^2", "x\u00a0+ y", "x\u2009+ y", r"\mathrm{é} x", "ɑ x", "x\u2028y",
           "x\u0085y", r"\text{日本} x", "x ＋ y", "\U0001d465^2", "x\udcff", "ß x", "ǅ x", "x⁰", "½ x"]
CONTROL = ["x\x00", "x\x1b[31m^2", "x^2\r", "x\x08^2", "x\x7f", "\u202ex^2", "x\n+ y", "x\t+ y", "x\x0c", "x\x0b",
           "\x1b]0;t\x07x", "x\x9b", "\x00", "x\x1a", "x\x04", "x^2\x1b"]
ASIDE_WRT = ["x", "y", "p", "s", "t", "z_{j}", "y_{j}", "x_{j}", "w_{j}", "y_{ik}", r"\theta", "x_{1}"]
API_TYPES = [(None, "x"), (b"x^2", "x"), (3, "x"), (["x^2"], "x"), ("x^2", None), ("x^2", 3), ("x^2", b"x"),
             ("x^2", ["x", "x", "x", "x", "x"]), ("x^2", []), ("x^2", {}), ("x" * 2001, "x"), ("x+" * 1000 + "x", "x"),
             ("x^2", "x" * 3000), (3.5, "x"), ("x^2", float("nan"))]


def _corpus() -> list[tuple[str, str]]:
    return [(e["latex"], e["wrt"]) for e in tomllib.loads(CORPUS.read_text(encoding="utf-8"))["loss"]]


def latex_inputs(rng: random.Random, mutations: int) -> list[tuple[str, object, str]]:
    """(latex, wrt, family): every hand-made hostile form, payloads in every place, then mutations
    of the corpus's losses (tests/fuzz_losses.py's)."""
    from fuzz_losses import HOSTILE, _mutated, _variable_in

    cases = []
    cases += [(latex, _variable_in(latex, rng), "fuzz hostile") for latex in HOSTILE]
    cases += [(latex, rng.choice(["x", "x_{j}", "y"]), "malformed") for latex in MALFORMED]
    cases += [(latex, "x", "unknown command") for latex in UNKNOWN]
    cases += [(latex, "x_{j}" if "x_{i}" in latex else "x", "huge number") for latex in HUGE]
    depth = [("(" * n + "x" + ")" * n, "deep nesting") for n in (29, 30, 31, 60, 500)]
    depth += [("{" * n + "x" + "}" * n, "deep nesting") for n in (29, 31, 200)]
    depth += [(r"\frac{1}{" * n + "x" + "}" * n, "deep nesting") for n in (5, 16, 40)]
    depth += [(r"\sqrt{" * n + "x" + "}" * n, "deep nesting") for n in (4, 12, 35)]
    depth += [(r"\log(" * n + "x" + ")" * n, "deep nesting") for n in (5, 6, 25)]
    depth += [(r"\sigma(" * n + "x" + ")" * n, "deep nesting") for n in (5, 6)]
    depth += [(r"\tanh(" * n + "x" + ")" * n, "deep nesting") for n in (3, 7)]
    depth += [("x^{" * n + "2" + "}" * n, "deep nesting") for n in (3, 10, 40)]
    depth += [("x_{" * n + "i" + "}" * n, "deep nesting") for n in (2, 10)]
    depth += [(r"\left(" * n + "x" + r"\right)" * n, "deep nesting") for n in (10, 31)]
    depth += [("1+" * n + "x", "deep nesting") for n in (100, 600)]
    depth += [("x" + "^2" * n, "deep nesting") for n in (2, 20)]
    cases += [(latex, "x", family) for latex, family in depth]
    cases += [(latex, "x", "tower") for latex in TOWERS]
    cases += [(latex, "x_{j}" if "x_" in latex else "y_{j}", "ranges") for latex in RANGES]
    cases += [(latex, rng.choice(["x_{abc}", "x_{j}", "w_{j}", "z_{j}", "y_{j}"]), "nested sums") for latex in NESTED]
    cases += [(latex, rng.choice(["y_{j}", "x_{j}", "z_{j}"]), "products") for latex in PRODUCTS]
    cases += [(latex, wrt, "colliding names") for latex, wrt in COLLIDING]
    cases += [(latex, "x", "unicode") for latex in UNICODE]
    cases += [(latex, "x", "control characters") for latex in CONTROL]
    cases += [("x^2", wrt, "control characters") for wrt in ["x\x1b", "x\x00", "\u202ex", "x\n", "x\r"]]
    for payload in PAYLOADS:
        for template, wrt in PLACES:
            cases.append((template.format(payload, payload), wrt.format(payload), "injection"))
    cases += [(latex, wrt, "API types") for latex, wrt in API_TYPES]
    corpus = _corpus()
    cases += [(latex, wrt, "corpus") for latex, wrt in corpus]
    for _ in range(mutations):
        latex, wrt = rng.choice(corpus)
        for _ in range(rng.randint(1, 4)):
            latex = _mutated(latex, rng)
            if rng.random() < 0.1:  # a payload in place of a name
                names = list(re.finditer(r"(?<![\\A-Za-z])[a-z](?![a-z])", latex))
                if names:
                    match = rng.choice(names)
                    latex = latex[:match.start()] + rng.choice(PAYLOADS) + latex[match.end():]
        cases.append((latex, wrt if rng.random() < 0.7 else rng.choice(ASIDE_WRT), "corpus mutation"))
    return cases


def cli_latex_inputs(rng: random.Random, latex_cases: list, count: int) -> list[dict]:
    """A sample of the LaTeX inputs through ``derive grad``, in every format."""
    # No argument of a process can hold NUL (the system's argv is C strings): those stay API inputs.
    strings = [(latex, wrt, family) for latex, wrt, family in latex_cases
               if isinstance(latex, str) and isinstance(wrt, str) and "\x00" not in latex + wrt]
    picked = [c for c in strings if c[2] in ("injection", "control characters", "unicode")]
    picked = rng.sample(picked, min(len(picked), count // 2))
    others = [c for c in strings if c not in picked]
    picked += rng.sample(others, count - len(picked))
    cases = []
    for latex, wrt, family in picked:
        argv = ["grad", latex, "--wrt", wrt, "--format", rng.choice(["text", "json", "latex", "markdown"])]
        if rng.random() < 0.2:
            argv += ["--detail", "full"]
        if rng.random() < 0.1:
            argv += ["--lang", "ja"]
        if rng.random() < 0.1:
            argv += ["--tags", rng.choice(["sequential", "none"])]
        cases.append({"kind": "cli", "argv": argv, "family": family, "expect": "derive"})
    return cases


def array_inputs(rng: random.Random, count: int) -> list[dict]:
    """Specifications of kernel calls (the arrays are made from them on both sides, by
    :func:`make_arrays`): a valid call under stress (huge, tiny, tied logits, any memory layout,
    PyTorch's options, (N, C, d...) shapes), then in most cases one to three of its fields made hostile."""
    kernels = ["ce-softmax"] * 5 + ["bce-sigmoid"] * 3 + ["ce"] * 2 + ["bce"] * 2 + ["user-mse", "user-lse"] * 2
    hostile = {
        "n": [0], "k": [0, 1],
        "dtype": ["float16", "int64", "object", "bool", "complex128", "uint64", "str", "list"],
        "targets": ["labels-uint64", "labels-int32", "labels-uint8", "labels-float", "labels-bool", "labels-list-huge",
                    "labels-2**63", "labels-negative", "labels-out-of-range", "labels-minus-100", "labels-object",
                    "probabilities-unnormalised", "probabilities-negative", "probabilities-nan", "probabilities-float32",
                    "wrong-shape", "scalar", "none", "labels-2d"],
        "values": ["nan", "inf", "-inf", "max", "probabilities-edge"],
        "shape": ["1d", "0d", "extra-axis", "empty-classes", "3d", "4d"],
        "reduction": ["MEAN", "avg", None, "none"],
        "out": ["aliased-x", "wrong-dtype", "readonly", "wrong-shape"],
        "check": [False],
        "options": ["weight-bad", "ignore_index-bad", "label_smoothing-bad", "pos_weight-bad", "unknown"],
    }
    cases = []
    for _ in range(count):
        kernel = rng.choice(kernels)
        binary, user, logits = kernel.startswith("bce"), kernel.startswith("user"), kernel in ("ce-softmax", "bce-sigmoid")
        spec = {"kind": "array", "kernel": kernel, "seed": rng.randrange(2 ** 31),
                "call": rng.choice(["loss_and_grad"] * 3 + ["loss", "grad"]),
                "n": rng.choice([1, 2, 3, 7, 50, 70000] if user else [1, 2, 3, 5, 17, 64, 130, 7000, 2100]),
                "k": None if user or (binary and rng.random() < 0.6) else rng.choice([2, 3, 5, 10, 33] if not binary else [1, 3, 4]),
                "dtype": rng.choice(["float64"] * 3 + ["float32"]),
                "targets": "probabilities" if binary else rng.choice(["labels", "labels", "probabilities"]),
                "values": rng.choice(["normal"] * 4 + (["huge", "huge-mixed", "1e17"] if logits else []) +
                                     ["tiny", "subnormal", "zeros", "ties"]),
                "layout": rng.choice(["c"] * 4 + ["strided", "fortran", "readonly", "reversed", "broadcast-zero-stride"]),
                "shape": rng.choice(["plain"] * 4 + (["3d", "4d"] if logits else [])),
                "reduction": rng.choice(["mean", "mean", "sum", "none"]), "check": True,
                "out": rng.choice([None] * 3 + ["fresh"]), "options": {}}
        if kernel == "bce":
            spec["k"] = None
        if kernel == "ce-softmax" and rng.random() < 0.5:
            spec["options"] = {name: value for name, value in (
                ("weight", rng.choice(["ones", "random", "int", "list"])), ("ignore_index", rng.choice([-100, 0, 1, -1])),
                ("label_smoothing", rng.choice([0.0, 0.1, 0.5, 1.0]))) if rng.random() < 0.6}
        if kernel == "bce-sigmoid" and rng.random() < 0.5:
            spec["options"] = {name: value for name, value in (
                ("pos_weight", rng.choice(["ones", "random", "per-entry", "int"])),
                ("weight", rng.choice(["ones", "random", "per-entry", "zeros", "row"]))) if rng.random() < 0.6}
        if rng.random() < 0.6:
            for field in rng.sample(sorted(hostile), rng.randint(1, 3)):
                value = rng.choice(hostile[field])
                if field == "options":
                    name, _, how = value.partition("-")
                    bad = {"weight": ["nan", "negative", "wrong-length", "zeros"], "ignore_index": [2 ** 63, -(2 ** 63) - 1, 3.0, True, "x", None],
                           "label_smoothing": [-0.1, 1.5, float("nan"), "0.1", None], "pos_weight": ["wrong-length", "nan", "negative"]}
                    if name == "unknown":
                        spec["options"] = {**spec["options"], rng.choice(["bogus", "Weight", "reduction_"]): 1}
                    else:
                        spec["options"] = {**spec["options"], name: rng.choice(bad[name])}
                else:
                    spec[field] = value
        cases.append(spec)
    return cases


def cache_inputs(rng: random.Random) -> list[dict]:
    """Cache directories (Derive's and Numba's) of every wrong kind, and cache entries replaced by
    what a cache entry must not be; each in a fresh process."""
    places = ["file", "symlink-to-dir", "symlink-to-file", "world-writable", "other-uid", "read-only", "nonexistent",
              "under-a-file", "empty", "relative", "dev-null", "proc", "fifo", "control-chars", "very-long",
              "symlink-loop", "group-writable", "sticky-world"]
    entries = ["fifo", "directory", "dev-zero", "truncated", "garbage", "wrong-hash", "empty", "huge", "symlink-out",
               "symlink-loop", "no-header", "planted", "swapped", "binary", "socket"]
    targets = ["module", "nbi", "nbc", "pycache"]
    cases = []
    for place in places:
        for variable in ("DERIVE_CACHE_DIR", "NUMBA_CACHE_DIR", "XDG_CACHE_HOME"):
            cases.append({"kind": "cache", "dir": {variable: place}, "kernel": rng.choice(["bce", "bce-sigmoid"])})
    for target in targets:
        for entry in entries:
            if target == "pycache" and entry not in ("fifo", "dev-zero", "garbage", "symlink-out", "empty"):
                continue
            cases.append({"kind": "cache", "entry": entry, "target": target, "kernel": "bce",
                          "numba_dir": target != "module" and rng.random() < 0.5})
    for _ in range(20):  # both at once
        cases.append({"kind": "cache", "dir": {rng.choice(["DERIVE_CACHE_DIR", "NUMBA_CACHE_DIR"]): rng.choice(places)},
                      "entry": rng.choice(entries), "target": rng.choice(["module", "nbi", "nbc"]), "kernel": "bce"})
    return cases


THREAD_LOSSES = [("x^3 + \\log x", "x"), (r"-t \log p - (1-t)\log(1-p)", "p"), (r"\frac{1}{N}\sum_{i=1}^{N} (y_i - t_i)^2", "y_{j}"),
                 (r"-\sum_{k=1}^{K} t_{k} \log y_{k}", "y_{j}"), (r"\log(1 + e^{-x})", "x"), (r"\sigma(x)^2", "x"),
                 (r"\frac{(x-m)^2}{2 s^2} + \log s", "s"), (r"\tanh x", "x")]


def thread_inputs(rng: random.Random, count: int) -> list[dict]:
    cases = []
    for _ in range(count):
        jobs = []
        for _ in range(rng.randint(2, 5)):
            kind = rng.choice(["gradient", "gradient", "kernel", "kernel-big", "user-kernel", "hostile-gradient"])
            jobs.append({"job": kind, "loss": rng.randrange(len(THREAD_LOSSES)), "seed": rng.randrange(2 ** 31),
                         "kernel": rng.choice(["ce-softmax", "bce-sigmoid", "ce", "bce"])})
        cases.append({"kind": "threads", "jobs": jobs, "runner": rng.choice(["thread", "pool", "pool-map"]),
                      "alarm": rng.choice([None, 0.05, 0.3, 1.0, "raise"]), "repeat": rng.randint(1, 2)})
    return cases


def cli_edge_inputs(rng: random.Random) -> list[dict]:
    """The CLI at its edges: closed, full and early-closed stdout; -o to places it cannot write; bad
    options; control characters in arguments."""
    def case(argv, expect="error", **extra):
        return {"kind": "cli", "argv": argv, "expect": expect, "family": extra.pop("family", "edge"), **extra}

    cases = []
    for argv in (["list"], ["show", "bce"], ["ce", "--one-sample"], ["rules"], ["list", "--format", "json"],
                 ["grad", "x^2", "--wrt", "x"], ["--version"], ["show", "bce", "--format", "latex"]):
        cases.append(case(argv, stdout="closed", family="closed stdout"))
        cases.append(case(argv, stdout="/dev/full", family="full stdout"))
        cases.append(case(argv, stdout="head", expect="quiet", family="| head"))
        cases.append(case(argv, stdout="closed-stderr-too", expect="code 2", family="closed stdout and stderr"))
    for output in ("dir", "missing-dir", "proc", "dev-full", "sys", "file-as-dir", "empty", "dir-slash"):
        for extra in ([], ["--html"], ["--pdf"], ["--lang", "ja"]):
            cases.append(case(["notes", "-o", output, *extra], family="-o unwritable"))
    bad = [["bogus"], ["show"], ["show", "no-such"], ["grad"], ["grad", "x^2"], ["grad", "x^2", "--wrt"],
           ["grad", "x^2", "--wrt", "x", "--order", "0"], ["grad", "x^2", "--wrt", "x", "--order", "5"],
           ["grad", "x^2", "--wrt", "x", "--order", "abc"], ["grad", "x^2", "--wrt", "x", "--order", "-1"],
           ["grad", "x^2", "--wrt", "x", "--order", "2", "--compile"], ["grad", "x^2", "--wrt", "x", "--wrt", "y"],
           ["grad", "x^2", "--wrt", "x", "--format", "pdf"], ["grad", "x^2", "--wrt", "x", "--lang", "fr"],
           ["list", "--format", "latex"], ["check", "--samples", "0"], ["check", "--classes", "1000"],
           ["check", "--samples", "x"], ["ce", "--one-sample", "--gradient"], ["bce", "--from", "bernoulli", "--link", "sigmoid"],
           ["bce", "--from", "nowhere"], ["ce", "--link", "sigmoid"], ["--format", "json"], ["show", "bce", "--detail", "none"],
           ["show", "bce", "--tags", "all"], ["notes", "--pdf", "--html"], ["notes", "-o"], ["list", "extra"],
           ["show", "bce", "bce"], ["--bogus"], ["-x"], ["--"], ["grad", "--", "-x^2", "--wrt", "x"], ["show", ""],
           ["grad", "", "--wrt", "x"], ["grad", "x^2", "--wrt", ""], ["show", "-"], ["rules", "--prove", "--format", "text", "--lang", "xx"]]
    cases += [case(argv, family="bad options") for argv in bad]
    controls = ["\x1b[31m", "\x1b]0;t\x07", "\r", "\n", "\x08", "\u202e", "\x7f", "\x9b", "\udcff", "\x01"]
    for ch in controls:
        for argv in (["show", f"bce{ch}"], ["grad", f"x^2{ch}", "--wrt", "x"], ["grad", "x^2", "--wrt", f"x{ch}"],
                     [f"li{ch}st"], ["show", "bce", "--format", f"te{ch}xt"], ["notes", "-o", f"/nonexistent{ch}/x.tex"]):
            cases.append(case(argv, family="control characters", expect="any"))
    cases.append(case(["show", "bce"], env={"PYTHONIOENCODING": "ascii"}, expect="derive", family="encoding"))
    cases.append(case(["show", "bce", "--lang", "ja"], env={"PYTHONIOENCODING": "cp1252"}, expect="error", family="encoding"))
    cases.append(case(["grad", "\\alpha^2", "--wrt", "\\alpha"], env={"PYTHONIOENCODING": "ascii"}, expect="derive", family="encoding"))
    cases.append(case(["list"], stdin="closed", expect="derive", family="closed stdin"))
    return cases


def all_inputs(seed: int, scale: float, only: set | None) -> list[dict]:
    rng = random.Random(seed)
    latex = latex_inputs(rng, int(690 * scale))
    cases = [{"category": "latex", "kind": "latex", "latex": l, "wrt": w, "family": f, "seed": rng.randrange(2 ** 31)}
             for l, w, f in latex]
    cases += [{"category": "latex-cli", **c} for c in cli_latex_inputs(rng, latex, int(200 * scale))]
    cases += [{"category": "arrays", **c} for c in array_inputs(rng, int(600 * scale))]
    cases += [{"category": "caches", **c} for c in cache_inputs(rng)][:max(1, int(160 * scale))]
    cases += [{"category": "threads", **c} for c in thread_inputs(rng, int(50 * scale))]
    cases += [{"category": "cli", **c} for c in cli_edge_inputs(rng)]
    for number, case in enumerate(cases):
        case["id"] = number
    return [c for c in cases if only is None or c["category"] in only]


# ---------------------------------------------------------------------------------------------
# Arrays: made from their specification, the same on both sides
# ---------------------------------------------------------------------------------------------

def make_arrays(spec: dict):
    """(kwargs or (X, T), options, out): the arrays of an array case."""
    import numpy as np

    rng = np.random.default_rng(spec["seed"])
    n = spec["n"]
    if spec["kernel"].startswith("user"):
        return _user_arrays(spec, rng, n)
    binary = spec["kernel"].startswith("bce")
    probabilities = spec["kernel"] in ("ce", "bce")
    k = spec.get("k")
    shape = (n,) if binary and k is None else (n, k if k is not None else 3)
    extra = {"3d": (3,), "4d": (2, 2)}.get(spec["shape"], ())
    if spec["shape"] in ("3d", "4d") and not probabilities:
        shape = (shape[0], shape[1] if len(shape) > 1 else 2) + extra
    elif spec["shape"] == "1d":
        shape = (n,)
    elif spec["shape"] == "0d":
        shape = ()
    elif spec["shape"] == "extra-axis":
        shape = shape + (1,)
    elif spec["shape"] == "empty-classes":
        shape = (n, 0) if len(shape) > 1 else (0,)
    X = _values(spec["values"], shape, rng, probabilities, binary)
    classes = shape[1] if len(shape) > 1 and not binary else None
    T = _targets(spec["targets"], shape, classes, rng, binary, probabilities)
    X = _dtype(X, spec["dtype"])
    X = _layout(X, spec["layout"])
    options = _options(spec.get("options", {}), shape, rng, binary)
    out = spec.get("out")
    if out == "fresh":
        out = np.empty(np.shape(X), dtype=getattr(X, "dtype", np.float64))
    elif out == "aliased-x":
        out = X
    elif out == "wrong-dtype":
        out = np.empty(np.shape(X), dtype=np.float16)
    elif out == "readonly":
        out = np.empty(np.shape(X), dtype=getattr(X, "dtype", np.float64))
        out.flags.writeable = False
    elif out == "wrong-shape":
        out = np.empty((np.size(X) + 1,))
    return (X, T), options, out


def _values(kind: str, shape: tuple, rng, probabilities: bool, binary: bool):
    import numpy as np

    if probabilities:
        if binary:
            X = rng.uniform(0.02, 0.98, size=shape)
        else:
            X = rng.dirichlet(np.ones(shape[1]), size=shape[0]) if len(shape) == 2 and shape[1] > 0 and shape[0] > 0 \
                else rng.uniform(0.1, 0.9, size=shape)
            X = np.clip(X, 1e-3, None) if X.size else X
            if X.ndim == 2 and X.size:
                X = X / X.sum(axis=1, keepdims=True)
        if kind == "probabilities-edge" and X.size:
            X.flat[rng.integers(X.size)] = rng.choice([0.0, 1.0, 1e-300, 1 - 1e-16])
    else:
        X = rng.normal(size=shape) * 3
    if not X.size:
        return X
    flat = X.reshape(-1)
    where = rng.integers(flat.size)
    if kind == "huge":
        X = X * 1e299
    elif kind == "huge-mixed":
        X = np.where(rng.uniform(size=shape) < 0.5, 1e300, -1e300) * (1 + 0 * X)
    elif kind == "nan":
        flat[where] = np.nan
    elif kind == "inf":
        flat[where] = np.inf
    elif kind == "-inf":
        flat[where] = -np.inf
    elif kind == "max":
        flat[where] = np.finfo(np.float64).max
    elif kind == "tiny":
        X = X * 1e-300
    elif kind == "subnormal":
        X = X * 5e-324
    elif kind == "zeros":
        X = np.zeros(shape)
    elif kind == "ties":
        X = np.ones(shape) * 7.0
    elif kind == "1e17":
        X = np.full(shape, 1e17) + rng.integers(0, 3, size=shape) * 16.0
    return X


def _targets(kind: str, shape: tuple, classes, rng, binary: bool, probabilities: bool):
    import numpy as np

    n = shape[0] if shape else 1
    positions = (shape[0],) + shape[2:] if len(shape) > 2 else (n,)
    if not shape:
        shape = (1,) if binary else (1, 1)
    if binary:
        base = rng.uniform(0, 1, size=shape) if rng.uniform() < 0.5 else rng.integers(0, 2, size=shape).astype(float)
        table = {"labels-bool": base > 0.5, "probabilities-negative": base - 0.5, "probabilities-nan": np.where(base > 0.9, np.nan, base),
                 "probabilities-float32": base.astype(np.float32), "wrong-shape": base[..., None], "scalar": np.float64(0.5),
                 "none": None, "labels-list-huge": [2 ** 64] * n, "labels-object": np.array([object()] * n, dtype=object),
                 "labels-uint64": (base > 0.5).astype(np.uint64), "labels-int32": (base > 0.5).astype(np.int32)}
        return table.get(kind, base)
    K = classes if classes else 1
    labels = rng.integers(0, max(K, 1), size=positions)
    if kind.startswith("probabilities"):
        full = (shape[0], K) + shape[2:]
        P = rng.dirichlet(np.ones(K), size=positions).reshape(positions + (K,)) if K > 0 and n > 0 else np.zeros(full)
        P = np.moveaxis(P, -1, 1) if len(shape) > 2 else P.reshape(full)
        if kind == "probabilities-unnormalised":
            P = P * 1.5
        elif kind == "probabilities-negative" and P.size:
            P.flat[0] = -0.25
        elif kind == "probabilities-nan" and P.size:
            P.flat[0] = np.nan
        elif kind == "probabilities-float32":
            P = P.astype(np.float32)
        return P
    table = {"labels-uint64": labels.astype(np.uint64), "labels-int32": labels.astype(np.int32),
             "labels-uint8": labels.astype(np.uint8), "labels-float": labels.astype(float), "labels-bool": labels > 0,
             "labels-list-huge": [2 ** 63] + labels.reshape(-1).tolist()[1:], "labels-2**63": np.array([2 ** 63] * labels.size, dtype=np.uint64),
             "labels-negative": labels - K - 3, "labels-out-of-range": labels + K, "labels-minus-100": np.where(labels == 0, -100, labels),
             "labels-object": np.array([int(v) for v in labels.reshape(-1)], dtype=object), "wrong-shape": labels.reshape(-1)[:-1] if labels.size else labels[None],
             "scalar": np.int64(0), "none": None, "labels-2d": labels.reshape(-1, 1)}
    return table.get(kind, labels)


def _dtype(X, kind: str):
    import numpy as np

    if kind in ("float64", "float32", "float16", "int64", "bool", "complex128", "uint64"):
        with np.errstate(all="ignore"):
            return X.astype(kind)
    if kind == "object":
        return X.astype(object)
    if kind == "str":
        return X.astype(str)
    if kind == "list":
        return X.tolist()
    return X


def _layout(X, kind: str):
    import numpy as np

    if not isinstance(X, np.ndarray) or X.ndim == 0:
        return X
    if kind == "strided":
        big = np.zeros(X.shape[:-1] + (2 * X.shape[-1],), dtype=X.dtype)
        big[..., ::2] = X
        return big[..., ::2]
    if kind == "fortran":
        return np.asfortranarray(X)
    if kind == "readonly":
        X = X.copy()
        X.flags.writeable = False
        return X
    if kind == "reversed":
        return X[::-1][::-1]
    if kind == "broadcast-zero-stride" and X.size:
        return np.broadcast_to(X[:1], X.shape)
    return X


def _options(options: dict, shape: tuple, rng, binary: bool) -> dict:
    import numpy as np

    K = shape[1] if len(shape) > 1 else 1
    last = shape[-1] if shape else 1
    made = {}
    for name, value in options.items():
        if name in ("weight", "pos_weight") and isinstance(value, str):
            size = K if name == "weight" and not binary else last
            table = {"ones": np.ones(size), "random": rng.uniform(0.1, 3, size=size), "zeros": np.zeros(size),
                     "nan": np.full(size, np.nan), "negative": -np.ones(size), "wrong-length": np.ones(size + 1),
                     "int": np.arange(1, size + 1), "list": list(np.ones(size)), "per-entry": rng.uniform(0.1, 3, size=shape),
                     "row": rng.uniform(0.1, 3, size=(shape[0], 1) if len(shape) > 1 else shape)}
            made[name] = table[value]
        else:
            made[name] = value
    return made


def _user_arrays(spec: dict, rng, n: int):
    import numpy as np

    shape = {"3d": (n, 2, 2), "4d": (n, 1, 1, 1), "0d": (), "extra-axis": (n, 1), "empty-classes": (0,)}.get(spec["shape"], (n,))
    y = rng.uniform(0.05, 0.95, size=shape) if spec["kernel"] == "user-mse" else rng.normal(size=shape) * 3
    kind = spec["values"]
    if y.size:
        flat = y.reshape(-1)
        if kind in ("nan", "inf", "-inf"):
            flat[rng.integers(flat.size)] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[kind]
        elif kind == "huge":
            y = y * 1e299
        elif kind == "max":
            flat[0] = np.finfo(np.float64).max
        elif kind == "tiny":
            y = y * 1e-300
        elif kind == "zeros":
            y = np.zeros(shape)
    t = rng.uniform(0, 1, size=shape)
    if spec["kernel"] == "user-lse" and t.size:
        t = t / t.sum()
    if spec["targets"] == "wrong-shape":
        t = t[:-1] if t.ndim and t.size else np.zeros(3)
    elif spec["targets"] == "none":
        t = None
    elif spec["targets"] == "labels-object":
        t = t.astype(object)
    y = _layout(_dtype(y, spec["dtype"]), spec["layout"])
    names = ("y", "t") if spec["kernel"] == "user-mse" else ("z", "t")
    values = {names[0]: y, names[1]: t}
    if spec["options"].get("bogus") is not None:
        values["bogus"] = 1
    return (values, None), {}, None


USER_KERNELS = {"user-mse": (r"\frac{1}{N}\sum_{i=1}^{N} (y_{i} - t_{i})^2", "y_{j}"),
                "user-lse": (r"\log \sum_{k=1}^{K} e^{z_{k}} - \sum_{k=1}^{K} t_{k} z_{k}", "z_{j}")}


# ---------------------------------------------------------------------------------------------
# The worker: runs one input at a time, says what came of it
# ---------------------------------------------------------------------------------------------

class Worker:
    def __init__(self, channel):
        self.channel = channel
        self.kernels = {}

    def send(self, message: dict) -> None:
        self.channel.write(json.dumps(message, default=str) + "\n")
        self.channel.flush()

    def warm(self) -> None:
        """What every input of its kind needs loaded before its clock starts: derive, SymPy, the
        kernels (from the warmed cache) and one call of each."""
        import numpy as np

        import derive
        from derive.kernels import load

        derive.gradient("x^2 + \\log x", "x")
        for name in ("ce-softmax", "bce-sigmoid", "ce", "bce"):
            self.kernels[name] = load(name)
        ce, bce = self.kernels["ce-softmax"], self.kernels["bce-sigmoid"]
        Z = np.random.default_rng(0).normal(size=(4, 3))
        for dtype in (np.float64, np.float32):
            ce.loss_and_grad(Z.astype(dtype), np.array([0, 1, 2, 0]))
            ce.loss_and_grad(Z.astype(dtype), np.array([0, 1, 2, 0]), weight=np.ones(3), label_smoothing=0.1)
            ce.loss_and_grad(Z.astype(dtype), np.full((4, 3), 1 / 3))
            bce.loss_and_grad(Z[:, 0].astype(dtype), np.array([0.0, 1, 0.5, 1]))
            bce.loss_and_grad(Z.astype(dtype), np.full((4, 3), 0.5), pos_weight=np.ones(3), reduction="none")
        for name, (latex, wrt) in USER_KERNELS.items():
            self.kernels[name] = derive.gradient(latex, wrt).compile()

    def run(self, case: dict) -> dict:
        handler = {"latex": self.latex, "array": self.array, "threads": self.threads,
                   "cli": lambda c: run_cli(c), "cache": lambda c: run_cache(c)}[case["kind"]]
        try:
            return handler(case)
        except MemoryError:
            return {"outcome": "over 1 GB", "message": "MemoryError", "restart": True}

    # --- LaTeX through derive.gradient ---
    def latex(self, case: dict) -> dict:
        import derive
        from derive.printing import render

        try:
            derivation = derive.gradient(case["latex"], case["wrt"])
            outputs = {f: render(f, [derivation], "en", "series", "blackboard") for f in ("text", "latex", "markdown", "json")}
        except MemoryError:
            raise
        except BaseException as error:  # noqa: BLE001 - what the campaign looks for
            outcome, message = classify(error, kernel=False)
            return {"outcome": outcome, "message": message}
        self.send({"phase": "derived"})  # the clock on derive stops here; the campaign's checks follow
        found = injected(outputs)
        if found:
            return {"outcome": "injection", "message": found}
        wrong = independent_check(derivation, random.Random(case["seed"]))
        if wrong:
            return {"outcome": "silent wrong", "message": wrong}
        return {"outcome": "result", "message": ""}

    # --- arrays into the kernels ---
    def array(self, case: dict) -> dict:
        import numpy as np

        (X, T), options, out = make_arrays(case)
        kernel = self.kernels[case["kernel"]]
        try:
            if case["kernel"].startswith("user"):
                values = X
                call = getattr(kernel, case["call"])
                result = call(**values)
            else:
                keywords = dict(options)
                if case["reduction"] is not None:
                    keywords["reduction"] = case["reduction"]
                if not case["check"]:
                    keywords["check"] = False
                if out is not None and case["call"] != "loss":
                    keywords["out"] = out
                result = getattr(kernel, case["call"])(X, T, **keywords)
        except MemoryError:
            raise
        except BaseException as error:  # noqa: BLE001
            outcome, message = classify(error, kernel=True)
            return {"outcome": outcome, "message": message}
        loss, grad = (result if case["call"] == "loss_and_grad" else
                      (result, None) if case["call"] == "loss" else (None, result))
        return {"outcome": "result", "message": "", "loss": _encode(loss), "grad": _encode(grad),
                "dtype": str(np.asarray(loss if loss is not None else grad).dtype),
                "out_is_grad": out is not None and grad is out}

    # --- threads ---
    def threads(self, case: dict) -> dict:
        from concurrent.futures import ThreadPoolExecutor

        jobs = [lambda job=job: self._job(job) for job in case["jobs"]]
        alone = [_outcome_of(job) for job in jobs]
        fired, problems = [], []

        def handler(signum, frame):
            fired.append(time.monotonic())
            if case["alarm"] == "raise":
                raise CallersAlarm("the caller's own alarm")
        previous = signal.signal(signal.SIGALRM, handler)
        together = [None] * len(jobs)
        raised = []

        def waiting(wait) -> None:
            """``wait()`` to its end; the caller's alarm may interrupt it (once): note it and wait on."""
            while True:
                try:
                    wait()
                    return
                except CallersAlarm as alarm:
                    raised.append(alarm)
        try:
            for round_number in range(case["repeat"]):
                together = [None] * len(jobs)
                finished = threading.Event()
                count = [0]
                count_lock = threading.Lock()

                def each(n, together=together, finished=finished, count=count, count_lock=count_lock):
                    try:
                        together[n] = _outcome_of(jobs[n])
                    finally:
                        with count_lock:
                            count[0] += 1
                            if count[0] == len(jobs):
                                finished.set()
                pool = None
                if case["runner"] == "thread":
                    for n in range(len(jobs)):
                        threading.Thread(target=each, args=(n,)).start()
                elif case["runner"] == "pool":
                    pool = ThreadPoolExecutor(max_workers=3)
                    for n in range(len(jobs)):
                        pool.submit(each, n)
                else:
                    pool = ThreadPoolExecutor(max_workers=2)
                    results = pool.map(each, range(len(jobs)))
                if case["alarm"] is not None and round_number == 0:  # set once the threads run: it fires during their work
                    signal.setitimer(signal.ITIMER_REAL, 0.05 if case["alarm"] == "raise" else case["alarm"])
                if case["runner"] == "pool-map":
                    waiting(lambda: list(results) and None)
                waiting(lambda: finished.wait(60) or None)
                if pool is not None:
                    waiting(lambda: pool.shutdown(wait=True))
                for n, (first, second) in enumerate(zip(alone, together)):
                    if first != second:
                        problems.append(f"job {n} ({case['jobs'][n]['job']}): alone {str(first)[:150]}, "
                                        f"in threads {str(second)[:150]}")
                if case["alarm"] is not None and round_number == 0:  # its alarm is this round's: due before the next starts
                    deadline = time.monotonic() + 2 + (case["alarm"] if isinstance(case["alarm"], float) else 0)
                    while not fired and time.monotonic() < deadline:
                        waiting(lambda: time.sleep(0.01))
            if signal.getsignal(signal.SIGALRM) is not handler:
                problems.append(f"the caller's SIGALRM handler was replaced by {signal.getsignal(signal.SIGALRM)!r}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if case["alarm"] is not None and len(fired) != 1:
            problems.append(f"the caller's alarm fired {len(fired)} times")
        if case["alarm"] == "raise" and len(raised) != 1:
            problems.append(f"the caller's exception reached it {len(raised)} times")
        kinds = {o[0] for o in alone + together if o}
        if problems:
            return {"outcome": "silent wrong", "message": "; ".join(problems)}
        bad = [o for o in alone + together if o and o[0] not in CLEAN]
        if bad:
            return {"outcome": bad[0][0], "message": bad[0][1]}
        return {"outcome": "result" if "result" in kinds else "clean error", "message": ""}

    def _job(self, job: dict):
        import numpy as np

        import derive

        if job["job"] == "gradient":
            latex, wrt = THREAD_LOSSES[job["loss"]]
            return str(derive.gradient(latex, wrt).result)
        if job["job"] == "hostile-gradient":
            latex, wrt = random.Random(job["seed"]).choice([(r"x^{x^{x^{x}}}", "x"), (r"\frac{x}{0}", "x"),
                                                           ("(" * 31 + "x" + ")" * 31, "x"), (r"\foo x", "x")])
            return str(derive.gradient(latex, wrt).result)
        rng = np.random.default_rng(job["seed"])
        if job["job"] == "user-kernel":
            y = rng.uniform(0.05, 0.95, size=40)
            loss, grad = self.kernels["user-mse"].loss_and_grad(y=y, t=rng.uniform(size=40))
            return (loss, grad.tobytes())
        name = job["kernel"]
        rows = 7000 if job["job"] == "kernel-big" else 37
        if name.startswith("ce"):
            X = rng.normal(size=(rows, 10)) * 4 if name == "ce-softmax" else rng.dirichlet(np.ones(10), size=rows)
            T = rng.integers(0, 10, size=rows)
        else:
            X = rng.normal(size=rows * 10) * 4 if name == "bce-sigmoid" else rng.uniform(0.01, 0.99, size=rows * 10)
            T = rng.uniform(size=rows * 10)
        loss, grad = self.kernels[name].loss_and_grad(X, T)
        return (float(loss), grad.tobytes())


class CallersAlarm(Exception):
    pass


def _outcome_of(job):
    try:
        return ("result", job())
    except MemoryError:
        raise
    except BaseException as error:  # noqa: BLE001
        return classify(error, kernel=True)


def _bytes_out(value):
    """bytes (an API input of the wrong type) through the JSON line to the worker."""
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _bytes_in(value: dict):
    return base64.b64decode(value["__bytes__"]) if set(value) == {"__bytes__"} else value


def _encode(value):
    import numpy as np

    if value is None:
        return None
    array = np.asarray(value)
    if array.dtype.kind not in "f":
        return {"type": type(value).__name__, "dtype": str(array.dtype), "repr": repr(value)[:200]}
    return {"shape": list(array.shape), "dtype": str(array.dtype),
            "data": base64.b64encode(np.ascontiguousarray(array, dtype=np.float64).tobytes()).decode()}


def _decode(value):
    import numpy as np

    if value is None or "data" not in value:
        return value
    return np.frombuffer(base64.b64decode(value["data"]), dtype=np.float64).reshape(value["shape"])


def classify(error: BaseException, kernel: bool) -> tuple[str, str]:
    """The outcome class of an exception, and its message."""
    from derive.errors import DeriveError

    message = f"{type(error).__name__}: {error}"[:400]
    if isinstance(error, MemoryError):
        return "over 1 GB", message
    raw = raw_controls(str(error))
    if raw:
        return "injection", f"the message holds {raw}: {message!r}"
    if isinstance(error, DeriveError):
        return "clean error", message
    if kernel and isinstance(error, (ValueError, TypeError)) and str(error).strip() and _raised_by_derive(error):
        return "clean error", message
    return "other exception", message


def _raised_by_derive(error: BaseException) -> bool:
    """Whether derive's own code raised it (the innermost frame of its traceback is in derive/):
    not NumPy's or Numba's message passed through."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and Path(frames[-1].filename).resolve().is_relative_to(ROOT / "derive")


# ---------------------------------------------------------------------------------------------
# Injection: a payload reaching an output format raw
# ---------------------------------------------------------------------------------------------

TEX_PRIMITIVES = re.compile(r"\\(input|include|write|openout|openin|read|immediate|catcode|def|edef|gdef|xdef|let|"
                            r"csname|special|directlua|usepackage|documentclass|makeatletter|newcommand|renewcommand|"
                            r"shipout|jobname|end\{document\}|lowercase|uppercase|scantokens|detokenize|string)(?![A-Za-z])")
MARKDOWN = re.compile(r"<\s*(script|img|iframe|svg|object|embed|a\s|style|link|meta)|javascript:|\]\(|on\w+\s*=", re.I)
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def raw_controls(text: str, allowed: str = "") -> str:
    """The first character of ``text`` a terminal acts on (control, bidi override, separator), as Python writes it."""
    for ch in text:
        if ch in allowed:
            continue
        if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in BIDI:
            return repr(ch)
    return ""


def injected(outputs: dict) -> str:
    """Where an output format carries a payload raw, in words; '' where none does."""
    latex = outputs.get("latex", "")
    found = []
    if "^^" in latex:
        found.append("LaTeX holds ^^")
    match = TEX_PRIMITIVES.search(latex)
    if match:
        found.append(f"LaTeX holds {match.group(0)}")
    for line in latex.splitlines():
        body = line[1:] if line.startswith("%") else line  # derive's own comment lines
        bad = re.search(r"(?<!\\)[%#~]", body)
        if bad:
            found.append(f"LaTeX holds an unescaped {bad.group(0)} in {line[:120]!r}")
            break
    for name in ("latex", "markdown", "json"):
        if raw_controls(outputs.get(name, ""), "\n"):
            found.append(f"{name} holds a raw control character")
    markdown = outputs.get("markdown", "")
    match = MARKDOWN.search(markdown)
    if match:
        found.append(f"Markdown holds {match.group(0)!r}")
    text = outputs.get("text", "")
    raw = raw_controls(text, "\n")
    if raw:
        found.append(f"text holds {raw}")
    return "; ".join(found)


# ---------------------------------------------------------------------------------------------
# A LaTeX gradient checked apart from derive: sympy.diff of the loss as derive read it
# ---------------------------------------------------------------------------------------------

def _empty_ranges_out(expr):
    """A sum whose concrete range runs backwards is empty, 0 (a product 1), as a reader takes it:
    SymPy's doit reads Sum(f, (k, 5, 3)) as -f(4) (Karr's convention)."""
    import sympy as sp

    def empty(node):
        return any(lo.is_Integer and hi.is_Integer and hi < lo for _, lo, hi in node.limits)
    return expr.replace(lambda e: isinstance(e, (sp.Sum, sp.Product)) and empty(e),
                        lambda e: sp.S.Zero if isinstance(e, sp.Sum) else sp.S.One)


def independent_check(derivation, rng: random.Random) -> str:
    """'' where the result agrees with ``sympy.diff`` of the loss (every size 3, every free index a
    random 1..3, every other symbol random in (0.05, 0.95)) or where no such check can be made
    (complex values, a loss SymPy cannot write out); else what disagrees."""
    import sympy as sp

    from derive.at_sizes import carry_out_maxima, write_out_sums
    from derive.functions import plain

    try:
        loss = derivation.steps[0].rhs
        derivative = derivation.result.lhs
        if not isinstance(derivative, sp.Derivative) or len(derivative.variables) != 1:
            return ""
        variable, result = derivative.variables[0], derivation.result.rhs
        together = sp.Tuple(loss, result, variable)
        uppers = {limit[2] for node in sp.preorder_traversal(together) if isinstance(node, (sp.Sum, sp.Product))
                  for limit in node.limits}
        sizes = {s: sp.Integer(3) for s in sorted(together.free_symbols, key=str)
                 if isinstance(s, sp.Symbol) and s.is_integer and s in uppers}
        # A free index of the variable runs over the components the loss has (x_j of ∑_{i=1}^{1} x_i
        # is x_1 only: derive's answer is for those), else 1..3.
        written = plain(write_out_sums(_empty_ranges_out(loss.xreplace(sizes)).doit()))
        present = [a.indices for a in written.atoms(sp.Indexed)
                   if isinstance(variable, sp.Indexed) and a.base == variable.base and len(a.indices) == len(variable.indices)]
        for symbol in sorted(together.free_symbols, key=str):
            if isinstance(symbol, sp.Symbol) and symbol.is_integer and symbol not in sizes:
                at = [ix[n] for ix in present for n, v in enumerate(variable.indices)
                      if v == symbol and ix[n].is_Integer and ix[n] >= 1]  # derive's arrays count from 1
                sizes[symbol] = sp.Integer(rng.choice(sorted(set(at))) if at else rng.randint(1, 3))
        concrete = [plain(carry_out_maxima(write_out_sums(_empty_ranges_out(e.xreplace(sizes)).doit()))) for e in (loss, result)]
        at = variable.xreplace(sizes)
        expected = sp.diff(concrete[0], at)
        atoms = sorted((concrete[0].free_symbols | concrete[1].free_symbols | expected.free_symbols)
                       | {a for e in (concrete[0], concrete[1]) for a in e.atoms(sp.Indexed)}, key=str)
        atoms = [a for a in atoms if not isinstance(a, sp.IndexedBase) and not (isinstance(a, sp.Symbol) and a.is_integer)
                 and not any(a in b.free_symbols for b in atoms if isinstance(b, sp.Indexed) and b.base.label == a)]
        for _ in range(2):
            point = {a: sp.Float(rng.uniform(0.05, 0.95), 30) for a in atoms}
            want = complex(sp.N(expected.xreplace(point), 30))
            got = complex(sp.N(concrete[1].xreplace(point), 30))
            if want.imag or got.imag or not all(map(_finite, (want.real, got.real))):
                continue
            if abs(want.real - got.real) > 1e-8 * max(1.0, abs(want.real)):
                return f"at {dict(list(point.items())[:6])}: sympy.diff gives {want.real!r}, derive {got.real!r}"
    except Exception:  # noqa: BLE001 - the campaign's own check: where it cannot evaluate, it says nothing
        return ""
    return ""


def _finite(value: float) -> bool:
    return value == value and abs(value) != float("inf")


# ---------------------------------------------------------------------------------------------
# Inputs in a process of their own: the CLI, the caches
# ---------------------------------------------------------------------------------------------

def _child_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DERIVE_DEBUG",)}
    env.update({"PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"})
    env.update(extra or {})
    return env


def _spawn(argv, timeout: float, **options):
    """(returncode, stdout, stderr, seconds) or ('hang', ...) past ``timeout``: the child in a
    process group of its own, killed with every process in it."""
    start = time.monotonic()
    process = subprocess.Popen(argv, start_new_session=True, **options)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return "hang", b"", b"", time.monotonic() - start
    return process.returncode, stdout or b"", stderr or b"", time.monotonic() - start


def run_cli(case: dict) -> dict:
    """``python -m derive ARGV`` with stdout as the case says; the outcome from the exit code, the
    lines on stderr and (for results) the output's injection check."""
    argv = [sys.executable, "-m", "derive", *case["argv"]]
    env = _child_env(case.get("env"))
    env.pop("PYTHONWARNINGS")
    work = tempfile.mkdtemp(prefix="derive-campaign-cli-")
    try:
        if case["argv"][:2] == ["notes", "-o"] and len(case["argv"]) > 2:
            argv[5] = _cli_path(argv[5], work)
        stdout_mode = case.get("stdout")
        if stdout_mode == "head":
            return _cli_head(argv, env, work)
        if stdout_mode in ("closed", "closed-stderr-too"):
            shell = 'exec "$@" >&-' + (" 2>&-" if stdout_mode == "closed-stderr-too" else "")
            command = ["/bin/sh", "-c", shell, "sh", *argv]
            code, out, err, seconds = _spawn(command, HANG, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=work)
        elif stdout_mode == "/dev/full":
            with open("/dev/full", "wb") as full:
                code, out, err, seconds = _spawn(argv, HANG, stdout=full, stderr=subprocess.PIPE, env=env, cwd=work)
        else:
            stdin = subprocess.DEVNULL
            if case.get("stdin") == "closed":
                argv = ["/bin/sh", "-c", 'exec "$@" <&-', "sh", *argv]
            code, out, err, seconds = _spawn(argv, HANG, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, stdin=stdin,
                                             cwd=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return judge_cli(case, code, out, err)


def _cli_path(value: str, work: str) -> str:
    """The place an '-o' case names, made in a scratch folder."""
    base = Path(work)
    if value == "dir":
        return str(base)
    if value == "dir-slash":
        return str(base) + "/"
    if value == "missing-dir":
        return str(base / "missing" / "notes.tex")
    if value == "proc":
        return "/proc/notes.tex"
    if value == "dev-full":
        return "/dev/full/notes.tex"
    if value == "sys":
        return "/sys/notes.tex"
    if value == "file-as-dir":
        (base / "file").write_text("x")
        return str(base / "file" / "notes.tex")
    if value == "empty":
        return ""
    return value


def _cli_head(argv, env, work: str) -> dict:
    """Read the first line of the output and close the pipe, as ``| head -1`` does."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True,
                               stdin=subprocess.DEVNULL, cwd=work)
    hung = []
    timer = threading.Timer(HANG, lambda: (hung.append(True), os.killpg(process.pid, signal.SIGKILL)))
    timer.start()
    try:
        process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read()
        code = process.wait()
    finally:
        timer.cancel()
    if hung:
        return {"outcome": "hang", "message": "past 10 s"}
    return judge_cli({"expect": "quiet", "argv": argv[3:]}, code, b"", err)


def judge_cli(case: dict, code, out: bytes, err: bytes) -> dict:
    text = err.decode("utf-8", "replace")
    lines = text.splitlines()
    if code == "hang":
        return {"outcome": "hang", "message": "past 10 s"}
    if isinstance(code, int) and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return {"outcome": "over 1 GB" if "MemoryError" in text else "crash", "message": f"killed by {name}: {text[-300:]}"}
    if "MemoryError" in text:
        return {"outcome": "over 1 GB", "message": text[-300:]}
    if "Traceback" in text or code not in (0, 2) or "internal error" in text:
        return {"outcome": "other exception", "message": f"exit {code}: {text[-400:]}"}
    raw = raw_controls(text, "\n")
    if raw:
        return {"outcome": "injection", "message": f"stderr holds {raw}: {text[:200]!r}"}
    if code == 2:
        if case.get("expect") == "code 2" and not lines:
            return {"outcome": "clean error", "message": ""}
        if len(lines) == 1 and lines[0].startswith("derive") and "error:" in lines[0]:
            return {"outcome": "clean error", "message": lines[0][:300]}
        return {"outcome": "other exception", "message": f"exit 2 with stderr {text[:300]!r}"}
    # exit 0
    if case.get("expect") in ("error", "code 2"):
        return {"outcome": "other exception", "message": f"exit 0 where an error was due; stderr {text[:200]!r}"}
    output = out.decode("utf-8", "replace")
    if case["argv"][:1] == ["grad"]:
        fmt = case["argv"][case["argv"].index("--format") + 1] if "--format" in case["argv"] else "text"
        found = injected({fmt: output})
        if found:
            return {"outcome": "injection", "message": found}
    elif raw_controls(output, "\n"):
        return {"outcome": "injection", "message": f"stdout holds {raw_controls(output, chr(10))}"}
    if text.strip() and case.get("expect") != "quiet":
        return {"outcome": "other exception", "message": f"exit 0 with stderr {text[:300]!r}"}
    return {"outcome": "result", "message": ""}


CACHE_CHILD = r"""
import json, sys, warnings
import numpy as np
warnings.simplefilter("always")
kernel_name = sys.argv[1]
out = {}
with warnings.catch_warnings(record=True) as seen:
    try:
        from derive.kernels import load
        k = load(kernel_name)
        if kernel_name == "bce":
            y, t = np.array([0.2, 0.7, 0.9, 0.4]), np.array([0.0, 1.0, 1.0, 0.3])
            want = float(-np.mean(t * np.log(y) + (1 - t) * np.log(1 - y)))
        else:
            y, t = np.array([-3.0, 0.5, 40.0, -700.0]), np.array([0.0, 1.0, 0.25, 1.0])
            want = float(np.mean(np.maximum(y, 0) - t * y + np.log1p(np.exp(-np.abs(y)))))
        got = float(k.loss(y, t))
        out = {"outcome": "result", "got": got, "want": want}
    except MemoryError:
        out = {"outcome": "over 1 GB", "message": "MemoryError"}
    except BaseException as error:
        import traceback
        from derive.errors import DeriveError
        out = {"outcome": "clean error" if isinstance(error, DeriveError) else "other exception",
               "message": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()[-1500:]}
out["warnings"] = sorted({f"{w.category.__name__}" for w in seen})
print(json.dumps(out))
"""


def run_cache(case: dict) -> dict:
    """A fresh process loading a kernel from a cache set up as the case says (a copy of the warmed
    template, then broken)."""
    template = Path(os.environ["DERIVE_CAMPAIGN_TEMPLATE"])
    work = Path(tempfile.mkdtemp(prefix="derive-campaign-cache-"))
    try:
        derive_dir, numba_dir = work / "derive", work / "numba"
        shutil.copytree(template / "derive", derive_dir, symlinks=True)
        shutil.copytree(template / "numba", numba_dir, symlinks=True)
        env = _child_env({"DERIVE_CACHE_DIR": str(derive_dir), "XDG_CACHE_HOME": str(work / "xdg"),
                          "HOME": str(work / "home"), "TMPDIR": str(work / "tmp")})
        (work / "tmp").mkdir()
        if case.get("numba_dir") or "NUMBA_CACHE_DIR" in case.get("dir", {}):
            env["NUMBA_CACHE_DIR"] = str(numba_dir)
        else:
            env.pop("NUMBA_CACHE_DIR", None)
        for variable, place in case.get("dir", {}).items():
            if variable == "XDG_CACHE_HOME":
                env["DERIVE_CACHE_DIR"] = str(_bad_place("file", work / "refused"))
            env[variable] = str(_bad_place(place, work / f"bad-{variable.lower()}"))
        if "entry" in case:
            _break_entry(case["entry"], case["target"], derive_dir / "kernels", numba_dir, case["kernel"],
                         bool(env.get("NUMBA_CACHE_DIR")) and env["NUMBA_CACHE_DIR"] == str(numba_dir))
        code, out, err, seconds = _spawn([sys.executable, "-c", CACHE_CHILD, case["kernel"]], HANG,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(work))
    finally:
        _make_removable(work)
        shutil.rmtree(work, ignore_errors=True)
    text = err.decode("utf-8", "replace")
    if code == "hang":
        return {"outcome": "hang", "message": "past 10 s"}
    if isinstance(code, int) and code < 0:
        return {"outcome": "over 1 GB" if "MemoryError" in text else "crash", "message": f"signal {-code}: {text[-300:]}"}
    try:
        report = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"outcome": "over 1 GB" if "MemoryError" in text else "other exception", "message": f"exit {code}: {text[-400:]}"}
    if report["outcome"] == "result":
        if abs(report["got"] - report["want"]) > 1e-12 * max(1, abs(report["want"])):
            return {"outcome": "silent wrong", "message": f"loss {report['got']!r}, NumPy {report['want']!r}"}
        return {"outcome": "result", "message": ", ".join(report["warnings"])}
    return {"outcome": report["outcome"], "message": report.get("message", "") + " " + report.get("trace", "")[-600:]}


def _bad_place(place: str, path: Path):
    """A path that is the kind of place named, made under ``path``'s folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if place == "file":
        path.write_text("not a folder")
    elif place == "symlink-to-dir":
        target = path.with_name(path.name + "-target")
        target.mkdir(mode=0o700)
        path.symlink_to(target)
    elif place == "symlink-to-file":
        target = path.with_name(path.name + "-target")
        target.write_text("x")
        path.symlink_to(target)
    elif place == "world-writable":
        path.mkdir()
        path.chmod(0o777)
    elif place == "sticky-world":
        path.mkdir()
        path.chmod(0o1777)
    elif place == "group-writable":
        path.mkdir()
        path.chmod(0o770)
    elif place == "other-uid":
        path.mkdir(mode=0o700)
        if os.getuid() == 0:
            os.chown(path, 65534, 65534)
    elif place == "read-only":
        path.mkdir(mode=0o500)
    elif place == "nonexistent":
        return path / "does" / "not" / "exist"
    elif place == "under-a-file":
        path.write_text("x")
        return path / "sub"
    elif place == "empty":
        return ""
    elif place == "relative":
        return "relative/cache"
    elif place == "dev-null":
        return "/dev/null"
    elif place == "proc":
        return "/proc/self"
    elif place == "fifo":
        os.mkfifo(path)
    elif place == "control-chars":
        path = path.with_name(path.name + "-\x1b[31m\r\u202e")
        path.mkdir(mode=0o700)
    elif place == "very-long":
        return path / ("x" * 250) / ("y" * 250) / ("z" * 250) / ("w" * 250) / ("v" * 250)
    elif place == "symlink-loop":
        path.symlink_to(path)
    return path


def _break_entry(entry: str, target: str, kernels: Path, numba_dir: Path, kernel: str, numba_set: bool) -> None:
    """Replace the cache entry ``target`` (the module, one of Numba's index or data files, Numba's
    __pycache__ folder) of ``kernel`` by what ``entry`` names."""
    stem = f"derive_kernel_{kernel.replace('-', '_')}_"
    module = next(p for p in kernels.glob(stem + "*.py") if re.fullmatch(re.escape(stem) + r"[0-9a-f]{16}\.py", p.name))
    if target == "module":
        victims = [module]
    else:
        folders = [numba_dir] if numba_set else [kernels / "__pycache__"]
        files = [p for folder in folders for p in folder.rglob(module.stem + ".*")]
        if target == "pycache":
            victims = [p for p in {f.parent for f in files}]
        else:
            victims = sorted(f for f in files if f.suffix == "." + target)[:3]
    for victim in victims:
        original = victim.read_bytes() if victim.is_file() else b""
        if victim.is_dir():
            shutil.rmtree(victim)
        else:
            victim.unlink()
        if entry == "fifo":
            os.mkfifo(victim)
        elif entry == "directory":
            victim.mkdir()
            (victim / "inside").write_text("x")
        elif entry == "dev-zero":
            victim.symlink_to("/dev/zero")
        elif entry == "truncated":
            victim.write_bytes(original[: len(original) // 2])
        elif entry == "garbage":
            victim.write_bytes(bytes(random.Random(7).randrange(256) for _ in range(4096)))
        elif entry == "wrong-hash":
            text = original.decode("utf-8", "replace")
            victim.write_text("# derive-sha256: " + "0" * 64 + "\n" + text.partition("\n")[2] if text.startswith("#")
                              else "0" * 16 + text)
        elif entry == "empty":
            victim.write_bytes(b"")
        elif entry == "huge":
            with open(victim, "wb") as handle:
                handle.truncate(200 << 20)  # sparse: 200 MB of zeros
        elif entry == "symlink-out":
            victim.symlink_to("/etc/passwd")
        elif entry == "symlink-loop":
            victim.symlink_to(victim)
        elif entry == "no-header":
            victim.write_bytes(original.partition(b"\n")[2])
        elif entry == "planted":  # code under a header hashed as its content alone, or as another module's
            import hashlib
            source = "import os\nraise SystemExit('planted code ran')\n"
            victim.write_text("# derive-sha256: " + hashlib.sha256(source.encode()).hexdigest() + "\n" + source
                              if target == "module" else source)
        elif entry == "swapped":  # another kernel's entry, intact, under this one's name
            other = victim.name.replace(f"derive_kernel_{kernel.replace('-', '_')}_", "derive_kernel_bce_sigmoid_")
            twin = victim.with_name(other)
            if twin.exists() and twin != victim:
                victim.write_bytes(twin.read_bytes())
            else:
                victim.write_bytes(original)
        elif entry == "binary":
            victim.write_bytes(b"\x00\xff" * 1000)
        elif entry == "socket":
            import socket
            server = socket.socket(socket.AF_UNIX)
            try:
                server.bind(str(victim))
            except OSError:
                victim.write_bytes(b"")
            finally:
                server.close()


def _make_removable(work: Path) -> None:
    for folder, names, _ in os.walk(work):
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                try:
                    os.chmod(path, 0o700)
                except OSError:
                    pass


def worker_main() -> None:
    """The worker's loop: a case per line on stdin, its outcome per line on the channel (fd 3's copy
    of stdout); stdout itself goes to /dev/null, so nothing derive prints mixes in."""
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    import warnings
    warnings.simplefilter("ignore")
    worker = Worker(channel)
    if os.environ.get("DERIVE_CAMPAIGN_WARM", "1") == "1":
        worker.warm()
    worker.send({"ready": True})
    for line in sys.stdin:
        case = json.loads(line, object_hook=_bytes_in)
        result = worker.run(case)
        result["id"] = case["id"]
        worker.send(result)
        if result.pop("restart", False):
            return


# ---------------------------------------------------------------------------------------------
# The campaign: 2 workers, a watchdog each, the references, the table
# ---------------------------------------------------------------------------------------------

def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    os.setsid()


class Slot:
    """One worker process and its watchdog; restarted after a hang, a crash or memory."""

    def __init__(self, number: int, env: dict, logs: Path):
        self.number, self.env, self.logs = number, env, logs
        self.process = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.log = open(self.logs / f"worker-{self.number}-{self.starts}.log", "wb")
        self.process = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.log, env=self.env, preexec_fn=_limited)
        self.buffer = b""
        message = self._read(600)
        if not message or not message.get("ready"):
            raise RuntimeError(f"worker {self.number} did not start: {self._log_tail()}")

    def _read(self, timeout: float):
        """The next message, or None at EOF, or 'timeout'."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if not ready:
                return "timeout"
            chunk = os.read(self.process.stdout.fileno(), 1 << 20)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def _log_tail(self) -> str:
        self.log.flush()
        try:
            return (self.logs / f"worker-{self.number}-{self.starts}.log").read_bytes()[-1500:].decode("utf-8", "replace")
        except OSError:
            return ""

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        self.process = None

    def run(self, case: dict) -> dict:
        if self.process is None or self.process.poll() is not None:
            self.start()
        start = time.monotonic()
        own_process = case["kind"] in ("cli", "cache")
        limit = HANG + (5 if own_process else 0)  # its own 10 s timeout first; this one backs it up
        try:
            self.process.stdin.write((json.dumps(case, default=_bytes_out) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            pass
        message = self._read(limit)
        if isinstance(message, dict) and message.get("phase") == "derived":
            seconds = time.monotonic() - start
            message = self._read(HARNESS)
            if message == "timeout":
                self.kill()
                return {"outcome": "result", "message": "(the campaign's own check ran out of time)", "seconds": seconds}
        seconds = time.monotonic() - start
        if message == "timeout":
            self.kill()
            return {"outcome": "hang", "message": f"no answer in {limit:.0f} s", "seconds": seconds}
        if message is None:
            code = self.process.wait()
            tail = self._log_tail()
            self.process = None
            memory = "MemoryError" in tail or "bad_alloc" in tail or "Cannot allocate memory" in tail
            return {"outcome": "over 1 GB" if memory else "crash", "message": f"worker exit {code}: {tail[-600:]}",
                    "seconds": seconds}
        if message.get("outcome") == "over 1 GB":
            self.kill()
        message["seconds"] = seconds
        return message


class OutOfDomain(ValueError):
    """Values the loss is not defined at (NaN, infinity, targets outside [0, 1]): derive must refuse
    them, except with check=False, which skips the scans of the values (any outcome is then accepted)."""


def reference_check(case: dict, result: dict) -> dict:
    """An array case's result against torch.nn.functional (logits) or NumPy (probabilities, the
    user kernels) in float64: a number derive returned where the reference has none, or a number
    that differs, is a silent wrong result."""
    import numpy as np

    if result["outcome"] != "result":
        return result
    (X, T), options, out = make_arrays(case)
    try:
        want_loss, want_grad = reference(case, X, T, options)
    except OutOfDomain as error:
        if not case.get("check", True):
            return {**result, "message": f"check=False at values outside the domain ({error})"}
        return {**result, "outcome": "silent wrong", "message": f"derive returned a number at values outside the "
                                                                   f"loss's domain: {error}"}
    except Exception as error:  # noqa: BLE001 - the reference has no answer: derive must not have one either
        return {**result, "outcome": "silent wrong", "message": f"derive returned a number; the reference refuses: "
                                                                   f"{type(error).__name__}: {str(error)[:200]}"}
    got_loss, got_grad = _decode(result["loss"]), _decode(result["grad"])
    single = result.get("dtype") == "float32"
    rtol = 2e-5 if single else 1e-10
    problems = []
    for name, got, want in (("loss", got_loss, want_loss), ("gradient", got_grad, want_grad)):
        if got is None:
            continue
        if isinstance(got, dict):
            problems.append(f"{name} is {got}")
            continue
        want = np.asarray(want, dtype=np.float64)
        got = np.asarray(got)
        if got.shape != want.shape:
            problems.append(f"{name} has shape {got.shape}, the reference {want.shape}")
            continue
        finite = want[np.isfinite(want)]
        scale = np.max(np.abs(finite), initial=0.0)
        atol = (1e-6 if single else 1e-14) * max(scale, 1.0)  # a value that is 0: rounding of the O(1) terms it cancels
        close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
        if not close.all():
            at = tuple(int(i) for i in np.argwhere(~close)[0])
            problems.append(f"{name} at {at}: derive {got[at]!r}, reference {want[at]!r}")
    if problems:
        return {**result, "outcome": "silent wrong", "message": "; ".join(problems)}
    return result


def reference(case: dict, X, T, options: dict):
    """(loss, gradient) in float64 by PyTorch (logits) or NumPy (probabilities, user kernels);
    an exception where the inputs have no loss (OutOfDomain where only their values are at fault)."""
    import numpy as np

    kernel = case["kernel"]
    reduction = case["reduction"] if case["reduction"] is not None else "mean"
    if kernel.startswith("user"):
        return _user_reference(kernel, X)
    Xa = np.asarray(X)
    if Xa.dtype not in (np.float32, np.float64):
        raise TypeError(f"inputs of dtype {Xa.dtype}")
    if not isinstance(reduction, str) or reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction {reduction!r}")
    if T is None:
        raise TypeError("no targets")
    Ta = np.asarray(T) if not isinstance(T, list) else np.array(T, dtype=object)
    if Ta.dtype == object:
        if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not -2 ** 63 <= int(v) < 2 ** 63
               for v in Ta.reshape(-1)):
            raise TypeError("labels that are not int64")
        Ta = Ta.astype(np.int64)
    if Ta.dtype.kind == "u" and Ta.size and Ta.max() >= 2 ** 63:
        raise ValueError("labels past int64")
    if Xa.size == 0 or Xa.ndim == 0:
        raise ValueError("empty inputs")
    single = Xa.dtype == np.float32 or Ta.dtype == np.float32
    if kernel == "ce-softmax":
        return _ce_reference(Xa, Ta, options, reduction, single)
    if kernel == "bce-sigmoid":
        return _bce_reference(Xa, Ta, options, reduction)
    if options:
        raise TypeError("options on a kernel of probabilities")
    return _probabilities_reference(kernel, Xa, Ta, reduction, single)


def _ce_reference(Xa, Ta, options: dict, reduction: str, single: bool):
    import numpy as np
    import torch
    import torch.nn.functional as F

    if Xa.ndim < 2 or Xa.shape[1] == 0:
        raise ValueError(f"logits of shape {Xa.shape}")
    positions = (Xa.shape[0],) + Xa.shape[2:]
    keywords = {}
    if set(options) - {"weight", "ignore_index", "label_smoothing"}:
        raise TypeError(f"options {set(options)}")
    weight = options.get("weight")
    if weight is not None:
        w = np.asarray(weight)
        if w.dtype.kind not in "fiu" or w.shape != (Xa.shape[1],):
            raise ValueError("weight")
        if not np.isfinite(w).all():
            raise ValueError("weight not finite")
        keywords["weight"] = torch.tensor(w.astype(np.float64))
    ignore = options.get("ignore_index", -100)
    if "ignore_index" in options and (isinstance(ignore, bool) or not isinstance(ignore, int) or not -2 ** 63 <= ignore < 2 ** 63):
        raise ValueError("ignore_index")
    keywords["ignore_index"] = ignore
    smoothing = options.get("label_smoothing", 0.0)
    if isinstance(smoothing, bool) or not isinstance(smoothing, (int, float)) or not 0 <= smoothing <= 1:
        raise ValueError("label_smoothing")
    keywords["label_smoothing"] = float(smoothing)
    if Ta.dtype.kind in "iu" and Ta.shape == positions:
        t = torch.tensor(Ta.astype(np.int64))
        keep = t != ignore
        if ((t[keep] < 0) | (t[keep] >= Xa.shape[1])).any():
            raise ValueError("labels out of range")
    elif Ta.dtype.kind == "f" and Ta.shape == Xa.shape:
        t = torch.tensor(Ta.astype(np.float64))
        if not torch.isfinite(t).all() or (t < 0).any() or (t > 1).any():
            raise OutOfDomain("targets outside [0, 1]")
        sums = t.sum(dim=1)
        if not torch.allclose(sums, torch.ones_like(sums), atol=1e-4 if single else 1e-9, rtol=0):
            raise OutOfDomain("target rows not summing to one")
    else:
        raise TypeError(f"targets of dtype {Ta.dtype} and shape {Ta.shape} for logits {Xa.shape}")
    if not np.isfinite(Xa).all():
        raise OutOfDomain("logits not finite")
    x = torch.tensor(Xa.astype(np.float64), requires_grad=True)
    loss = F.cross_entropy(x, t, reduction=reduction, **keywords)
    if not torch.isfinite(loss).all():
        raise ValueError(f"PyTorch's loss is {loss.detach().reshape(-1)[:3].tolist()}")
    loss.sum().backward()
    return loss.detach().numpy(), x.grad.numpy()


def _bce_reference(Xa, Ta, options: dict, reduction: str):
    import numpy as np
    import torch
    import torch.nn.functional as F

    if Ta.dtype.kind not in "fiub" or Ta.shape != Xa.shape:
        raise TypeError("targets")
    t = torch.tensor(Ta.astype(np.float64))
    if not torch.isfinite(t).all() or (t < 0).any() or (t > 1).any():
        raise OutOfDomain("targets outside [0, 1]")
    if set(options) - {"weight", "pos_weight"}:
        raise TypeError("options")
    keywords = {}
    for name in ("weight", "pos_weight"):
        if options.get(name) is not None:
            w = np.asarray(options[name])
            if w.dtype.kind not in "fiu" or not np.isfinite(w).all():
                raise ValueError(name)
            keywords[name] = torch.tensor(w.astype(np.float64))
            torch.broadcast_shapes(keywords[name].shape, tuple(Xa.shape))
    if not np.isfinite(Xa).all():
        raise OutOfDomain("logits not finite")
    x = torch.tensor(Xa.astype(np.float64), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, t, reduction=reduction, **keywords)
    if not torch.isfinite(loss).all():
        raise ValueError(f"PyTorch's loss is {loss.detach().reshape(-1)[:3].tolist()}")
    loss.sum().backward()
    return loss.detach().numpy(), x.grad.numpy()


def _probabilities_reference(kernel: str, Xa, Ta, reduction: str, single: bool):
    """-Σ t log y (ce) and -(t log y + (1 - t) log(1 - y)) (bce) with 0 log 0 = 0, as NumPy computes
    them; infinite where a labelled probability is 0."""
    import numpy as np

    Y = Xa.astype(np.float64)
    if kernel == "ce":
        if Y.ndim != 2:
            raise ValueError("shape")
        if Ta.dtype.kind in "iu" and Ta.shape == (Y.shape[0],):
            if Ta.size and (Ta.min() < 0 or Ta.max() >= Y.shape[1]):
                raise ValueError("labels out of range")
            P = np.zeros_like(Y)
            P[np.arange(Y.shape[0]), Ta.astype(np.int64)] = 1
            labels = True
        elif Ta.dtype.kind == "f" and Ta.shape == Y.shape:
            P = Ta.astype(np.float64)
            labels = False
            if not np.isfinite(P).all() or (P < 0).any() or (P > 1).any() or \
                    not np.allclose(P.sum(axis=1), 1, atol=1e-4 if single else 1e-9, rtol=0):
                raise OutOfDomain("targets")
        else:
            raise TypeError("targets")
        if not np.isfinite(Y).all() or (Y < 0).any() or (Y > 1).any():
            raise OutOfDomain("probabilities outside [0, 1]")
        with np.errstate(all="ignore"):
            rows = -np.where(P == 0, 0.0, P * np.log(Y)).sum(axis=1)
            G = np.where(P == 0, 0.0, -P / Y)
    else:
        if Y.ndim != 1 or Ta.shape != Y.shape or Ta.dtype.kind not in "fiub":
            raise ValueError("shape")
        P = Ta.astype(np.float64)
        if not np.isfinite(P).all() or (P < 0).any() or (P > 1).any():
            raise OutOfDomain("targets")
        if not np.isfinite(Y).all() or (Y < 0).any() or (Y > 1).any():
            raise OutOfDomain("probabilities outside [0, 1]")
        with np.errstate(all="ignore"):
            rows = -(np.where(P == 0, 0.0, P * np.log(Y)) + np.where(P == 1, 0.0, (1 - P) * np.log1p(-Y)))
            G = np.where(P == 0, 0.0, -P / Y) + np.where(P == 1, 0.0, (1 - P) / (1 - Y))
    n = Y.shape[0]
    if reduction == "none":
        return rows, G
    with np.errstate(all="ignore"):
        return (rows.mean(), G / n) if reduction == "mean" else (rows.sum(), G)


def _user_reference(kernel: str, values: dict):
    import numpy as np

    arrays = {}
    for name, value in values.items():
        array = np.asarray(value)
        if array.dtype.kind not in "fiub":
            raise TypeError(f"{name} of dtype {array.dtype}")
        arrays[name] = array.astype(np.float64)
    names = {"user-mse": {"y", "t"}, "user-lse": {"z", "t"}}[kernel]
    if set(arrays) != names or any(a.ndim != 1 for a in arrays.values()) or len({a.shape for a in arrays.values()}) != 1:
        raise ValueError("inputs the loss is not defined for")
    if not all(np.isfinite(a).all() for a in arrays.values()):
        raise OutOfDomain("not finite")
    if kernel == "user-mse":
        y, t = arrays["y"], arrays["t"]  # a real y: a user's loss states no domain for it (issue 29)
        with np.errstate(all="ignore"):
            return np.mean((y - t) ** 2) if y.size else np.nan, 2 * (y - t) / y.size
    z, t = arrays["z"], arrays["t"]
    if z.size == 0:
        return -np.inf, z
    m = z.max()
    with np.errstate(all="ignore"):
        e = np.exp(z - m)
        return m + np.log(e.sum()) - (t * z).sum(), e / e.sum() - t


def warm_template(template: Path, env: dict) -> None:
    """The cache the cache inputs copy: 'bce' and 'bce-sigmoid' generated and compiled, with Numba's
    files beside the modules and (a second copy) in a NUMBA_CACHE_DIR."""
    if (template / "ready").exists():
        return
    shutil.rmtree(template, ignore_errors=True)
    template.mkdir(parents=True, mode=0o700)
    script = ("import numpy as np\nfrom derive.kernels import load\n"
              "for name in ('bce', 'bce-sigmoid'):\n    load(name).loss(np.array([0.2, 0.7]), np.array([0.0, 1.0]))\n")
    for numba in (None, template / "numba"):
        extra = {"DERIVE_CACHE_DIR": str(template / "derive")}
        if numba:
            extra["NUMBA_CACHE_DIR"] = str(numba)
        child = _child_env({**env, **extra})
        if not numba:
            child.pop("NUMBA_CACHE_DIR", None)
        subprocess.run([sys.executable, "-c", script], env=child, check=True, timeout=900)
    (template / "ready").write_text("")


def campaign(args) -> int:
    only = set(args.only.split(",")) if args.only else None
    cases = all_inputs(args.seed, args.scale, only)
    started = time.monotonic()
    import derive.kernels.compiler as compiler_module
    fingerprint = compiler_module.engine_fingerprint()
    base = Path(args.cache or Path(tempfile.gettempdir()) / f"derive-hostile-campaign-{os.getuid()}")
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    logs = Path(tempfile.mkdtemp(prefix="derive-campaign-logs-"))
    env = _child_env({"DERIVE_CACHE_DIR": str(base / "cache"), "DERIVE_CAMPAIGN_TEMPLATE": str(base / f"template-{fingerprint}"),
                      "NUMBA_NUM_THREADS": "2"})
    env.pop("PYTHONWARNINGS")
    env.pop("NUMBA_CACHE_DIR", None)
    for stale in base.glob("template-*"):  # an older engine's: its kernels are never loaded again
        if stale.name != f"template-{fingerprint}":
            _make_removable(stale)
            shutil.rmtree(stale, ignore_errors=True)
    print(f"{len(cases)} inputs; warming the caches in {base} ...", flush=True)
    warm_template(base / f"template-{fingerprint}", env)
    subprocess.run([sys.executable, __file__, "--warm-only"], env=env, check=True, timeout=1800)
    warmed = time.monotonic()
    print(f"caches warm after {warmed - started:.0f} s; running on {args.workers} workers", flush=True)
    order = list(cases)
    random.Random(args.seed + 1).shuffle(order)
    order.sort(key=lambda c: c["kind"] not in ("cache", "threads"))  # the slow kinds first, spread over both
    work: queue.Queue = queue.Queue()
    for case in order:
        work.put(case)
    results: dict = {}
    lock = threading.Lock()
    done = [0]

    def drive(slot: Slot) -> None:
        while True:
            try:
                case = work.get_nowait()
            except queue.Empty:
                break
            try:
                result = slot.run(case)
            except Exception as error:  # noqa: BLE001 - the worker could not be started or spoken to
                slot.kill()
                result = {"outcome": "crash", "message": f"the worker failed: {error}", "seconds": 0}
            if case["kind"] == "array":
                result = reference_check(case, result)
            with lock:
                results[case["id"]] = result
                done[0] += 1
                if args.verbose or result["outcome"] not in CLEAN:
                    print(f"[{done[0]}/{len(cases)}] {case['category']:9s} {result['outcome']:15s} "
                          f"{result.get('seconds', 0):5.1f}s {_describe(case)[:110]} {result.get('message', '')[:160]!r}",
                          flush=True)
                elif done[0] % 100 == 0:
                    print(f"[{done[0]}/{len(cases)}] {time.monotonic() - warmed:.0f} s", flush=True)
        slot.kill()

    slots = [Slot(n, env, logs) for n in range(args.workers)]
    threads = [threading.Thread(target=drive, args=(slot,)) for slot in slots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    finished = time.monotonic()
    table = Counter((case["category"], results[case["id"]]["outcome"]) for case in cases)
    print()
    print(report_table(table, len(cases)))
    print(f"\n{len(cases)} inputs in {finished - warmed:.0f} s on {args.workers} workers "
          f"(warming the caches: {warmed - started:.0f} s; worker starts: {sum(s.starts for s in slots)})")
    slowest = sorted(((results[c["id"]].get("seconds", 0), c) for c in cases), key=lambda r: -r[0])[:5]
    print("slowest: " + "; ".join(f"{s:.1f} s {c['category']} {_describe(c)[:60]!r}" for s, c in slowest))
    bad = [(case, results[case["id"]]) for case in cases if results[case["id"]]["outcome"] not in CLEAN]
    print(f"\nnon-clean cases: {len(bad)}")
    for case, result in bad:
        print(f"  #{case['id']} {case['category']} [{case.get('family', case['kind'])}] {result['outcome']}: "
              f"{_describe(case)[:200]}\n      {result.get('message', '')[:500]!r}")
    if args.json:
        Path(args.json).write_text(json.dumps({"cases": cases, "results": results,
                                               "seconds": finished - warmed}, default=str, indent=1))
    shutil.rmtree(logs, ignore_errors=True)
    return 1 if bad else 0


def report_table(table: Counter, total: int) -> str:
    width = max(len(o) for o in OUTCOMES)
    header = f"{'category':10s}" + "".join(f"{o:>{width + 1}s}" for o in OUTCOMES) + f"{'total':>7s}"
    rows = [header]
    for category in CATEGORIES + ("all",):
        counts = [sum(v for (c, o), v in table.items() if o == outcome and (category == "all" or c == category))
                  for outcome in OUTCOMES]
        if category != "all" and not sum(counts):
            continue
        rows.append(f"{category:10s}" + "".join(f"{n:>{width + 1}d}" for n in counts) + f"{sum(counts):>7d}")
    return "\n".join(rows)


def _describe(case: dict) -> str:
    if case["kind"] == "latex":
        return f"{case['latex']!r} by {case['wrt']!r}"
    if case["kind"] == "cli":
        extra = "".join(f" [{k}={case[k]}]" for k in ("stdout", "stdin", "env") if case.get(k))
        return "derive " + " ".join(repr(a) if not re.fullmatch(r"[\w.,/=-]+", a) else a for a in case["argv"]) + extra
    if case["kind"] == "array":
        keys = ("kernel", "call", "n", "k", "dtype", "targets", "values", "layout", "shape", "reduction", "options", "check", "out")
        return " ".join(f"{k}={case.get(k)}" for k in keys)
    if case["kind"] == "cache":
        return " ".join(f"{k}={case[k]}" for k in ("kernel", "dir", "entry", "target", "numba_dir") if k in case)
    return json.dumps({k: case[k] for k in ("runner", "alarm", "repeat")}) + " " + \
        ", ".join(j["job"] + ("/" + j["kernel"] if "kernel" in j["job"] else "") for j in case["jobs"])


def warm_only() -> None:
    """Generate and compile every kernel the workers load, once, into the campaign's cache."""
    worker = Worker(sys.stdout)
    worker.warm()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the number of generated inputs")
    parser.add_argument("--only", help="categories, comma-separated: " + ", ".join(CATEGORIES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", help="where the campaign keeps its warmed caches (default: in the temporary folder)")
    parser.add_argument("--json", help="write every case and its outcome here")
    parser.add_argument("--verbose", action="store_true", help="print every input's outcome")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--warm-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main()
        return
    if args.warm_only:
        warm_only()
        return
    sys.exit(campaign(args))


if __name__ == "__main__":
    main()
