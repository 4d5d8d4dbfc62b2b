"""The ``derive`` command line.  Only argparse is imported up front; SymPy loads per command."""
from __future__ import annotations

import argparse
import os
import sys

from .languages import codes, language, phrase
from .terminal import Progress, emit

FORMATS = ("text", "json", "latex", "markdown", "html", "certificate")
LISTING_FORMATS = ("text", "json")  # list, rules, check: tables, not derivations
TAGS = ("series", "sequential", "none")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        from .errors import shown
        sys.stderr.write(shown(f"{self.prog}: error: {message}") + "\n")  # the message may quote what was typed
        raise SystemExit(2)


def _output_options() -> _Parser:
    common = _Parser(add_help=False)  # a parent of subcommands whose parser_class is _Parser
    common.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    common.add_argument("--lang", choices=codes(), default="en", help="language of the words (default: en)")
    common.add_argument("--tags", choices=TAGS, default="series",
                        help="equation numbers: the series' own, sequential, or none (latex, markdown, html)")
    common.add_argument("--detail", choices=("blackboard", "full"), default="blackboard",
                        help="the lines a lecturer writes (default), or every step of the trail")
    return common


def _listing_options() -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument("--format", choices=LISTING_FORMATS, default="text", help="output format (default: text)")
    common.add_argument("--lang", choices=codes(), default="en", help="language of the words (default: en)")
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="derive", description="Derive cross-entropy and binary cross-entropy from "
                     "likelihoods, step by step, every step verified.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    common = _output_options()
    listing_options = _listing_options()
    commands.add_parser("list", parents=[listing_options], help="names of the built-in derivations, one per line")
    show = commands.add_parser("show", parents=[common], help="print one built-in derivation")
    show.add_argument("name", help="a name from 'derive list'")
    show.add_argument("--axioms", action="store_true",
                      help="the axioms the derivation rests on, as the checker finds them (text or json)")
    ce = commands.add_parser("ce", parents=[common], help="cross-entropy from the categorical likelihood")
    ce.add_argument("--one-sample", action="store_true", help="one sample, series (4.1)-(4.3)")
    ce.add_argument("--link", choices=("softmax",), help="the model outputs logits z and y = softmax(z)")
    ce.add_argument("--gradient", action="store_true", help="append the gradient derivation")
    ce.add_argument("--stable", action="store_true", help="append the stable forms the kernels compute")
    bce = commands.add_parser("bce", parents=[common], help="binary cross-entropy")
    bce.add_argument("--from", dest="route", choices=("categorical", "bernoulli"), default="categorical",
                     help="start from the two-class categorical model (7.1)-(7.4) or the Bernoulli likelihood")
    bce.add_argument("--link", choices=("sigmoid",), help="the model outputs a logit z and y = sigmoid(z)")
    bce.add_argument("--gradient", action="store_true", help="append the gradient derivation")
    bce.add_argument("--stable", action="store_true", help="append the stable forms the kernels compute")
    grad = commands.add_parser("grad", parents=[common], help="the gradient of a loss you write in LaTeX")
    grad.add_argument("latex", metavar="LATEX", help=r"the loss, e.g. '-\sum_{k} t_{k} \log y_{k}' or 'E = ...'")
    grad.add_argument("--wrt", required=True, metavar="SYMBOL", action="append",
                      help=r"differentiate by this, in LaTeX: y, \sigma, y_{j}, z_{ik}; give it once per "
                           "derivative for a mixed one (--wrt x --wrt y --order 2)")
    grad.add_argument("--order", type=_order, default=1, metavar="N",
                      help="differentiate N times (2: the second derivative, differentiated again step by step)")
    grad.add_argument("--time-limit", type=_seconds, default=None, metavar="SECONDS",
                      help="stop with an error past this many seconds (a safety net; default 300 per derivative: "
                           "the limit that decides is a budget of work, the same on any machine)")
    grad.add_argument("--compile", action="store_true",
                      help="also generate a Numba kernel for the loss and gradient and check it")
    grad.add_argument("--stable", action="store_true",
                      help="append the stable forms of the loss and the gradient (what --compile computes)")
    rules = commands.add_parser("rules", parents=[listing_options], help="the rule catalogue")
    rules.add_argument("--prove", action="store_true",
                       help="prove each rule with no proof on record for its logic and record the proofs beside "
                            "the catalogue in use (rules/proofs.json, or $DERIVE_RULES's)")
    rules.add_argument("--all", action="store_true", help="with --prove: prove every rule again")
    notes = commands.add_parser("notes", help="lecture notes following the series, as LaTeX, PDF or HTML")
    notes.add_argument("-o", "--output", help="write here (default: stdout for LaTeX, notes[-ja].pdf for --pdf, "
                                              "notes[-ja].html for --html)")
    notes.add_argument("--lang", choices=codes(), default="en", help="language of the notes (default: en)")
    built = notes.add_mutually_exclusive_group()
    built.add_argument("--pdf", action="store_true", help="compile with TeX (pdflatex, or lualatex for ja)")
    built.add_argument("--html", action="store_true",
                       help="one self-contained page, formulas rendered by KaTeX (needs node and npm's katex)")
    verify = commands.add_parser("verify", parents=[listing_options],
                                 help="re-check a certificate (--format certificate) with the small checker alone",
                                 description="Re-check a certificate with derive_checker alone, one line per step. "
                                 "Exit status: 0 every step proved (or stated, or given); 3 every step passes but some "
                                 "only at random points (marked ≈: not proved); 1 a step fails (named); 2 the file "
                                 "cannot be read or is no certificate.")
    verify.add_argument("file", nargs="?", metavar="FILE", help="the certificate ('-': standard input)")
    verify.add_argument("--rules", action="store_true",
                        help="re-check the whole rule catalogue: axioms by their pins, theorems proved afresh")
    commands.add_parser("axioms", parents=[listing_options], help="the axioms every proof rests on, with references")
    check = commands.add_parser("check", parents=[listing_options],
                                help="every Numba kernel against 50-digit evaluation of its derivation")
    check.add_argument("--samples", type=int, default=32, help="random samples per kernel (default: 32)")
    check.add_argument("--classes", type=int, default=5, help="classes for cross-entropy (default: 5)")
    check.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    serve = commands.add_parser("serve", help="a web page: type a loss, read its verified derivation "
                                              "(needs the serve extra)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default: 8000)")
    serve.add_argument("--workers", type=_workers, default=None,
                       help="worker processes that derive (default: one per core, at most 4)")
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a whole number from 0 to 65535, not {text!r}")
    return int(text)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"the workers are a whole number from 1 to 64, not {text!r}")
    return int(text)


