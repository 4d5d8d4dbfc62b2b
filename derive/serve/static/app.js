// derive serve: the page's behaviour. No framework; every text from the server or the user is
// placed with textContent or rendered by KaTeX (which builds DOM nodes, trust off), never innerHTML.
"use strict";

// The page's words, in every language the server knows (rules/languages/*/page.toml), read at start.
let WORDS = { en: { name: "English", words: {} } };
const SERIES_LOSS = "E = -\\frac{1}{N}\\sum_{i=1}^{N}\\sum_{k=1}^{K} t_{ik}\\log y_{ik}";
const SERIES_WRT = "y_{ik}";

const state = { lang: "en", show: "ce", loss: SERIES_LOSS, wrt: SERIES_WRT, order: "1", document: null };
const $ = (id) => document.getElementById(id);
const word = (key) => (WORDS[state.lang] || WORDS.en).words[key] || key;

function math(element, tex, display) {
  try {
    katex.render(tex, element, { displayMode: !!display, throwOnError: false, trust: false, maxSize: 20, maxExpand: 200 });
  } catch (error) {
    element.textContent = tex;
  }
}

// Words with $...$ formulas inside (the engine's justifications and titles): text nodes and KaTeX.
function prose(element, text) {
  element.replaceChildren();
  String(text || "").split("$").forEach((part, n) => {
    if (n % 2 === 1) {
      const span = document.createElement("span");
      math(span, part, false);
      element.appendChild(span);
    } else if (part) {
      element.appendChild(document.createTextNode(part));
    }
  });
}

function applyWords() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-text]").forEach((el) => { el.textContent = word(el.dataset.text); });
  document.querySelectorAll("#languages button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang)));
}

function readUrl() {
  const query = new URLSearchParams(location.search);
  if (WORDS[query.get("lang")]) state.lang = query.get("lang");
  if (query.has("loss")) {
    state.loss = query.get("loss");
    state.wrt = query.getAll("wrt").join(", ") || "";
    state.order = query.get("order") || "1";
    state.show = null;
  } else if (query.has("show")) {
    state.show = query.get("show");
  }
}

function writeUrl() {
  const query = new URLSearchParams({ lang: state.lang });
  if (state.show) {
    query.set("show", state.show);
  } else {
    query.set("loss", state.loss);
    variables().forEach((v) => query.append("wrt", v));
    query.set("order", state.order);
  }
  history.replaceState(null, "", "?" + query.toString());
}

function variables() {
  return state.wrt.split(/,(?![^{]*})/).map((v) => v.trim()).filter(Boolean);
}

async function api(path, params) {
  let response;
  try {
    response = await fetch(path + "?" + params.toString(), { headers: { Accept: "application/json" } });
  } catch (error) {
    return { error: { kind: "network", message: word("no_server"), position: null } };
  }
  try {
    return await response.json();
  } catch (error) {
    return { error: { kind: "internal", message: "HTTP " + response.status, position: null } };
  }
}

function showError(error, typed) {
  const box = $("error");
  box.hidden = !error;
  if (!error) return;
  $("error-message").textContent = error.message;
  const where = $("error-where");
  const position = Number.isInteger(error.position) && typed != null ? Math.min(error.position, typed.length) : null;
  where.hidden = position === null;
  if (position !== null) {
    $("error-before").textContent = typed.slice(0, position);
    $("error-at").textContent = typed.slice(position, position + 1) || " ";
    $("error-after").textContent = typed.slice(position + 1);
    $("error-at").title = state.lang === "ja" ? (position + 1) + " " + word("error_at") : word("error_at") + " " + (position + 1);
  }
}

function checkMark(checked) {
  const mark = document.createElement("details");
  const [symbol] = String(checked).split(" ");
  const known = symbol === "✓" || symbol === "≈" || symbol === "◦";  // ◦: the loss as given, nothing to prove
  mark.className = "check " + (symbol === "✓" ? "proved" : symbol === "≈" ? "numeric" : symbol === "◦" ? "given" : "unverified");
  const summary = document.createElement("summary");
  summary.textContent = known ? symbol : "✗";
  const words = document.createElement("span");
  words.textContent = known ? checked.slice(symbol.length).trim() : checked;
  mark.append(summary, words);
  return mark;
}

