"""derive serve's API, through Starlette's TestClient: results, errors with their positions, hostile
inputs (answered with a clear error or as inert data), and the worker pool (a memory cap in each
worker alone, a worker killed mid-request replaced, a slow input stopped at its time limit)."""
from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser

import pytest
import sympy as sp

from derive.serve.pool import WorkerPool
from tools import require

try:  # the serve extra: with CI=true its absence fails every test here (require), else they skip
    from starlette.testclient import TestClient

    from derive.serve.app import STATIC, create_app
except ImportError:
    TestClient = None


@pytest.fixture(autouse=True, scope="module")
def _the_serve_extra():  # module-wide: before the module's client is made
    require(TestClient is not None, "Starlette (the serve extra: pip install -e '.[serve]')")


BCE = r"-t\log y - (1-t)\log(1-y)"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(WorkerPool(2))) as test_client:
        yield test_client


def _error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["error"]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.styled: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        if "style" in attributes:
            self.styled.append(tag)
        self.handlers += [name for name in attributes if name.startswith("on")]


def test_the_page_has_no_inline_script_and_a_policy_that_allows_none(client):
    response = client.get("/")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "default-src 'none'" in policy
    tags = _Tags()
    tags.feed(response.text)
    assert tags.scripts and all(script.get("src", "").startswith("/static/") for script in tags.scripts)
    assert not tags.styled and not tags.handlers
    assert not re.search(r"https?://", response.text), "the page names no other server"


def test_katex_and_every_font_its_css_asks_for_first_are_served_from_the_package(client):
    css = client.get("/static/katex/katex.min.css")
    assert css.status_code == 200 and client.get("/static/katex/katex.min.js").status_code == 200
    fonts = sorted(set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css.text)))
    assert len(fonts) > 10
    for font in fonts:
        assert (STATIC / "katex" / font).is_file(), font
    assert client.get("/static/" + "katex/" + fonts[0]).status_code == 200
    assert client.get("/static/../app.py").status_code == 404


def test_the_builtins_are_listed_in_each_language(client):
    english = client.get("/api/builtins", params={"lang": "en"}).json()["derivations"]
    japanese = client.get("/api/builtins", params={"lang": "ja"}).json()["derivations"]
    assert {"ce", "bce-sigmoid-grad"} <= {entry["name"] for entry in english}
    assert [e["name"] for e in english] == [e["name"] for e in japanese]
    assert dict((e["name"], e["title"]) for e in english)["ce"] != dict((e["name"], e["title"]) for e in japanese)["ce"]
    assert "unknown language" in _error(client.get("/api/builtins", params={"lang": "xx"}))["message"]


def test_a_typed_loss_is_derived_and_its_result_is_the_derivative(client):
    response = client.get("/api/derive", params={"loss": BCE, "wrt": "y", "lang": "en"})
    assert response.status_code == 200, response.text
    document = response.json()
    derivation = document["derivation"]
    t, y = sp.symbols("t y", real=True)
    assert sp.simplify(sp.sympify(derivation["result"]["rhs"]) - sp.diff(-t * sp.log(y) - (1 - t) * sp.log(1 - y), y)) == 0
    lines, steps = derivation["lines"], derivation["steps"]
    assert lines[0]["steps"][0] == 1 and lines[-1]["steps"][1] == len(steps)  # the lines cover every step
    assert all(line["checked"] for line in lines) and all(step["checked"] for step in steps)
    assert any(line["checked"].startswith("✓") for line in lines[1:])
    assert len(document["stable_forms"]) == 2
    assert r"\begin{" in document["latex"] and "$$" in document["markdown"]