def _print_derivations(names: list[str], args: argparse.Namespace) -> None:
    from . import derivations as built_in
    from .printing import render

    derivations = [built_in.get(name) for name in names]
    if getattr(args, "stable", False):  # each stable form's alternative the kernels may compute, where it has one
        from .derivations.stable import other_classes_form
        derivations += [alternative for d in derivations if d.name.endswith("-stable") and (alternative := other_classes_form(d))]
    if args.format == "certificate":
        _emit_certificates(derivations)
        return
    emit(render(args.format, derivations, args.lang, args.tags, args.detail), is_json=args.format == "json")


def _emit_certificates(derivations) -> None:
    """One certificate (a JSON list of them where a command shows several derivations)."""
    import json
    from .certificate import certificate
    documents = [certificate(d) for d in derivations]
    emit(json.dumps(documents[0] if len(documents) == 1 else documents, ensure_ascii=False, indent=1), is_json=True)


def _show_axioms(name: str, args: argparse.Namespace) -> int:
    """The axioms (and theorems) the derivation's certificate lists, as ``derive verify`` checks them."""
    import json
    from derive_checker.certificate import check_certificate
    from .verify_report import list_axioms
    from . import api
    from .certificate import certificate
    report = check_certificate(json.loads(json.dumps(certificate(api.get(name)))))
    if args.format == "json":
        emit(json.dumps({"name": name, "verified": report["ok"], "axioms": report["axioms"],
                         "theorems": report["theorems"]}, ensure_ascii=False, indent=1), is_json=True)
    else:
        emit(list_axioms("text", args.lang, set(report["axioms"]))
             + "".join("\n" + phrase(args.lang, "theorem", name=t) for t in report["theorems"]))
    return 0 if report["ok"] else 1


def _loss_and_gradient(loss: str, args: argparse.Namespace) -> list[str]:
    """The loss derivation (through the link, if any), then its gradient if asked for."""
    names = [f"{loss}-{args.link}" if args.link else loss]
    if args.gradient:
        names.append(f"{loss}-{args.link}-grad" if args.link else f"{loss}-grad")
    if args.stable:
        from . import api
        names += [f"{name}-stable" for name in names if f"{name}-stable" in api.names()]
    return names


