// Render math blocks with KaTeX, strictly: read [{"id", "tex"}] as JSON on stdin, print the failures.
const katex = require("katex");

let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const failures = [];
  for (const block of JSON.parse(input)) {
    try {
      katex.renderToString(block.tex, { displayMode: true, throwOnError: true, strict: "error" });
    } catch (error) {
      failures.push({ id: block.id, error: String(error.message) });
    }
  }
  process.stdout.write(JSON.stringify({ rendered: JSON.parse(input).length, failures }));
});
