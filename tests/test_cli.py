"""The command line, run as users run it: a subprocess, stdout, stderr and the exit code."""
import json
import subprocess
import sys

import pytest

import derive


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=120)


def test_list_names_one_per_line_first_column():
    out = run("list")
    assert out.returncode == 0
    assert [line.split()[0] for line in out.stdout.splitlines()] == list(derive.names())


def test_ce_prints_verified_steps_and_the_result():
    out = run("ce")
    assert out.returncode == 0, out.stderr
    assert "E = −(1/N) ∑ᵢ₌₁ᴺ ∑ₖ₌₁ᴷ tᵢₖ log yᵢₖ" in out.stdout
    assert out.stdout.count("✓") == len(derive.get("ce").lines)
    full = run("ce", "--detail", "full")
    assert full.stdout.count("✓") == len(derive.get("ce").steps)


def test_bce_from_bernoulli_in_japanese_json():
    out = run("bce", "--from", "bernoulli", "--format", "json", "--lang", "ja")
    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    assert document["derivations"][0]["name"] == "bce-bernoulli"
    assert "ベルヌーイ" in document["derivations"][0]["title"]


def test_show_and_rules():
    assert "−log 0.51" in run("show", "bce-titanic-survived").stdout
    rules = run("rules", "--lang", "ja")
    assert rules.returncode == 0 and "積の対数は対数の和に等しい。" in rules.stdout


@pytest.mark.parametrize("args, words", [
    (["show", "no-such-derivation"], "unknown derivation"),
    (["ce", "--format", "xml"], "invalid choice"),
    (["bce", "--from", "poisson"], "invalid choice"),
    (["frobnicate"], "invalid choice"),
    (["ce", "--lang", "fr"], "invalid choice"),
])
def test_bad_arguments_one_line_exit_2(args, words):
    out = run(*args)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]


def test_help_is_instant_and_complete():
    out = run("--help")
    assert out.returncode == 0
    for command in ("list", "show", "ce", "bce", "rules"):
        assert command in out.stdout


def test_list_and_rules_speak_json_with_a_schema():
    listing = json.loads(run("list", "--format", "json", "--lang", "ja").stdout)
    assert listing["schema"] == "derive.list/1"
    assert [entry["name"] for entry in listing["derivations"]] == list(derive.names())
    assert any("交差エントロピー" in entry["title"] for entry in listing["derivations"])
    rules = json.loads(run("rules", "--format", "json").stdout)
    assert rules["schema"] == "derive.rules/1" and len(rules["rules"]) == len(derive.rules())
    shown = json.loads(run("show", "bce-titanic-died", "--format", "json").stdout)
    assert shown["schema"] == "derive.derivations/1"


def test_check_speaks_json_and_shows_progress_only_on_a_terminal():
    """stdout is a pipe and stderr a terminal (a pty): the JSON is whole and the progress went to stderr."""
    import os
    import pty
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "derive", "check", "--format", "json", "--lang", "ja",
                                "--samples", "2", "--classes", "3"], stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    stderr = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        stderr += chunk
    stdout = process.stdout.read()
    assert process.wait(timeout=300) == 0, stderr
    os.close(leader)
    report = json.loads(stdout)
    assert report["schema"] == "derive.check/1" and report["passed"] is True
    keys = {"kernel", "layout", "dtype", "targets", "classes", "points", "loss_error", "grad_error",
            "difference_error", "tolerance", "passed"}
    assert len(report["kernels"]) == 36 and all(set(row) == keys for row in report["kernels"])
    assert b"[1/" in stderr and b"ce-softmax float64 labels" in stderr


def test_progress_is_silent_off_a_terminal_and_cleared_on_one():
    import io
    from derive.terminal import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    pipe, terminal = io.StringIO(), Terminal()
    for stream in (pipe, terminal):
        progress = Progress(stream)
        progress(0, 3, "deriving ce")
        progress(1, 3, "deriving bce-grad")
        progress.clear()
    assert pipe.getvalue() == ""
    assert "\r[1/3] deriving ce" in terminal.getvalue() and "\r[2/3] deriving bce-grad" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r")