def test_a_loss_with_a_kink_is_answered_piece_by_piece_with_its_kink_stated(client):
    """A hinge loss (derive.piecewise): each smooth piece's own verified derivation, the cases, and the
    kink where the derivative does not exist with the value PyTorch takes there."""
    hinge = r"\max(0, 1 - y z)"
    response = client.get("/api/derive", params={"loss": hinge, "wrt": "z", "lang": "en"})
    assert response.status_code == 200, response.text
    document = response.json()
    y, z = sp.symbols("y z", real=True)
    derivations = [document["derivation"], *document["pieces"]]
    results = {sp.simplify(sp.sympify(d["result"]["rhs"])) for d in derivations}
    assert sp.simplify(-y) in results  # the piece where y z < 1 (the other piece, 0, may need no derivation)
    assert all(step["checked"] for d in derivations for step in d["steps"])
    assert document["stable_forms"] == []
    assert any("does not exist" in sentence and "PyTorch" in sentence for sentence in document["piecewise"]["kinks"])
    assert r"\begin{cases}" in document["latex"]


def test_the_words_follow_the_language(client):
    english = client.get("/api/derive", params={"loss": BCE, "wrt": "y", "lang": "en"}).json()
    japanese = client.get("/api/derive", params={"loss": BCE, "wrt": "y", "lang": "ja"}).json()
    assert english["derivation"]["result"] == japanese["derivation"]["result"]
    words = [line["justification"] for line in japanese["derivation"]["lines"]]
    assert any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", w) for w in words)
    assert not any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", line["justification"]) for line in english["derivation"]["lines"])


def test_the_page_words_come_from_the_language_files_and_cover_every_key_the_page_uses(client):
    """The page's words are data (rules/languages/*/page.toml, served at /api/words), not a table
    in app.js: every key index.html and app.js ask for is there, in each language, in its own words."""
    served = client.get("/api/words").json()
    assert set(served) == {"en", "ja"} and served["ja"]["name"] == "日本語"
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    asked = set(re.findall(r'data-text="([a-z_]+)"', (STATIC / "index.html").read_text(encoding="utf-8")))
    asked |= {key for call in re.findall(r"\bword\(([^()]*)\)", script) for key in re.findall(r'"([a-z_]+)"', call)}
    assert len(asked) >= 25 and "tagline" not in script
    for code, lang in served.items():
        assert asked <= set(lang["words"]), (code, sorted(asked - set(lang["words"])))
    japanese = served["ja"]["words"]
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", japanese[key]) for key in asked)
    assert sum(japanese[key] == served["en"]["words"][key] for key in asked) == 0


def test_a_result_with_the_softmax_named_once_reaches_the_page(client):
    """The result again with what it uses twice named once (where p = softmax(z)), for the page to show."""
    brier = r"\sum_{k=1}^{K} (\operatorname{softmax}(z)_{k} - t_{k})^{2}"
    document = client.get("/api/derive", params={"loss": brier, "wrt": "z_{j}", "lang": "ja"}).json()
    named = document["derivation"]["result"]["named"]
    assert named.startswith("= 2 p_{j}") and r"\text{、ただし } p = \operatorname{softmax}" in named
    assert "result.named" in (STATIC / "app.js").read_text(encoding="utf-8")


def test_an_error_names_the_position_in_what_was_typed(client):
    typed = r"x^{1000} + y"
    error = _error(client.get("/api/derive", params={"loss": typed, "wrt": "x"}))
    assert error["kind"] == "parse" and "1000" in error["message"] and error["position"] == typed.index("^")
    typed = r"-t\log y + \frac{1}{"
    error = _error(client.get("/api/derive", params={"loss": typed, "wrt": "y"}))
    assert error["position"] is not None and 0 <= error["position"] <= len(typed)


