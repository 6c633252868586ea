/**
 * A test API server in a child process, for tests whose clients are busy enough to need a core
 * of their own — thousands of kubelets in the test's process — while the server has the other,
 * as kube-apiserver and the nodes run apart in a real cluster.
 *
 * Guarantees:
 * - `startApiServerProcess` resolves once the server answers, with a token for admin and each
 *   node's kubelet (system:node:<name>); it rejects if the child exits first.
 * - `stop()` stops the server, deleting its data, and kills the child by its PID if it has not
 *   exited within 10 s. The child also stops if this process goes away.
 */
import { fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface ApiServerProcess {
  url: string;
  caCertPem: string;
  pid: number;
  /** admin's token, and system:node:<name>'s for each node asked for. */
  tokenFor(user: string): string | undefined;
  stop(): Promise<void>;
}

/** How long a child asked to stop gets to close its server before it is killed. */
const STOP_GRACE_MS = 10_000;

const child = join(dirname(fileURLToPath(import.meta.url)), "apiserver-process-child.ts");

export async function startApiServerProcess(
  options: { nodes?: string[]; http2?: boolean } = {},
): Promise<ApiServerProcess> {
  const proc = fork(child, [JSON.stringify(options)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<number | null>((resolve) => proc.once("exit", resolve));
  const ready = await new Promise<{
    url: string;
    caCertPem: string;
    tokens: Record<string, string>;
  }>((resolve, reject) => {
    proc.on("message", (message) => {
      const m = message as { ready?: Parameters<typeof resolve>[0] };
      if (m.ready) resolve(m.ready);
    });
    void exited.then((code) =>
      reject(new Error(`the API server process exited with ${code} before it served`)),
    );
  });
  return {
    url: ready.url,
    caCertPem: ready.caCertPem,
    pid: proc.pid as number,
    tokenFor: (user) => ready.tokens[user],
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      if (proc.connected) proc.send("stop");
      const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
