/**
 * What a fake container does once it runs, since there is no process to decide: run until stopped,
 * or exit by itself with some code after some time; obey SIGTERM or ignore it; print a few lines.
 * A rule chosen at construction of the runtime decides per container; `defaultBehavior` mirrors
 * the shipped images, so a pod spec written for the process runtime behaves alike on the fake:
 * - tinykube/crasher exits with $EXIT_CODE (1) after $CRASH_AFTER_SECONDS (2), as the real image
 *   does (core/images/tinykube/crasher/crash.mjs), and prints its first line;
 * - busybox runs its command as a tiny shell would (`shellBehavior`): `sleep 5; exit 3` exits with 3
 *   after 5 s; with neither command nor args it runs busybox's default command, `sh`, which exits
 *   at once with 0 without a terminal — the classic CrashLoopBackOff of a bare busybox pod;
 * - every other image (hello, echo, cpu-burner) is a server: it runs until stopped.
 */
import type { ContainerConfig } from "../cri.ts";

// #region container-behavior
export interface ContainerBehavior {
  /** Exits by itself, `afterMs` after it starts running, with `code`. Absent: runs until stopped. */
  exit?: { afterMs: number; code: number };
  /**
   * At SIGTERM: "exit" (the default) ends it with 143 (128 + SIGTERM's 15) after `termExitMs`;
   * "ignore" leaves it running until the SIGKILL at the end of the grace period (137 = 128 + 9).
   */
  onSigterm?: "exit" | "ignore";
  /** How long an "exit" container takes to shut down after SIGTERM (a server draining). Default 0. */
  termExitMs?: number;
  /** How long CREATED → RUNNING takes; overrides the runtime's `startDelayMs`. */
  startDelayMs?: number;
  /** Lines it writes as it starts. */
  output?: { stream: "stdout" | "stderr"; line: string }[];
}
// #endregion container-behavior

/**
 * Chooses a behaviour for a container about to be created. `image` is the image's
 * "repository:tag" ("tinykube/crasher:1.0"), even when the config names the image by its ID.
 * Undefined falls through to `defaultBehavior`.
 */
export type BehaviorRule = (
  config: ContainerConfig,
  image: string,
) => ContainerBehavior | undefined;

const SERVER: ContainerBehavior = {};

export function defaultBehavior(config: ContainerConfig, image: string): ContainerBehavior {
  const named = image.split("@")[0] ?? image; // "busybox@sha256:…" names the repository too
  const colon = named.lastIndexOf(":");
  const repository = colon > named.lastIndexOf("/") ? named.slice(0, colon) : named;
  if (repository === "tinykube/crasher") return crasherBehavior(config);
  if (repository === "busybox") return shellBehavior(argvOf(config, ["sh"]));
  return SERVER;
}

/** The crasher's defaults, from its manifest's env (core/images/tinykube/crasher/manifest.json). */
const CRASHER_EXIT_CODE = 1;
const CRASHER_AFTER_SECONDS = 2;

/** tinykube/crasher: the container's env overrides the image's EXIT_CODE and CRASH_AFTER_SECONDS. */
function crasherBehavior(config: ContainerConfig): ContainerBehavior {
  const env = (key: string) => config.envs.findLast((e) => e.key === key)?.value;
  const code = Number(env("EXIT_CODE") ?? CRASHER_EXIT_CODE);
  const after = Number(env("CRASH_AFTER_SECONDS") ?? CRASHER_AFTER_SECONDS);
  if (!Number.isInteger(code) || code < 0 || code > 255 || !(after >= 0)) {
    // The real crasher refuses such settings with exit code 2.
    return { exit: { afterMs: 0, code: 2 } };
  }
  return {
    exit: { afterMs: Math.round(after * 1000), code },
    output: [
      { stream: "stdout", line: `crasher: started, exiting with code ${code} in ${after} s` },
    ],
  };
}

/**
 * The argv Kubernetes runs: `command` replaces the image's entrypoint and drops its default args;
 * `args` alone replace the default args (busybox has no entrypoint and default args ["sh"]).
 */
function argvOf(config: ContainerConfig, imageDefaultArgs: string[]): string[] {
  if (config.command.length > 0) return [...config.command, ...config.args];
  return config.args.length > 0 ? [...config.args] : imageDefaultArgs;
}

