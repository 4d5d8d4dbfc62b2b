// Render math with KaTeX at build time (derive notes --html): read [{"tex", "display"}] as JSON on
// stdin; print {"html": [...], "failures": [{"index", "error"}], "css": the path of katex.min.css}.
const katex = require("katex");
const path = require("path");

let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const html = [];
  const failures = [];
  JSON.parse(input).forEach((block, index) => {
    try {
      html.push(katex.renderToString(block.tex, { displayMode: block.display, throwOnError: true, strict: "error", output: "html" }));
    } catch (error) {
      html.push("");
      failures.push({ index, error: String(error.message) });
    }
  });
  const css = path.join(path.dirname(require.resolve("katex")), "katex.min.css");
  process.stdout.write(JSON.stringify({ html, failures, css }));
});