@pytest.mark.parametrize("loss, wrt, words", [
    (r"\input{/etc/passwd}", "x", r"\input"),
    ("(" * 400 + "x" + ")" * 400, "x", "nest"),
    (r"\exp(" * 40 + "x" + ")" * 40, "x", "nest"),
    (r"10^{10^{10}} x", "x", "tower"),
    ("x + " * 600 + "x", "x", "characters"),
    (r"-t\log y", "<script>alert(1)</script>", ""),
    (r"-t \log <script>alert(1)</script>", "y", ""),
    (r"\log x", r"\log", ""),
])
def test_a_hostile_input_is_a_clear_error(client, loss, wrt, words):
    error = _error(client.get("/api/derive", params={"loss": loss, "wrt": wrt}))
    assert error["kind"] in ("parse", "limit", "input") and error["message"]
    assert words in error["message"]
    assert "root:" not in error["message"] and "Traceback" not in error["message"]


def test_the_server_answers_after_hostile_inputs(client):
    for loss in (r"x^{99999999}", "{" * 300, r"\input{/etc/passwd}", "\x00\x1b[2J"):
        assert client.get("/api/derive", params={"loss": loss, "wrt": "x"}).status_code == 400
    response = client.get("/api/derive", params={"loss": r"x^{2}", "wrt": "x"})
    assert response.status_code == 200 and response.json()["derivation"]["result"]["latex"]


@pytest.mark.parametrize("params, words", [
    ({"wrt": "y"}, "loss"),
    ({"loss": BCE}, "wrt"),
    ({"loss": BCE, "wrt": "y", "order": "9"}, "order"),
    ({"loss": BCE, "wrt": "y", "order": "x"}, "order"),
    ({"loss": BCE, "wrt": ["y", "t", "y"], "order": "2"}, "one per derivative"),
])
def test_malformed_requests_name_what_is_wrong(client, params, words):
    assert words in _error(client.get("/api/derive", params=params))["message"]


def test_a_builtin_is_shown_with_its_stable_form_and_kernel(client):
    document = client.get("/api/show", params={"name": "bce-sigmoid", "lang": "en"}).json()
    assert document["derivation"]["name"] == "bce-sigmoid"
    assert document["stable_forms"] and document["stable_forms"][0]["name"] == "bce-sigmoid-stable"
    assert "def loss" in document["kernel_source"] and "@" in document["kernel_source"]
    unknown = _error(client.get("/api/show", params={"name": "<b>nope</b>"}))
    assert "<b>nope</b>" in unknown["message"] and "unknown derivation" in unknown["message"]


def test_the_plot_is_the_kernel_along_one_variable(client):
    response = client.get("/api/plot", params={"loss": BCE, "wrt": "y", "from": "-0.5", "to": "1.5", "points": "81"})
    assert response.status_code == 200, response.text
    plot = response.json()
    xs, losses, gradients = plot["x"], plot["loss"], plot["gradient"]
    assert len(xs) == len(losses) == len(gradients) == 81 and xs[0] == -0.5 and xs[-1] == 1.5
    for x, loss in zip(xs, losses):
        assert (loss is None) == (not 0 < x < 1), x  # outside the domain of log y and log(1 - y): a gap
    step = xs[1] - xs[0]
    for n in range(1, 80):
        if None not in (losses[n - 1], losses[n + 1]) and 0.2 < xs[n] < 0.8:
            assert gradients[n] == pytest.approx((losses[n + 1] - losses[n - 1]) / (2 * step), rel=1e-2, abs=1e-2)
    assert "def grad" in plot["kernel_source"]
    assert "range" in _error(client.get("/api/plot", params={"loss": BCE, "wrt": "y", "from": "1", "to": "nan"}))["message"] \
        or "number" in _error(client.get("/api/plot", params={"loss": BCE, "wrt": "y", "from": "1", "to": "nan"}))["message"]
    assert "smaller" in _error(client.get("/api/plot", params={"loss": BCE, "wrt": "y", "from": "1", "to": "0"}))["message"]