def _check(args: argparse.Namespace) -> int:
    if not (1 <= args.samples <= 10_000) or not (2 <= args.classes <= 64):
        raise _UsageError("--samples must be 1..10000 and --classes 2..64")
    from .kernels.accuracy import check_all
    from .printing.reports import check_json, check_text

    progress = Progress()
    results = check_all(args.samples, args.classes, args.seed, progress=progress)
    progress.clear()
    printer = check_json if args.format == "json" else check_text
    emit(printer(results, args.lang), is_json=args.format == "json")
    return 0 if all(r.passed for r in results) else 1


def _order(text: str) -> int:
    from .user_losses import MAX_ORDER
    if not text.isdigit() or not 1 <= int(text) <= MAX_ORDER:
        raise argparse.ArgumentTypeError(f"the order is a whole number from 1 to {MAX_ORDER}, not {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    """``--time-limit``'s value: a positive number of seconds (never evaluated: read as a float)."""
    from .input_limits import checked_time_limit
    try:
        return checked_time_limit(float(text), "--time-limit")
    except ValueError:
        raise argparse.ArgumentTypeError(f"--time-limit is a positive number of seconds, not {text!r}") from None


def _grad(args: argparse.Namespace) -> None:
    import json

    from . import api
    from .printing import render

    if len(args.wrt) > 1 and len(args.wrt) != args.order:
        raise _UsageError(f"--wrt is given {len(args.wrt)} times for --order {args.order}: give it once "
                          f"(differentiated {args.order} times) or once per derivative")
    if args.order > 1 and (args.compile or args.stable):
        raise _UsageError("--compile and --stable take a gradient (--order 1): a kernel computes a loss and its gradient")
    derivation = api.gradient(args.latex, args.wrt if len(args.wrt) > 1 else args.wrt[0], order=args.order,
                              time_limit=args.time_limit)
    if hasattr(derivation, "kinks"):  # a loss with kinks: its pieces, then the cases (derive.piecewise)
        if args.stable:
            raise _UsageError("--stable takes a smooth loss: a loss with kinks is compiled piece by piece as it is")
        from .printing.piecewise_text import printed
        emit(printed(derivation, args.format, args.lang, args.tags, args.detail), is_json=args.format in ("json", "certificate"))
        if args.compile:
            emit(f"\nkernel: checked against 30-digit evaluation: max relative error {derivation.compile().check():.1e}")
        return
    if args.format == "certificate":
        if args.compile or args.stable:
            raise _UsageError("--format certificate takes the derivation alone: drop --compile and --stable")
        _emit_certificates([derivation])
        return
    shown = [derivation]
    if args.stable:
        from .user_losses import stable_forms
        shown += list(stable_forms(derivation))
    output = render(args.format, shown, args.lang, args.tags, args.detail)
    if not args.compile:
        emit(output, is_json=args.format == "json")
        return
    kernel = derivation.compile()
    error = kernel.check()
    report = {"inputs": list(kernel.inputs), "source": kernel._module.__file__,
              "max_relative_error": error, "reference": "30-digit evaluation of the derived expressions"}
    if args.format == "json":
        document = json.loads(output)
        document["kernel"] = report
        emit(json.dumps(document, ensure_ascii=False, indent=2), is_json=True)
        return
    emit(output)
    emit(f"\nkernel: loss({', '.join(kernel.inputs)}) and grad({', '.join(kernel.inputs)}), "
          f"checked against {report['reference']}: max relative error {error:.1e}\nsource: {report['source']}")


def _notes(args: argparse.Namespace) -> None:
    import tempfile
    from pathlib import Path

    if args.output is not None and not args.output.strip():
        raise _UsageError(f"-o {args.output!r}: an empty name; name a file to write, or leave -o out")
    output = Path(args.output) if args.output else None
    stem = language(args.lang).setting("notes.stem")
    if args.pdf or args.html:
        suffix = ".pdf" if args.pdf else ".html"
        output = output or Path(stem + suffix)
        if output.suffix != suffix:
            raise _UsageError(f"--{suffix[1:]} writes a {suffix} file, not {output.name}")
    if output is not None:
        _require_writable(output)  # before the deriving (seconds of it), not after
    if args.pdf:
        from .tex import require_tex
        require_tex(args.lang)  # before the deriving, not after
    from . import api
    from .figures import FIGURES, finish, start_drawing
    from .kernels import load
    from .printing.notes_content import derivation_names

    progress = Progress()
    names = derivation_names()
    steps = len(names) + 2

    def get(name: str):
        progress(names.index(name) + 1 if name in names else 0, steps, f"deriving {name}")
        return api.get(name)

    with tempfile.TemporaryDirectory(prefix="derive-notes-") as work:
        # the figures are drawn by a second process (from the kernels, which it loads or generates
        # into the cache, atomically) while this one derives
        if args.pdf or args.html:
            drawing = start_drawing(list(FIGURES), Path(work), "svg" if args.html else "pdf", args.lang)
        elif output is not None:
            drawing = start_drawing(list(FIGURES), output.with_name(output.stem + "-figures"), "pdf", args.lang)
        else:
            drawing = None
        for name in names:
            get(name)
        progress(steps - 2, steps, "drawing the figures")
        figures = finish(drawing) if drawing else None
        kernel_source = load("ce-softmax").source  # cached by the figures' process, which used it
        if args.html:
            from .printing.notes_html import notes_html
            page = notes_html(get, api.rules(), args.lang, figures, kernel_source)
            assert output is not None  # for mypy: --html always names its file
            output.write_text(page, encoding="utf-8")
            progress.clear()
            emit(str(output))
            return
        from .printing.notes import notes_latex, toc_seed
        if not args.pdf and output is None:  # LaTeX on stdout: no figure files to refer to
            progress.clear()
            emit(notes_latex(get, api.rules(), args.lang, None, kernel_source).rstrip("\n"))
            return
        assert output is not None and figures is not None  # for mypy: a file is written, so the figures were drawn
        where = {name: (path.name if args.pdf else f"{path.parent.name}/{path.name}") for name, path in figures.items()}
        source = notes_latex(get, api.rules(), args.lang, where, kernel_source)
        if not args.pdf:
            progress.clear()
            output.write_text(source, encoding="utf-8")
            emit(str(output))
            return
        from .tex import compile_pdf, engine_of

        progress(steps - 1, steps, f"compiling {output.name} with latexmk -{engine_of(args.lang)}")
        try:
            compile_pdf(source, output, args.lang, figures, {"notes.toc": toc_seed(api.get, args.lang)})
        finally:
            progress.clear()
    emit(str(output))


def _require_writable(output) -> None:
    """``-o`` names a file this user may write: not a folder, in a folder that exists and is writable."""
    if output.is_dir():
        raise _UsageError(f"-o {output}: is a folder; name a file to write")
    folder = output.parent if str(output.parent) else output.cwd()
    if not folder.is_dir():
        raise _UsageError(f"-o {output}: the folder {folder} does not exist")
    import tempfile
    try:  # a file made and gone at once: the system's own answer (root, read-only mounts, /proc)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise _UsageError(f"-o {output}: cannot write in {folder} ({exc.strerror or exc})") from None
    if output.exists() and not os.access(output, os.W_OK):
        raise _UsageError(f"-o {output}: not writable")


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.version:
        from . import __version__
        emit(__version__)
        return 0
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "verify":  # a file: the checker alone (no engine, strategies, printers or kernels)
        if bool(args.file) == bool(args.rules):
            raise _UsageError("give a certificate FILE, or --rules to re-check the rule catalogue")
        from .verify_report import verify
        if args.rules:  # the catalogue's statements, written by the engine, then checked by the checker alone
            from .certificate import catalogue_certificate
            return verify(None, catalogue_certificate(), args.format, args.lang)
        return verify(args.file, None, args.format, args.lang)
    if args.command == "axioms":
        from .verify_report import list_axioms
        emit(list_axioms(args.format, args.lang), is_json=args.format == "json")
        return 0
    if args.command == "list":
        from . import api
        from .derivations import title
        from .printing.reports import names_json, names_text
        entries = [(name, title(name, args.lang)) for name in api.names()]
        emit((names_json if args.format == "json" else names_text)(entries), is_json=args.format == "json")
        return 0
    if args.command == "show":
        from . import derivations  # not the whole API: a shipped built-in needs the checker and the printers only
        from .derivations.shipped import available
        if not available(args.name) and args.name not in derivations.names():
            raise _UsageError(f"unknown derivation {args.name!r}; 'derive list' names them")
        if args.axioms:
            if args.format not in ("text", "json"):
                raise _UsageError("--axioms prints text or json")
            return _show_axioms(args.name, args)
        _print_derivations([args.name], args)
    elif args.command == "ce":
        if args.one_sample and (args.link or args.gradient or args.stable):
            raise _UsageError("--one-sample has no --link or --gradient; 'derive show softmax-hessian' "
                              "differentiates one sample through softmax")
        _print_derivations(_loss_and_gradient("ce-one-sample" if args.one_sample else "ce", args), args)
    elif args.command == "bce":
        if args.route == "bernoulli" and (args.link or args.gradient or args.stable):
            raise _UsageError("--link, --gradient and --stable start from the categorical route; drop --from bernoulli")
        _print_derivations(_loss_and_gradient("bce" if args.route == "categorical" else "bce-bernoulli", args), args)
    elif args.command == "grad":
        _grad(args)
    elif args.command == "notes":
        _notes(args)
    elif args.command == "check":
        return _check(args)
    elif args.command == "serve":
        from .serve import serve
        try:
            serve(args.host, args.port, args.workers)
        except ImportError as error:
            raise _UsageError(str(error)) from None
    elif args.command == "rules" and args.prove:
        from .rule_proofs import prove_catalogue
        emit(f"proved the catalogue; the record is {prove_catalogue(every=args.all)}")
    elif args.command == "rules" and args.all:
        raise _UsageError("--all goes with --prove")
    elif args.command == "rules":
        from . import api
        from .printing.json_format import rules_json
        from .printing.text import rules_text
        emit((rules_json if args.format == "json" else rules_text)(api.rules(), args.lang), is_json=args.format == "json")
    return 0


def _losses_as_operands(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """A loss that starts with a minus sign (``derive grad '-x^2' --wrt x``) is not an option:
    anything after a single '-' that no command declares is passed on as an operand (a leading
    space keeps argparse from reading it as an option; the LaTeX reader ignores it)."""
    known: set[str] = set()
    for each in [parser, *_subparsers(parser)]:
        known.update(each._option_string_actions)
    return [f" {arg}" if arg.startswith("-") and not arg.startswith("--") and arg not in known else arg
            for arg in argv]


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    return [sub for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for sub in action.choices.values()]


class _UsageError(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    if sys.stdout is None or sys.stderr is None:  # started with a standard stream closed (derive list >&-)
        return _closed_stream()
    for stream in (sys.stdout, sys.stderr):  # a message never fails on a console that cannot show it
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(_losses_as_operands(parser, sys.argv[1:] if argv is None else argv))
    try:
        code = _run(args, parser)
        sys.stdout.flush()  # a full disk or a closed pipe is reported here, not at exit
        return code
    except _UsageError as exc:
        return _fail(f"derive: error: {exc}")
    except BrokenPipeError:  # the reader stopped (| head): nothing more to say
        _silence_stdout()
        return 0
    except OSError as exc:  # the system refused: stdout full or closed, -o a folder or out of reach
        _silence_stdout()
        where = f"{exc.filename}: " if exc.filename else "standard output: " if exc.errno in _OUTPUT_ERRORS else ""
        return _fail(f"derive: error: {where}{exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - one line for the user; DERIVE_DEBUG=1 shows the traceback
        if os.environ.get("DERIVE_DEBUG"):
            raise
        from .errors import DeriveError
        kind = "error" if isinstance(exc, DeriveError) else "internal error"
        return _fail(f"derive: {kind}: {exc}", 2 if isinstance(exc, DeriveError) else 1)


_OUTPUT_ERRORS = {5, 9, 28, 32}  # EIO, EBADF, ENOSPC, EPIPE: writing to standard output


def _fail(line: str, code: int = 2) -> int:
    """One line on stderr, every character a terminal would act on written out (errors.shown)."""
    from .errors import shown
    try:
        sys.stderr.write(shown(line) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr closed too: the exit code is all that is left
    return code


def _closed_stream() -> int:
    if sys.stderr is not None:
        return _fail("derive: error: standard output is closed: nowhere to write the result")
    return 2


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so Python's flush at exit finds nothing left to fail on."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
