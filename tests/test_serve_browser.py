"""derive serve in a real browser: headless Chromium, driven through the DevTools protocol (the
``websockets`` package), against ``python -m derive serve`` started as a user starts it.  The page
opens on the series' cross-entropy; a loss is typed, a line expanded, the language switched, a
built-in opened, an error shown at its position, the plot drawn; no script error, no CSP violation,
and no markup made of what was typed."""
from __future__ import annotations

import itertools
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tools import require

# One scenario in one browser, each test after the one before it: wholly in the slow set
# (tests/slow_tests.txt), which .ci/run runs with --dist loadfile (a file's tests on one worker, in order).

WAIT = 120.0  # seconds: the first derivation of a worker, on a loaded machine


class DevTools:
    """One page of a headless Chromium, spoken to over the DevTools protocol."""

    def __init__(self, socket):
        self.socket = socket
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def send(self, method: str, **params) -> dict:
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=WAIT))
            if message.get("id") == number:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, what: str):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.25)
        raise AssertionError(f"waited {WAIT:g} s for {what} ({expression})")

    def type_into(self, selector: str, text: str) -> None:
        """Focus the field, select what is in it and type ``text`` over it, as keys would."""
        self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); e.select(); }})()")
        self.send("Input.insertText", text=text)

    def problems(self) -> list[str]:
        """Script exceptions and console errors (a CSP violation is one) seen so far."""
        found = []
        for event in self.events:
            if event.get("method") == "Runtime.exceptionThrown":
                found.append(json.dumps(event["params"]["exceptionDetails"])[:300])
            elif event.get("method") == "Log.entryAdded" and event["params"]["entry"]["level"] == "error":
                entry = event["params"]["entry"]
                refused = entry.get("source") == "network" and "status of 400" in entry["text"]  # an error answered
                if not refused and "favicon" not in entry.get("url", ""):
                    found.append(entry["text"][:300])
            elif event.get("method") == "Runtime.consoleAPICalled" and event["params"]["type"] == "error":
                found.append(str(event["params"]["args"])[:300])
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_server(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        assert server.poll() is None, f"derive serve exited: {server.stderr.read() if server.stderr else ''}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"derive serve did not answer at {url}")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    require(browser is not None, "Chromium (headless; .ci/install-tools installs Debian's chromium)")
    try:
        import websockets  # noqa: F401 - the DevTools protocol's transport
    except ImportError:
        websockets = None
    require(websockets is not None, "websockets (the test extra)")
    try:
        import starlette  # noqa: F401 - the server's framework
    except ImportError:
        starlette = None
    require(starlette is not None, "Starlette (the serve extra: pip install -e '.[serve]')")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "derive", "serve", "--port", str(port), "--workers", "2"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    profile = tmp_path_factory.mktemp("chromium")
    chromium = None
    try:
        _wait_for_server(url, server)
        chromium = subprocess.Popen([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                     "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1200,900",
                                     "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        active = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (active.is_file() and active.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.2)
        debug_port = active.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{debug_port}/json/list", timeout=10) as listing:
            target = next(t for t in json.load(listing) if t["type"] == "page")
        from websockets.sync.client import connect
        with connect(target["webSocketDebuggerUrl"], max_size=None) as connection:
            tools = DevTools(connection)
            for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
                tools.send(domain)
            tools.send("Page.navigate", url=url)
            yield tools
    finally:
        for process in (chromium, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()


def _text(selector: str) -> str:
    return f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent || ''"


def test_the_page_opens_on_the_series_cross_entropy_derived(page):
    page.wait_for("document.querySelectorAll('#blackboard > li .katex').length >= 3", "the blackboard of ce")
    assert "Cross-entropy" in page.evaluate(_text("#title"))
    assert page.evaluate("document.querySelectorAll('#blackboard .check.proved').length") >= 1
    assert page.evaluate("document.querySelectorAll('#preview .katex').length") == 1  # the typed loss, previewed
    assert "show=ce" in page.evaluate("location.search")
    page.wait_for("document.querySelectorAll('#builtins option').length > 20", "the list of built-ins")


def test_a_typed_loss_is_previewed_derived_and_put_in_the_url(page):
    page.type_into("#loss", r"-t\log y - (1-t)\log(1-y)")
    assert "log" in page.evaluate("document.querySelector('#preview annotation').textContent")
    page.type_into("#wrt", "y")
    page.evaluate("document.querySelector('#derive').click()")
    page.wait_for("document.querySelector('#title').textContent.includes('y') && "
                  "!document.querySelector('#title').textContent.includes('Cross-entropy')", "the typed loss's derivation")
    search = page.evaluate("location.search")
    assert "loss=" in search and "wrt=y" in search and "show=" not in search
    assert page.evaluate("document.querySelector('#certificate').getAttribute('href')").startswith("/api/certificate?loss=")
    assert page.evaluate("document.querySelectorAll('#stable-forms > h3').length") == 2  # the loss's and the gradient's
    page.evaluate("document.querySelector('#copy-markdown').click()")
    copied = page.wait_for("document.querySelector('#copy-box').value", "the Markdown to copy")
    assert "$$" in copied and "\\log" in copied and not page.evaluate("document.querySelector('#copy-box').hidden")
    last = page.evaluate("[...document.querySelectorAll('#blackboard > li > .equation annotation')].pop().textContent")
    assert r"\frac{t}{y}" in last.replace(" ", "") or "t}{y}" in last.replace(" ", "")


def test_a_line_expands_to_its_verified_steps(page):
    page.wait_for("!!document.querySelector('#blackboard .expand')", "a line with steps")
    assert page.evaluate("document.querySelector('#blackboard .steps').hidden") is True
    page.evaluate("document.querySelector('#blackboard .expand').click()")
    shown = page.evaluate("(() => { const s = document.querySelector('#blackboard .steps'); "
                          "return [s.hidden, s.children.length, s.querySelectorAll('.katex').length, "
                          "s.querySelectorAll('.check').length]; })()")
    assert shown[0] is False and shown[1] >= 2 and shown[2] >= shown[1] and shown[3] == shown[1]
    words = page.evaluate("document.querySelector('#blackboard .steps .check span').textContent")
    assert words  # how the step was checked, in words


def test_the_plot_is_drawn_from_the_kernel(page):
    page.evaluate("document.querySelector('#plot-box').open = true")
    points = page.wait_for("Number(document.querySelector('#plot').dataset.points)", "the plot")
    assert points > 10
    assert "def grad" in page.evaluate(_text("#kernel-source"))


def test_switching_to_japanese_changes_the_words_and_the_derivation(page):
    page.evaluate("document.querySelector('#lang-ja').click()")
    page.wait_for("document.querySelector('#derive').textContent === '導出'", "the Japanese interface")
    page.wait_for("/[\\u3040-\\u30ff\\u4e00-\\u9fff]/.test(document.querySelector('#title').textContent)",
                  "the derivation's title in Japanese")
    assert page.evaluate("document.documentElement.lang") == "ja"
    assert "lang=ja" in page.evaluate("location.search")


def test_a_builtin_opens_from_the_list(page):
    page.evaluate("document.querySelector('#builtins').value = 'bce-sigmoid-grad'")
    page.evaluate("document.querySelector('#open').click()")
    page.wait_for("location.search.includes('show=bce-sigmoid-grad') && "
                  "document.querySelector('#title').textContent.includes('σ')", "the built-in bce-sigmoid-grad")
    assert page.evaluate("document.querySelectorAll('#blackboard > li').length") >= 3


def test_an_error_is_shown_beside_the_input_at_its_position(page):
    page.type_into("#loss", r"x + y^{1000}")
    page.type_into("#wrt", "x")
    page.evaluate("document.querySelector('#derive').click()")
    page.wait_for("!document.querySelector('#error').hidden", "the error")
    assert "1000" in page.evaluate(_text("#error-message"))
    assert page.evaluate(_text("#error-at")) == "^"
    assert page.evaluate(_text("#error-before")) == "x + y"


def test_typed_markup_stays_text(page):
    typed = '<img src=x onerror="document.title=1"><script>document.title=2</script>'
    page.type_into("#loss", typed)
    page.type_into("#wrt", "<b>y</b>")
    page.evaluate("document.querySelector('#derive').click()")
    page.wait_for("!document.querySelector('#error').hidden && document.querySelector('#error-message').textContent",
                  "the error for markup")
    assert page.evaluate("document.querySelectorAll('img, script:not([src]), b').length") == 0
    assert page.evaluate("document.title") == "derive"
    assert page.evaluate("document.querySelector('#error-before').textContent + "
                         "document.querySelector('#error-at').textContent + "
                         "document.querySelector('#error-after').textContent") in (typed, typed + " ")


def test_no_script_error_and_no_policy_violation(page):
    assert page.problems() == []
    # the check sees what it is for: an inline script planted now is refused by the CSP, and reported
    page.evaluate("(() => { const s = document.createElement('script'); s.textContent = 'document.title = 3'; "
                  "document.body.append(s); })()")
    page.evaluate("new Promise(done => setTimeout(done, 300))")
    assert page.evaluate("document.title") == "derive"
    assert any("Content Security Policy" in problem for problem in page.problems())
