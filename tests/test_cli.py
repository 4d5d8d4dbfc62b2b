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
    assert out.stdout.count("✓") == len(derive.get("ce").steps)


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