def test_notes_pdf_refuses_at_once_without_tex(monkeypatch, capsys):
    """No TeX: the error comes before any derivation is made, not after a minute of deriving."""
    import shutil

    from derive import api, cli
    monkeypatch.setattr(shutil, "which", lambda program: None)
    monkeypatch.setattr(api, "get", lambda name: pytest.fail("derived before checking for TeX"))
    assert cli.main(["notes", "--pdf", "--lang", "ja"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "latexmk, lualatex, kpsewhich are not installed" in err[0]


@pytest.mark.parametrize("args, expected", [
    (["ce"], "E = -(1/N) sum_{i=1}^N sum_{k=1}^K t_{ik} log y_{ik}"),
    (["bce", "--gradient", "--link", "sigmoid"], "sigma(z_i)"),
])
def test_a_console_that_cannot_show_unicode_gets_ascii(args, expected):
    out = subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, timeout=300,
                         env={**__import__("os").environ, "PYTHONIOENCODING": "cp1252"})
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode("ascii")  # nothing outside ASCII at all
    assert expected in text and "[ok] proved symbolically" in text and "[ok] each of its" in text


def test_a_console_that_cannot_show_japanese_gets_one_clear_line():
    env = {**__import__("os").environ, "PYTHONIOENCODING": "cp1252"}
    out = subprocess.run([sys.executable, "-m", "derive", "ce", "--lang", "ja"], capture_output=True, text=True,
                         timeout=300, env=env)
    assert out.returncode == 2 and out.stdout == ""
    (line,) = out.stderr.strip().splitlines()
    assert "cannot show" in line and "PYTHONIOENCODING=utf-8" in line
    as_json = subprocess.run([sys.executable, "-m", "derive", "bce", "--format", "json", "--lang", "ja"],
                             capture_output=True, timeout=300, env=env)
    assert as_json.returncode == 0
    document = json.loads(as_json.stdout.decode("ascii"))  # \u escapes, the same document
    assert "二値" in document["derivations"][0]["title"]


def _option_choices(parser, option: str) -> tuple[str, ...]:
    for action in parser._actions:
        if option in action.option_strings:
            return tuple(action.choices)
    return ()


def test_the_readme_says_which_command_takes_which_option():
    """The README's table of output options is the parser's, command by command."""
    import re

    from derive.cli import build_parser
    from tools import ROOT
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| command | `--format` | `--lang` | `--tags` | `--detail` |"):].split("\n\n")[0]
    subparsers = next(a for a in build_parser()._actions if a.dest == "command").choices
    documented = set()
    for row in table.splitlines()[2:]:
        commands, formats, langs, tags, detail = (cell.strip() for cell in row.strip("|").split("|"))
        for command in re.findall(r"`(\w+)`", commands):
            documented.add(command)
            parser = subparsers[command]
            for option, cell in (("--format", formats), ("--lang", langs), ("--tags", tags), ("--detail", detail)):
                claimed = tuple(re.findall(r"^([a-z, ]+)", cell)[0].replace(" ", "").split(",")) \
                    if re.match(r"^[a-z]", cell) else ()
                assert _option_choices(parser, option) == claimed, (command, option)
    assert documented == set(subparsers)


def test_rules_prove_records_the_proofs(monkeypatch, capsys, tmp_path):
    from derive import cli, rule_proofs
    asked = []
    monkeypatch.setattr(rule_proofs, "prove_catalogue", lambda every: asked.append(every) or tmp_path / "proofs.json")
    assert cli.main(["rules", "--prove"]) == 0 and cli.main(["rules", "--prove", "--all"]) == 0
    assert asked == [False, True]  # the rules without a proof for their text; then every rule
    assert capsys.readouterr().out.strip().splitlines() == [f"proved the catalogue; the record is {tmp_path / 'proofs.json'}"] * 2


def test_rules_all_without_prove_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "derive", "rules", "--all"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "--all goes with --prove" in done.stderr and "Traceback" not in done.stderr


def _one_error_line(done: subprocess.CompletedProcess, *words: str) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith("derive") and ": error: " in lines[0], lines[0]  # argparse's: "derive ce: error: "
    assert all(word in lines[0] for word in words), lines[0]
    assert "\x1b" not in done.stderr and "Traceback" not in done.stderr
    return lines[0]


def test_a_closed_stdout_is_one_line_and_exit_2():
    done = subprocess.run([sys.executable, "-m", "derive", "list"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=120, pass_fds=(), preexec_fn=lambda: __import__("os").close(1))
    _one_error_line(done, "standard output is closed")


def test_a_full_stdout_is_one_line_and_exit_2():
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "derive", "ce"], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    _one_error_line(done, "standard output", "No space left on device")


def test_a_reader_that_stops_early_ends_quietly():
    """``derive ce --detail full | head -1``: the pipe closes under derive; no message, no traceback."""
    done = subprocess.run(f"{sys.executable} -m derive ce --detail full | head -c 10", shell=True,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout == "ce: Cross-"[:10] and done.stderr == ""


@pytest.mark.parametrize("target, words", [
    ("{tmp}", ["is a folder"]),
    ("{tmp}/missing/notes.tex", ["does not exist"]),
    ("{tmp}/locked/notes.tex", ["cannot write in"]),
    ("/proc/notes.tex", ["cannot write in /proc"]),
])
def test_an_unwritable_output_is_refused_before_any_work(target, words, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if __import__("os").geteuid() == 0 and "locked" in target:
        target = "/sys/notes.tex"  # root writes anywhere a mode allows: a file system that refuses instead
        words = ["cannot write in /sys"]
    done = run("notes", "-o", target.format(tmp=tmp_path))
    _one_error_line(done, *words)


def test_control_characters_in_arguments_are_written_out_in_the_one_line():
    for args in (["show", "\x1b[31mred"], ["ce", "--format", "\x1b]0;title\x07"], ["grad", "x^2", "--wrt", "\x1b[2J"]):
        line = _one_error_line(run(*args))  # no raw ESC in it
        assert "\\x1b" in line or "never closed" in line  # quoted written out, or not quoted at all


def test_the_list_sets_every_title_in_one_column(capsys):
    """Names longer than any fixed width (ce-soft-options-softmax-grad-stable) push no title out
    of the column: each title starts where every other does, two spaces after the longest name."""
    from derive.cli import main

    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    starts = {len(line) - len(line[len(name):].lstrip()) for line, name in zip(lines, names)}
    assert starts == {max(map(len, names)) + 2} and max(map(len, names)) > 22


def test_grad_stable_says_its_start_is_the_verified_gradient(capsys):
    """The stable forms of a user's gradient start from that gradient's derivation: every step of
    it proved but the user's loss, which is given; the start is said so, not "not verified"."""
    from derive.cli import main

    assert main(["grad", r"-\sum_{k=1}^{K} t_k \log y_k", "--wrt", "y_{j}", "--stable"]) == 0
    out = capsys.readouterr().out
    assert "not verified" not in out.split("gradient-loss-stable")[1]
    assert out.count("from the loss as given") == 2  # the stable loss and the stable gradient
