/**
 * A throwaway API server for tests: a temp data directory, a free port, and a raw HTTPS client
 * that speaks as any user in the token file. `stop()` shuts the server down and deletes the data.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type RunningApiServer,
  type StartApiServerOptions,
  startApiServer,
} from "../apiserver/start.ts";

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface TestApiServer extends RunningApiServer {
  dataDir: string;
  /** One request as `user` (default "admin"; `null` sends no credentials). */
  request(
    method: string,
    path: string,
    options?: {
      /** Extra headers, e.g. Impersonate-User. */
      headers?: Record<string, string>;
      user?: string | null;
      body?: unknown;
      contentType?: string;
      accept?: string;
      raw?: Buffer | string;
    },
  ): Promise<TestResponse>;
  /** Opens a watch and yields its events as they arrive; `close()` ends it. */
  watch(path: string, options?: { user?: string; accept?: string }): Promise<WatchStreamReader>;
}

export interface WatchStreamReader {
  status: number;
  next(timeoutMs?: number): Promise<{ type: string; object: Record<string, unknown> }>;
  /** Raw lines received so far, keep-alive blank lines included. */
  lines: string[];
  close(): void;
}

export async function startTestApiServer(
  options: Partial<StartApiServerOptions> = {},
): Promise<TestApiServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "tinykube-api-")));
  const running = await startApiServer({ port: 0, fsync: false, ...options, dataDir });
  const port = Number(new URL(running.url).port);
  const auth = (user: string | null | undefined) => {
    if (user === null) return {};
    const token = running.tokenFor(user ?? "admin");
    if (!token) throw new Error(`no token for user ${user}`);
    return { Authorization: `Bearer ${token}` };
  };
  const send = (
    method: string,
    path: string,
    options: Parameters<TestApiServer["request"]>[2] = {},
  ) => {
    const body =
      options.raw !== undefined
        ? options.raw
        : options.body === undefined
          ? undefined
          : JSON.stringify(options.body);
    return httpsRequest({
      host: "127.0.0.1",
      port,
      path,
      method,
      ca: running.caCertPem,
      headers: {
        ...auth(options.user),
        Accept: options.accept ?? "application/json",
        ...options.headers,
        ...(body !== undefined
          ? {
              "Content-Type": options.contentType ?? "application/json",
              "Content-Length": String(Buffer.byteLength(body)),
            }
          : {}),
      },
    });
  };
  return {
    ...running,
    dataDir,
    request(method, path, options = {}) {
      return new Promise((resolve, reject) => {
        const req = send(method, path, options);
        req.on("error", reject);
        req.on("response", (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              json: () => JSON.parse(text),
            });
          });
        });
        const body =
          options.raw !== undefined
            ? options.raw
            : options.body === undefined
              ? undefined
              : JSON.stringify(options.body);
        req.end(body);
      });
    },
    watch(path, options = {}) {
      return new Promise((resolve, reject) => {
        const req = send("GET", path, options);
        req.on("error", reject);
        req.on("response", (res) => {
          const lines: string[] = [];
          const events: { type: string; object: Record<string, unknown> }[] = [];
          const waiting: ((e: { type: string; object: Record<string, unknown> }) => void)[] = [];
          let partial = "";
          res.on("data", (chunk: Buffer) => {
            partial += chunk.toString("utf8");
            let nl = partial.indexOf("\n");
            while (nl >= 0) {
              const line = partial.slice(0, nl);
              partial = partial.slice(nl + 1);
              lines.push(line);
              if (line.trim() !== "") {
                const event = JSON.parse(line) as { type: string; object: Record<string, unknown> };
                const waiter = waiting.shift();
                if (waiter) waiter(event);
                else events.push(event);
              }
              nl = partial.indexOf("\n");
            }
          });
          resolve({
            status: res.statusCode ?? 0,
            lines,
            next(timeoutMs = 5000) {
              const ready = events.shift();
              if (ready) return Promise.resolve(ready);
              return new Promise((resolveEvent, rejectEvent) => {
                const timer = setTimeout(
                  () => rejectEvent(new Error(`no watch event within ${timeoutMs} ms`)),
                  timeoutMs,
                );
                waiting.push((e) => {
                  clearTimeout(timer);
                  resolveEvent(e);
                });
              });
            },
            close: () => req.destroy(),
          });
        });
        req.end();
      });
    },
    async stop() {
      await running.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
