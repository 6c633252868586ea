// tinykube/hello: an HTTP server that says which pod answered.
//
//   GET /             200 "Hello from <HOSTNAME> in <POD_NAMESPACE> at <POD_IP> (version <VERSION>)"
//   GET /healthz      200 "ok", or 500 once unhealthy: for liveness probes
//   GET /readyz       200 "ok", or 503 while unready: for readiness and startup probes
//   GET /fail-health  /healthz fails from now on      GET /fail-ready  /readyz fails from now on
//   GET /recover      both pass again
//
// Environment: PORT (8080) and POD_IP (127.0.0.1), the address it binds, as a container binds
// its pod's IP; HOSTNAME (the pod's name) and POD_NAMESPACE; VERSION, by default IMAGE_TAG (the
// tag the image was pulled as); HEALTHY_FOR_SECONDS: /healthz fails that long after the start
// (Kubernetes' liveness example in "Configure Liveness, Readiness and Startup Probes" fails
// after 10 s); READY_AFTER_SECONDS: /readyz fails until that long after the start (a slow start).
//
// One log line per request on stdout. On SIGTERM (the kubelet stopping the container) it logs
// "shutting down", stops accepting connections, lets requests in flight finish and exits 0.
import { createServer } from "node:http";
import { hostname } from "node:os";

const number = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const port = number("PORT", 8080);
const host = process.env.POD_IP || "127.0.0.1";
const podName = process.env.HOSTNAME || hostname();
const namespace = process.env.POD_NAMESPACE || "unknown";
const version = process.env.VERSION || process.env.IMAGE_TAG || "unknown";
const started = Date.now();
const secondsUp = () => (Date.now() - started) / 1000;
const healthyFor = number("HEALTHY_FOR_SECONDS", Number.POSITIVE_INFINITY);
const readyAfter = number("READY_AFTER_SECONDS", 0);
let failHealth = false;
let failReady = false;

const routes = {
  "/": () => [200, `Hello from ${podName} in ${namespace} at ${host} (version ${version})`],
  "/healthz": () => (failHealth || secondsUp() >= healthyFor ? [500, "unhealthy"] : [200, "ok"]),
  "/readyz": () => (failReady || secondsUp() < readyAfter ? [503, "not ready"] : [200, "ok"]),
  "/fail-health": () => {
    failHealth = true;
    return [200, "/healthz now fails"];
  },
  "/fail-ready": () => {
    failReady = true;
    return [200, "/readyz now fails"];
  },
  "/recover": () => {
    failHealth = false;
    failReady = false;
    return [200, "/healthz and /readyz pass again"];
  },
};

const server = createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://pod").pathname;
  const route = routes[path];
  const [status, body] = route ? route() : [404, `no route ${path}`];
  res.writeHead(status, { "content-type": "text/plain" }).end(`${body}\n`);
  console.log(`${req.method} ${req.url} ${status} (from ${req.socket.remoteAddress})`);
});

server.listen(port, host, () => {
  const { address, port: bound } = server.address();
  console.log(`hello ${version}: pod ${namespace}/${podName} listening on ${address}:${bound}`);
});

process.once("SIGTERM", () => {
  console.log("shutting down");
  // close() stops accepting and, since Node 19, closes idle keep-alive connections; the process
  // exits once requests in flight are answered (or the kubelet's SIGKILL ends the grace period).
  server.close(() => process.exit(0));
});