function equationRow(item, element) {
  const formula = document.createElement("div");
  formula.className = "equation";
  math(formula, item.latex, true);
  const words = document.createElement("p");
  words.className = "words";
  prose(words, item.justification);
  element.append(formula, words, checkMark(item.checked));
}

function blackboard(derivation, list) {
  list.replaceChildren();
  derivation.lines.forEach((line) => {
    const li = document.createElement("li");
    li.className = "line";
    equationRow(line, li);
    const [first, last] = line.steps;
    if (last > first || derivation.steps[first - 1].rule !== "given") {
      const toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "expand";
      toggle.textContent = word("steps") + " " + first + (last > first ? "–" + last : "");
      const steps = document.createElement("ol");
      steps.className = "steps";
      steps.start = first;
      steps.hidden = true;
      derivation.steps.slice(first - 1, last).forEach((step) => {
        const item = document.createElement("li");
        equationRow(step, item);
        steps.appendChild(item);
      });
      toggle.addEventListener("click", () => {
        steps.hidden = !steps.hidden;
        toggle.textContent = steps.hidden ? word("steps") + " " + first + (last > first ? "–" + last : "") : word("hide");
      });
      li.append(toggle, steps);
    }
    list.appendChild(li);
  });
  if (derivation.result && derivation.result.named) {  // the result again, what it uses twice named once
    const li = document.createElement("li");
    li.className = "line named";
    const formula = document.createElement("div");
    formula.className = "equation";
    math(formula, derivation.result.named, true);
    li.appendChild(formula);
    list.appendChild(li);
  }
}

function certificateLink() {
  const params = state.show ? new URLSearchParams({ name: state.show }) : new URLSearchParams({ loss: state.loss, order: state.order });
  if (!state.show) variables().forEach((v) => params.append("wrt", v));
  $("certificate").href = "/api/certificate?" + params.toString();
}

function render(document_) {
  state.document = document_;
  certificateLink();
  $("result").hidden = false;
  const derivation = document_.derivation;
  prose($("title"), derivation.title);
  blackboard(derivation, $("blackboard"));
  const stable = $("stable-forms");
  stable.replaceChildren();
  document_.stable_forms.forEach((form) => {
    const heading = document.createElement("h3");
    prose(heading, form.title);
    const list = document.createElement("ol");
    blackboard(form, list);
    stable.append(heading, list);
  });
  $("stable").hidden = document_.stable_forms.length === 0;
  $("kernel-source").textContent = document_.kernel_source || (state.show ? word("no_kernel") : "");
  const plottable = state.show ? !!document_.kernel_source : state.order === "1" && variables().length === 1;
  $("plot-note").textContent = plottable ? "" : state.show ? word("no_kernel") : word("plot_first_order");
  $("plot-draw").disabled = !plottable;
  clearPlot();
}

let latest = 0;  // the newest request: an older answer arriving after it is dropped

async function run() {
  writeUrl();
  $("status").textContent = word("working");
  showError(null);
  const mine = ++latest;
  let body;
  if (state.show) {
    body = await api("/api/show", new URLSearchParams({ name: state.show, lang: state.lang }));
  } else {
    const params = new URLSearchParams({ loss: state.loss, order: state.order, lang: state.lang });
    variables().forEach((v) => params.append("wrt", v));
    body = await api("/api/derive", params);
  }
  if (mine !== latest) return;
  $("status").textContent = "";
  if (body.error) {
    showError(body.error, state.show ? null : state.loss);
    return;
  }
  render(body);
  if ($("plot-box").open) drawPlot();
}

function clearPlot() {
  const canvas = $("plot");
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  canvas.dataset.points = "0";
}

async function drawPlot() {
  if ($("plot-draw").disabled) return;
  $("plot-note").textContent = word("plotting");
  const params = new URLSearchParams({ from: $("plot-from").value, to: $("plot-to").value, points: "81" });
  if (state.show) {
    params.set("name", state.show);
  } else {
    params.set("loss", state.loss);
    params.set("wrt", variables()[0]);
  }
  const body = await api("/api/plot", params);
  if (body.error) {
    $("plot-note").textContent = body.error.message;
    return;
  }
  $("plot-note").textContent = body.variable + ": " + word(state.show ? "builtin_fixed" : "others_fixed");
  $("kernel-source").textContent = body.kernel_source;
  const canvas = $("plot");
  canvas.dataset.points = String(body.loss.filter((v) => v !== null).length);
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const half = canvas.height / 2;
  panel(context, body.x, body.loss, 0, half, "#1f5fa8", word("loss_curve"));
  panel(context, body.x, body.gradient, half, half, "#c0392b", word("gradient_curve"));
}

