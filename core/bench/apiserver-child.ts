/**
 * The API server of the apiserver benchmark, in a process of its own: its resident memory is
 * then the server's alone, and the load generator does not share its event loop (as clients of
 * a real kube-apiserver do not).
 *
 *   apiserver-child.ts <dataDir> [etcd endpoint]
 *
 * Talks to the benchmark over the IPC channel:
 *   → { ready: { url, token, caCertPem } }   once the server answers
 * and answers "memory" and "stop" as every benchmark child does (child.ts).
 */
import { answerTheBench, send, startBenchApiServer } from "./child.ts";

const [dataDir, etcd] = process.argv.slice(2) as [string, string | undefined];

const running = await startBenchApiServer(dataDir, etcd);
answerTheBench(() => running.stop());

send({
  ready: {
    url: running.url,
    token: running.tokenFor("admin") as string,
    caCertPem: running.caCertPem,
  },
});
