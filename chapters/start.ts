/**
 * `npm start`: until the cluster exists (the API server chapter), starting tinykube means running
 * the newest chapter. Reads the table of contents, so it never needs editing.
 */
import { spawn } from "node:child_process";
import { chapterPaths, loadChapters } from "./toc.ts";

const newest = loadChapters().at(-1);
if (!newest) throw new Error("chapters/chapters.json lists no chapters");
console.log(`tinykube: running the newest chapter, ${newest.number}. ${newest.title}\n`);
const child = spawn(process.execPath, ["--import", "tsx", chapterPaths(newest).main], {
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