const SHELLS = new Set(["sh", "/bin/sh", "ash", "bash", "/bin/bash"]);
const TERM_NAMES = new Set(["TERM", "SIGTERM", "15"]);

// #region shell-behavior
/**
 * Reads an argv as a shell would run it, closely enough for pod specs in tests. `sh -c SCRIPT
 * [$0 $1 …]` runs SCRIPT; anything else is one command. Statements split on `;`, `&&` and new
 * lines; understood are `sleep N` (seconds; "infinity" runs forever), `exit [N]`, `true`, `false`,
 * `:`, `echo … [>&2]`, `trap '' TERM` (ignore SIGTERM) and `exec CMD` (as CMD). The first statement
 * it does not understand (a loop, a server) makes the container run until stopped.
 *
 * Example: ["sh", "-c", "echo starting; sleep 2.5; exit 4"] → prints "starting", exits with 4
 * 2,500 ms after it starts.
 */
export function shellBehavior(argv: string[]): ContainerBehavior {
  const [program = "", flag, script, ...positional] = argv;
  if (SHELLS.has(program) && argv.length === 1) return { exit: { afterMs: 0, code: 0 } };
  const statements =
    SHELLS.has(program) && flag === "-c"
      ? splitStatements(script ?? "")
      : [argv.map(quoteWord).join(" ")];
  const behavior: ContainerBehavior = {};
  const output: NonNullable<ContainerBehavior["output"]> = [];
  let elapsedMs = 0;
  let status = 0;
  for (const statement of statements) {
    let words = splitWords(statement, positional);
    if (words[0] === "exec") words = words.slice(1);
    const [name, ...rest] = words;
    if (name === undefined) continue;
    if (name === "sleep" && rest.length === 1 && rest[0] === "infinity")
      return finish(behavior, output);
    if (name === "sleep" && rest.length === 1 && Number.isFinite(Number(rest[0]))) {
      elapsedMs += Math.round(Number(rest[0]) * 1000);
      status = 0;
    } else if (name === "exit" && rest.length <= 1 && /^\d*$/.test(rest[0] ?? "")) {
      status = rest[0] === undefined ? status : Number(rest[0]) & 255;
      return finish({ ...behavior, exit: { afterMs: elapsedMs, code: status } }, output);
    } else if (name === "true" || name === ":") {
      status = 0;
    } else if (name === "false") {
      status = 1;
    } else if (name === "echo") {
      const toStderr = rest.at(-1) === ">&2" || rest.at(-1) === "1>&2";
      const line = (toStderr ? rest.slice(0, -1) : rest).join(" ");
      output.push({ stream: toStderr ? "stderr" : "stdout", line });
      status = 0;
    } else if (name === "trap" && rest[0] === "" && rest.slice(1).every((s) => TERM_NAMES.has(s))) {
      behavior.onSigterm = "ignore";
    } else {
      return finish(behavior, output);
    }
  }
  return finish({ ...behavior, exit: { afterMs: elapsedMs, code: status } }, output);
}
// #endregion shell-behavior

function finish(
  behavior: ContainerBehavior,
  output: NonNullable<ContainerBehavior["output"]>,
): ContainerBehavior {
  return output.length > 0 ? { ...behavior, output } : behavior;
}

/** Splits a script on `;`, `&&` and new lines outside quotes. */
function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const c = script[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      current += c;
    } else if (c === ";" || c === "\n" || (c === "&" && script[i + 1] === "&")) {
      if (c === "&") i++;
      statements.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  statements.push(current.trim());
  return statements.filter((s) => s !== "");
}

/**
 * Splits a statement into words: single quotes are literal, double quotes and bare words expand
 * $0…$9 from `positional` (`sh -c SCRIPT a b` sets $0 = a, $1 = b).
 */
function splitWords(statement: string, positional: string[]): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < statement.length; i++) {
    const c = statement[i] as string;
    const next = statement[i + 1] ?? "";
    if (quote === "'" && c !== "'") word = (word ?? "") + c;
    else if (c === "$" && quote !== "'" && /\d/.test(next)) {
      word = (word ?? "") + (positional[Number(next)] ?? "");
      i++;
    } else if (c === quote) quote = undefined;
    else if (quote === '"') word = (word ?? "") + c;
    else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === " " || c === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Quotes a word of a plain argv so splitWords gives it back unchanged. */
const quoteWord = (word: string): string => `'${word.replaceAll("'", `'"'"'`)}'`;