function panel(context, xs, ys, top, height, colour, label) {
  const width = context.canvas.width, left = 60, right = 10, pad = 14;
  const finite = ys.filter((v) => v !== null && Number.isFinite(v));
  context.strokeStyle = "#999";
  context.strokeRect(left, top + pad, width - left - right, height - 2 * pad);
  context.fillStyle = "#333";
  context.font = "12px sans-serif";
  context.fillText(label, left + 6, top + pad + 14);
  if (!finite.length) return;
  let low = Math.min(...finite), high = Math.max(...finite);
  if (high - low < 1e-12) { low -= 1; high += 1; }
  const x0 = xs[0], x1 = xs[xs.length - 1];
  const px = (x) => left + (x - x0) / (x1 - x0) * (width - left - right);
  const py = (y) => top + pad + (high - y) / (high - low) * (height - 2 * pad);
  context.fillText(high.toPrecision(3), 4, top + pad + 10);
  context.fillText(low.toPrecision(3), 4, top + height - pad);
  context.fillText(String(x0), left, top + height - 2);
  context.fillText(String(x1), width - right - 40, top + height - 2);
  if (low < 0 && high > 0) {
    context.strokeStyle = "#ddd";
    context.beginPath(); context.moveTo(left, py(0)); context.lineTo(width - right, py(0)); context.stroke();
  }
  context.strokeStyle = colour;
  context.lineWidth = 2;
  context.beginPath();
  let drawing = false;
  ys.forEach((y, n) => {
    if (y === null || !Number.isFinite(y)) { drawing = false; return; }
    if (drawing) context.lineTo(px(xs[n]), py(y)); else context.moveTo(px(xs[n]), py(y));
    drawing = true;
  });
  context.stroke();
  context.lineWidth = 1;
}

async function copy(kind) {
  if (!state.document) return;
  const text = state.document[kind];
  const box = $("copy-box");
  box.value = text;
  box.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    $("copied").textContent = word("copied");
  } catch (error) {
    box.select();  // no clipboard (not a secure context): the text is selected for Ctrl+C
  }
}

async function loadBuiltins() {
  const body = await api("/api/builtins", new URLSearchParams({ lang: state.lang }));
  const select = $("builtins");
  select.replaceChildren();
  (body.derivations || []).forEach((entry) => {
    const option = document.createElement("option");
    option.value = entry.name;
    option.textContent = entry.name + " — " + entry.title.replace(/\$/g, "");
    select.appendChild(option);
  });
  if (state.show) select.value = state.show;
}

function preview() {
  math($("preview"), $("loss").value, true);
}

// One button per language, named in its own words.
function languageButtons() {
  $("languages").replaceChildren(...Object.entries(WORDS).map(([code, lang]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.id = "lang-" + code;
    button.dataset.lang = code;
    button.textContent = lang.name;
    return button;
  }));
}

async function start() {
  const words = await api("/api/words", new URLSearchParams());
  if (!words.error) WORDS = words;
  languageButtons();
  readUrl();
  applyWords();
  $("loss").value = state.loss;
  $("wrt").value = state.wrt;
  $("order").value = state.order;
  preview();
  $("loss").addEventListener("input", preview);
  $("form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.loss = $("loss").value;
    state.wrt = $("wrt").value;
    state.order = $("order").value;
    state.show = null;
    run();
  });
  $("open").addEventListener("click", () => { state.show = $("builtins").value; run(); });
  document.querySelectorAll("#languages button").forEach((button) => button.addEventListener("click", () => {
    state.lang = button.dataset.lang;
    applyWords();
    loadBuiltins();
    run();
  }));
  $("copy-latex").addEventListener("click", () => copy("latex"));
  $("copy-markdown").addEventListener("click", () => copy("markdown"));
  $("plot-draw").addEventListener("click", drawPlot);
  $("plot-box").addEventListener("toggle", () => { if ($("plot-box").open && $("plot").dataset.points === "0") drawPlot(); });
  loadBuiltins();
  run();
}

document.addEventListener("DOMContentLoaded", start);
