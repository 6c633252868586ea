/**
 * The child side of apiserver-process.ts: a test API server (cluster.ts) in a process of its
 * own, started from the options on the command line (JSON), answering over the IPC channel:
 *   → { ready: { url, caCertPem, tokens } }   once it serves; `tokens` by user name
 *   ← "stop"   stops the server (and deletes its data), then exits
 * A closed channel does the same: the test that started it is gone.
 */
import { startTestApiServer } from "./cluster.ts";

const options = JSON.parse(process.argv[2] ?? "{}") as { nodes?: string[]; http2?: boolean };
const api = await startTestApiServer(options);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await api.stop();
  process.exit(0);
};
process.on("message", (message) => {
  if (message === "stop") void stop();
});
process.on("disconnect", () => void stop());

const users = ["admin", ...(options.nodes ?? []).map((n) => `system:node:${n}`)];
process.send?.({
  ready: {
    url: api.url,
    caCertPem: api.caCertPem,
    tokens: Object.fromEntries(users.map((u) => [u, api.tokenFor(u)])),
  },
});
