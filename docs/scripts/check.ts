/**
 * npm run docs:check — prints every disagreement between the docs, the table of contents and
 * the code they embed as `file:line: message`, and exits 1 if there is any.
 */
import { repoRoot } from "../../chapters/toc.ts";
import { checkDocs } from "../src/literate/check.ts";

const result = checkDocs(repoRoot);
for (const p of result.problems) console.error(`${p.file}:${p.line}: ${p.message}`);
const summary = `${result.pages} pages, ${result.embeds} embeds, ${result.questions} interview questions`;
if (result.problems.length > 0) {
  console.error(`docs:check: ${result.problems.length} problem(s) in ${summary}`);
  process.exit(1);
}
console.log(`docs:check: ok — ${summary}`);