def _limit_line(pid: int) -> str:
    with open(f"/proc/{pid}/limits") as limits:
        return next(line for line in limits if line.startswith("Max address space"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_each_worker_has_a_memory_cap_and_the_server_has_none_of_its_own():
    before = resource.getrlimit(resource.RLIMIT_AS)
    pool = WorkerPool(1, memory_mib=1500)
    with TestClient(create_app(pool)) as client:
        assert client.get("/api/builtins").status_code == 200
        assert str(1500 * (1 << 20)) in _limit_line(pool.pids()[0])
    assert resource.getrlimit(resource.RLIMIT_AS) == before


def test_a_worker_killed_mid_request_is_replaced_and_the_request_answered():
    pool = WorkerPool(1)
    with TestClient(create_app(pool)) as client:
        assert client.get("/api/builtins").status_code == 200  # the worker is up
        victim = pool.pids()[0]
        answers: list = []
        request = threading.Thread(target=lambda: answers.append(
            client.get("/api/derive", params={"loss": r"\frac{1}{1 + e^{-x^{3} \sin x}}", "wrt": "x", "order": "2"})))
        request.start()
        time.sleep(0.5)
        os.kill(victim, signal.SIGKILL)
        request.join(60)
        assert answers and answers[0].status_code == 503
        assert answers[0].json()["error"]["kind"] == "crash"
        assert pool.replaced == 1 and pool.pids() and pool.pids()[0] != victim
        assert client.get("/api/derive", params={"loss": "x^{2}", "wrt": "x"}).status_code == 200


def test_an_input_past_the_time_limit_is_stopped_and_the_server_goes_on():
    pool = WorkerPool(1)
    with TestClient(create_app(pool, timeouts={"show": 0.05})) as client:
        assert client.get("/api/builtins").status_code == 200
        error = _error(client.get("/api/show", params={"name": "softmax-hessian"}), 504)
        assert error["kind"] == "timeout"
        assert pool.replaced == 1
        assert client.get("/api/builtins").status_code == 200


def test_the_command_line_names_serve_and_refuses_a_bad_port():
    help_text = subprocess.run([sys.executable, "-m", "derive", "--help"], capture_output=True, text=True).stdout
    assert "serve" in help_text
    refused = subprocess.run([sys.executable, "-m", "derive", "serve", "--port", "http"], capture_output=True, text=True)
    assert refused.returncode == 2 and "port" in refused.stderr and "Traceback" not in refused.stderr
    assert "sympy" not in subprocess.run([sys.executable, "-c", "import sys, derive.cli, derive.serve; "
                                          "print(' '.join(sys.modules))"], capture_output=True, text=True).stdout.split()


def test_a_certificate_downloads_and_the_small_checker_accepts_it(client):
    from derive_checker.certificate import check_certificate
    response = client.get("/api/certificate", params={"loss": BCE, "wrt": "y"})
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    assert check_certificate(response.json())["ok"] is True
    built_in = client.get("/api/certificate", params={"name": "bce-sigmoid-grad"})
    assert built_in.status_code == 200 and check_certificate(built_in.json())["ok"] is True
    assert "unknown derivation" in _error(client.get("/api/certificate", params={"name": "nope"}))["message"]
    assert "content-disposition" not in client.get("/api/certificate", params={"name": "nope"}).headers


def test_a_port_in_use_is_one_clear_line():
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run([sys.executable, "-m", "derive", "serve", "--port", str(port)],
                                 capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == f"derive: error: cannot listen on 127.0.0.1:{port} (Address already in use)"


# A loss that keeps a worker busy for seconds of verified work (the class-weighted focal loss through
# softmax, about 2.6 s cold).  Hostile inputs that once took the parser seconds (\\exp( thirty deep, a
# chain of brackets) are now refused or read in milliseconds, so a slow input is a real loss.
SLOW_LOSS = r"-\sum_{k=1}^{K} \alpha_{k} t_{k} (1 - \operatorname{softmax}(z)_{k})^{\gamma} \log \operatorname{softmax}(z)_{k}"
SLOW_WRT = "z_{j}"


def test_a_slow_input_does_not_block_the_other_worker(client):
    """A loss that takes a worker seconds to derive; meanwhile the other worker answers a small loss:
    the slow request is still going when it has, and is answered in the end."""
    slow: list = []
    request = threading.Thread(target=lambda: slow.append(
        client.get("/api/derive", params={"loss": SLOW_LOSS, "wrt": SLOW_WRT})))
    request.start()
    time.sleep(0.3)
    quick = client.get("/api/derive", params={"loss": "x^{2} + x", "wrt": "x"})
    assert quick.status_code == 200
    assert request.is_alive() and not slow  # answered while the slow loss was still being derived
    request.join(120)
    assert slow and slow[0].status_code == 200, slow[0].text


def test_a_builtin_plots_its_kernel_against_the_closed_forms(client):
    import math
    sigmoid = client.get("/api/plot", params={"name": "bce-sigmoid", "from": "-4", "to": "4", "points": "9"}).json()
    for z, loss, gradient in zip(sigmoid["x"], sigmoid["loss"], sigmoid["gradient"]):  # target 1: -log σ(z), σ(z) - 1
        assert loss == pytest.approx(math.log1p(math.exp(-z)), rel=1e-12)
        assert gradient == pytest.approx(1 / (1 + math.exp(-z)) - 1, rel=1e-12)
    probabilities = client.get("/api/plot", params={"name": "ce", "from": "-0.5", "to": "1", "points": "7"}).json()
    for y, loss, gradient in zip(probabilities["x"], probabilities["loss"], probabilities["gradient"]):
        if y <= 0:
            assert loss is None and gradient is None  # log of a non-positive probability: a gap
        else:  # the first class observed: -log y₁, -1/y₁
            assert loss == pytest.approx(-math.log(y), rel=1e-12) and gradient == pytest.approx(-1 / y, rel=1e-12)
    assert "no kernel" in _error(client.get("/api/plot", params={"name": "ema"}))["message"]


def test_a_worker_out_of_memory_is_an_answer_and_the_server_stays_up():
    """A cap too small for the engine itself: every derivation runs out of memory in the worker,
    and each request is answered with the reason while the server goes on serving the page.  (The
    engine without NumPy, which a derivation shown no longer imports, fits in 80 MiB.)"""
    pool = WorkerPool(1, memory_mib=50)
    with TestClient(create_app(pool)) as client:
        for _ in range(2):
            error = client.get("/api/derive", params={"loss": "x^{2}", "wrt": "x"}).json()["error"]
            assert error["kind"] in ("memory", "crash", "internal"), error
        assert client.get("/").status_code == 200


def test_a_mixed_second_derivative_by_two_variables(client):
    response = client.get("/api/derive", params={"loss": r"x^{3} y^{2} + \log(x y)", "wrt": ["x", "y"], "order": "2"})
    assert response.status_code == 200, response.text
    x, y = sp.symbols("x y", real=True)
    result = sp.sympify(response.json()["derivation"]["result"]["rhs"])
    assert sp.simplify(result - sp.diff(x**3 * y**2 + sp.log(x * y), x, y)) == 0
    assert response.json()["stable_forms"] == []  # a kernel, and its stable forms, are of a first derivative


def test_a_request_past_the_line_is_told_to_come_back():
    pool = WorkerPool(1, max_waiting=0)
    with TestClient(create_app(pool)) as client:
        assert client.get("/api/derive", params={"loss": "x^{2}", "wrt": "x"}).status_code == 200  # an idle worker
        slow = threading.Thread(target=lambda: client.get("/api/derive", params={"loss": SLOW_LOSS,
                                                                                  "wrt": SLOW_WRT}))
        slow.start()
        time.sleep(0.5)
        error = _error(client.get("/api/derive", params={"loss": "x^{2}", "wrt": "x"}), 503)
        assert error["kind"] == "busy" and "try again" in error["message"]
        slow.join(120)
