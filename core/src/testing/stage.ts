/**
 * What every chapter's program stands on: a data directory of its own, an API server on a port
 * the kernel picks, clients as any user the API server has a token for, and a stack of things to
 * stop. The chapters add their own components (controllers, kubelets, kube-proxy, DNS) on top and
 * push each one's stop as they start it.
 *
 * Guarantees:
 * - `close` runs the stack last-started-first: everything pushed with `defer`, the clients, the
 *   API server, then the data directory's removal. Every step runs even when one before it fails;
 *   the failures are thrown together afterwards, named after the chapter.
 * - If opening fails half-way, what was started is stopped before the error is thrown.
 * - `until` polls a condition every `pollMs` (no sleeping on a guess) and says what it waited for
 *   when the time is up.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type RunningApiServer,
  type StartApiServerOptions,
  startApiServer,
} from "../apiserver/start.ts";
import { RestClient } from "../client/rest.ts";

export type Say = (line: string) => void;

export interface ClusterStage {
  dataDir: string;
  api: RunningApiServer;
  /** A client as the cluster admin, without a rate limit. */
  admin: RestClient;
  /**
   * A client as `user` (a name the API server issued a token for), closed with the stage. `qps`
   * defaults to client-go's 5, with a burst of twice that.
   */
  clientAs(user: string, options?: { userAgent?: string; qps?: number }): RestClient;
  /** Pushes a stop onto the stack: it runs at close, before everything pushed earlier. */
  defer(cleanup: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export interface ClusterStageOptions {
  /** "chapter 6": names the data directory and the errors. */
  chapter: string;
  say: Say;
  /** Users the API server makes tokens for besides its own (system:node:<name> for each node). */
  nodes?: string[];
  apiServer?: Omit<StartApiServerOptions, "dataDir" | "port" | "nodes">;
}

// #region open-cluster-stage
export async function openClusterStage(options: ClusterStageOptions): Promise<ClusterStage> {
  const slug = options.chapter.replace(/\D/g, "").padStart(2, "0");
  const dataDir = await mkdtemp(join(tmpdir(), `tinykube-ch${slug}-`));
  const cleanups: (() => Promise<void> | void)[] = [
    () => rm(dataDir, { recursive: true, force: true }),
  ];
  const close = async () => {
    const failures: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      await Promise.resolve()
        .then(cleanup)
        .catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0)
      throw new AggregateError(failures, `${options.chapter}: stopping failed`);
  };
  try {
    const api = await startApiServer({
      fsync: false,
      ...options.apiServer,
      dataDir,
      port: 0,
      ...(options.nodes ? { nodes: options.nodes } : {}),
    });
    cleanups.push(() => api.stop());
    options.say(`[apiserver] serving ${api.url}`);
    const clientAs: ClusterStage["clientAs"] = (user, clientOptions = {}) => {
      const token = api.tokenFor(user);
      if (!token) throw new Error(`${options.chapter}: the API server has no token for ${user}`);
      const qps = clientOptions.qps ?? 5;
      const client = new RestClient({
        server: api.url,
        caPem: api.caCertPem,
        token,
        qps,
        burst: qps * 2,
        ...(clientOptions.userAgent ? { userAgent: clientOptions.userAgent } : {}),
      });
      cleanups.push(() => client.close());
      return client;
    };
    return {
      dataDir,
      api,
      admin: clientAs("admin", { qps: 0 }),
      clientAs,
      defer: (cleanup) => {
        cleanups.push(cleanup);
      },
      close,
    };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
// #endregion open-cluster-stage

/**
 * A chapter's `until`: polls `check` until it returns something truthy, every `pollMs`, for at
 * most `timeoutMs`; then fails with "<chapter>: timed out waiting for <what>".
 */
export function untilFor(chapter: string, pollMs = 20) {
  return async function until<T>(
    check: () => T | undefined | false | Promise<T | undefined | false>,
    what: string,
    timeoutMs = 20_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`${chapter}: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };
}
