/**
 * Part 3 of the network benchmark: the ingress controller's requests per second against nginx's,
 * with the same routes to the same backend pods, driven by the same load generator in one run.
 *
 * 1. The routes (network-workload.ts `routesFor`): each host has "/" and "/api" (Prefix), each
 *    to a Service of its own with one backend pod. Written through the API server as admin: the
 *    IngressClass, the Services and their EndpointSlices, one Ingress; the controller runs in a
 *    process of its own as system:serviceaccount:kube-system:ingress-controller.
 * 2. nginx gets the same routes as ingress-nginx would render them (`nginxConf`): a server per
 *    host, a location per path, an upstream per Service with keep-alive connections, the same
 *    forwarded headers.
 * 3. Every route answers through both with its own backend's greeting before any load.
 * 4. Load: wrk when installed (Debian's wrk), else network-load.ts `httpLoad`; 32 keep-alive
 *    connections, GETs over the routes in turn, for `ingressSeconds`; twice per proxy in
 *    alternating order, and once per round straight at one backend — the ceiling the backends
 *    set, since all their pods share one process.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import type { KubeObject } from "../src/api/object.ts";
import { ingressClassFor } from "../src/ingress/ingress-class.ts";
import { DEFAULT_CONTROLLER_NAME } from "../src/ingress/start.ts";
import type { ApiServerReady, BackendsReady, IngressReady, IngressStart } from "./network-child.ts";
import { createAll, serviceWithOnePod, startRole } from "./network-cluster.ts";
import { combine } from "./network-dns.ts";
import { httpLoad, type LoadResult, type ServerLoad } from "./network-load.ts";
import {
  type Daemon,
  findTool,
  freeTcpPort,
  run,
  startDaemon,
  waitForTcp,
} from "./network-peers.ts";
import {
  HTTP_CONNECTIONS,
  INGRESS_ADDRESS,
  INGRESS_CLASS,
  INGRESS_SERVICE_PORT,
  LOAD_ROUNDS,
  NAMESPACE,
  NGINX_ADDRESS,
  podAddress,
  type Route,
  routesFor,
  type Sizes,
} from "./network-workload.ts";
import { type ChildHandle, cpuTicks } from "./processes.ts";

export interface IngressResult {
  generator: string;
  routes: number;
  /** Straight at one backend pod, no proxy: the most the backends give. */
  direct: LoadResult;
  tinykube: ServerLoad;
  nginx?: ServerLoad;
  peerMissing?: string;
}

/** How long nginx gets to listen. */
const NGINX_START_TIMEOUT_MS = 10_000;

// #region benchIngress
export async function benchIngress(options: {
  api: ApiServerReady;
  backends: BackendsReady;
  sizes: Sizes;
  dir: string;
  children: ChildHandle[];
  say: (message: string) => void;
}): Promise<IngressResult> {
  const { api, backends, sizes, say } = options;
  const routes = routesFor(sizes.ingressHosts);
  // 1. The objects, then the controller.
  await createAll(api, [
    ingressClassFor({
      name: INGRESS_CLASS,
      controller: DEFAULT_CONTROLLER_NAME,
      isDefault: true,
    }) as KubeObject,
    ...routes.flatMap((r, i) =>
      serviceWithOnePod(
        { name: r.service, port: INGRESS_SERVICE_PORT, portName: "http" },
        podAddress(r.pod),
        backends.routePorts[i] as number,
      ),
    ),
    ingressOf(routes),
  ]);
  const { child, ready } = await startRole<IngressStart, IngressReady>(
    "ingress",
    { server: api.url, caPem: api.caCertPem, token: api.tokens.ingress, address: INGRESS_ADDRESS },
    options.children,
  );
  // 2. nginx, if installed.
  const nginxPath = findTool("nginx");
  const peerMissing = nginxPath
    ? undefined
    : "nginx is not installed (apt-get install nginx-light): the nginx column stays empty";
  if (peerMissing) say(peerMissing);
  let nginx: { daemon: Daemon; port: number } | undefined;
  try {
    if (nginxPath) nginx = await startNginx(nginxPath, options.dir, routes, backends);
    // 3. Every route reaches its own backend through both.
    const proxies: [string, string, number][] = [
      ["the ingress controller", INGRESS_ADDRESS, ready.httpPort],
      ...(nginx ? [["nginx", NGINX_ADDRESS, nginx.port] as [string, string, number]] : []),
    ];
    for (const route of routes) {
      for (const [who, address, port] of proxies) {
        const body = await get(address, port, route.host, route.requestPath);
        if (body !== greeting(route)) {
          throw new Error(
            `${who} answered http://${route.host}${route.requestPath} with ${JSON.stringify(body)}, expected ${JSON.stringify(greeting(route))}`,
          );
        }
      }
    }
    // 4. Load.
    const wrk = findTool("wrk");
    const generator = wrk
      ? `wrk, ${HTTP_CONNECTIONS} connections`
      : `a Node keep-alive HTTP generator, ${HTTP_CONNECTIONS} connections (wrk is not installed: apt-get install wrk)`;
    const targets = routes.map((r) => ({ host: r.host, path: r.requestPath }));
    const scriptFile = join(options.dir, "ingress-routes.lua");
    await writeFile(scriptFile, wrkScript(targets));
    const load = async (
      address: string,
      port: number,
      to: { host: string; path: string }[],
    ): Promise<LoadResult> => {
      if (!wrk) {
        return httpLoad({
          address,
          port,
          targets: to,
          seconds: sizes.ingressSeconds,
          connections: HTTP_CONNECTIONS,
        });
      }
      const script = to === targets ? scriptFile : join(options.dir, "direct.lua");
      if (to !== targets) await writeFile(script, wrkScript(to));
      const output = await run("wrk", wrk, [
        ...["-t1", `-c${HTTP_CONNECTIONS}`, `-d${sizes.ingressSeconds}s`, "-s", script],
        `http://${address}:${port}/`,
      ]);
      return parseWrk(output);
    };
    const first = routes[0] as Route;
    const directTarget = [{ host: first.host, path: first.requestPath }];
    const runs = {
      direct: [] as LoadResult[],
      tinykube: [] as LoadResult[],
      nginx: [] as LoadResult[],
    };
    const cpu = { tinykube: 0, nginx: 0 };
    const sides = nginx ? (["tinykube", "nginx"] as const) : (["tinykube"] as const);
    for (let round = 0; round < LOAD_ROUNDS; round++) {
      say(`HTTP load straight at ${podAddress(first.pod)}, round ${round + 1}`);
      runs.direct.push(
        await load(podAddress(first.pod), backends.routePorts[0] as number, directTarget),
      );
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        say(
          `HTTP load through ${side === "tinykube" ? "the ingress controller" : "nginx"}, round ${round + 1}`,
        );
        if (side === "tinykube") {
          const before = await child.cpu();
          runs.tinykube.push(await load(INGRESS_ADDRESS, ready.httpPort, targets));
          cpu.tinykube += ((await child.cpu()) - before) / 1e6;
        } else if (nginx) {
          const before = await cpuTicks(nginx.daemon.pid);
          runs.nginx.push(await load(NGINX_ADDRESS, nginx.port, targets));
          cpu.nginx += ((await cpuTicks(nginx.daemon.pid)) - before) / 100;
        }
      }
    }
    const wall = LOAD_ROUNDS * sizes.ingressSeconds;
    return {
      generator,
      routes: routes.length,
      direct: combine(runs.direct),
      tinykube: { ...combine(runs.tinykube), cpuSeconds: cpu.tinykube, seconds: wall },
      ...(nginx ? { nginx: { ...combine(runs.nginx), cpuSeconds: cpu.nginx, seconds: wall } } : {}),
      ...(peerMissing ? { peerMissing } : {}),
    };
  } finally {
    await nginx?.daemon.stop();
    await child.stop();
  }
}
// #endregion benchIngress

const greeting = (route: Route) => `hello from ${route.service}\n`;

/** One Ingress holding every route, of the benchmark's IngressClass. */
function ingressOf(routes: Route[]): KubeObject {
  const hosts = [...new Set(routes.map((r) => r.host))];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "network-bench", namespace: NAMESPACE },
    spec: {
      ingressClassName: INGRESS_CLASS,
      rules: hosts.map((host) => ({
        host,
        http: {
          paths: routes
            .filter((r) => r.host === host)
            .map((r) => ({
              path: r.path,
              pathType: "Prefix",
              backend: { service: { name: r.service, port: { number: INGRESS_SERVICE_PORT } } },
            })),
        },
      })),
    },
  } as KubeObject;
}

// #region nginxConf
/**
 * nginx.conf for the same routes, with ingress-nginx's defaults where they bear on speed
 * (internal/ingress/controller/config/config.go NewDefault): client keep-alive 75 s and 1,000
 * requests; upstream keep-alive 320 connections, 60 s, 10,000 requests, over HTTP/1.1; response
 * buffering off; 16,384 worker connections; the request headers of its nginx.tmpl (Host and
 * X-Forwarded-Host from $best_http_host, X-Real-IP, X-Forwarded-*, X-Original-Forwarded-For,
 * Proxy blanked). The controller is set alike (start.ts, upstream-pool.ts): it too closes a client
 * connection after 1,000 requests and keeps its upstream connections by the same numbers, and it
 * sends the backend the same headers. A Prefix path /api becomes `location = /api` and
 * `location /api/`, as ingress-nginx renders it, so /apiary is not routed there, as in
 * Kubernetes. Departures, each to compare like with like:
 * - one process (`master_process off`): ingress-nginx runs a worker per CPU; the controller is one
 *   event loop, and on a 2-core machine a second worker would only take the load generator's
 *   core. One process is also one PID to stop.
 * - no access log: ingress-nginx writes one per request; the controller writes none.
 * - unknown hosts get nginx's 404 from a default server, as ingress-nginx's default backend.
 */
export function nginxConf(options: {
  dir: string;
  address: string;
  port: number;
  routes: Route[];
  /** Each route's backend "ip:port", in the order of `routes`. */
  endpoints: string[];
}): string {
  const { dir, routes } = options;
  const listen = `${options.address}:${options.port}`;
  const upstreams = routes.map(
    (r, i) => `  upstream ${r.service} {
    server ${options.endpoints[i]};
    keepalive 320;
    keepalive_timeout 60s;
    keepalive_requests 10000;
  }`,
  );
  const proxy = (service: string) => `{
      proxy_pass http://${service};
    }`;
  const locations = (r: Route) =>
    r.path === "/"
      ? [`    location / ${proxy(r.service)}`]
      : [
          `    location = ${r.path} ${proxy(r.service)}`,
          `    location ${r.path}/ ${proxy(r.service)}`,
        ];
  const hosts = [...new Set(routes.map((r) => r.host))];
  const servers = hosts.map(
    (host) => `  server {
    listen ${listen};
    server_name ${host};
${routes
  .filter((r) => r.host === host)
  .flatMap(locations)
  .join("\n")}
  }`,
  );
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events {
  worker_connections 16384;
}
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_timeout 75s;
  keepalive_requests 1000;
  map $http_host $best_http_host {
    default $http_host;
    '' $host;
  }
  proxy_http_version 1.1;
  proxy_buffering off;
  proxy_next_upstream error timeout;
  proxy_next_upstream_tries 3;
  proxy_connect_timeout 5s;
  proxy_set_header Connection "";
  proxy_set_header Host $best_http_host;
  proxy_set_header X-Real-IP $remote_addr;
  proxy_set_header X-Forwarded-For $remote_addr;
  proxy_set_header X-Original-Forwarded-For $http_x_forwarded_for;
  proxy_set_header X-Forwarded-Host $best_http_host;
  proxy_set_header X-Forwarded-Port $server_port;
  proxy_set_header X-Forwarded-Proto $scheme;
  proxy_set_header X-Forwarded-Scheme $scheme;
  proxy_set_header X-Scheme $scheme;
  proxy_set_header Proxy "";
${upstreams.join("\n")}
  server {
    listen ${listen} default_server;
    return 404;
  }
${servers.join("\n")}
}
`;
}
// #endregion nginxConf

async function startNginx(
  path: string,
  parent: string,
  routes: Route[],
  backends: BackendsReady,
): Promise<{ daemon: Daemon; port: number }> {
  const dir = join(parent, "nginx");
  await mkdir(dir, { recursive: true });
  const port = await freeTcpPort(NGINX_ADDRESS);
  const conf = join(dir, "nginx.conf");
  await writeFile(
    conf,
    nginxConf({
      dir,
      address: NGINX_ADDRESS,
      port,
      routes,
      endpoints: routes.map((r, i) => `${podAddress(r.pod)}:${backends.routePorts[i]}`),
    }),
  );
  const daemon = startDaemon("nginx", path, ["-e", "stderr", "-c", conf, "-p", dir]);
  try {
    await waitForTcp(NGINX_ADDRESS, port, NGINX_START_TIMEOUT_MS, daemon.exited);
  } catch (error) {
    await daemon.stop();
    throw error;
  }
  return { daemon, port };
}

/** A wrk script that sends GETs to `targets` in turn, each with its own Host header. */
export function wrkScript(targets: { host: string; path: string }[]): string {
  const list = targets.map((t) => `  { ${JSON.stringify(t.host)}, ${JSON.stringify(t.path)} },`);
  return `local targets = {
${list.join("\n")}
}
local i = 0
request = function()
  i = i % #targets + 1
  local t = targets[i]
  return wrk.format("GET", t[2], { Host = t[1] })
end
`;
}

/**
 * wrk's summary: "N requests in Xs", "Requests/sec: X", and when some failed, "Non-2xx or 3xx
 * responses: N" and "Socket errors: connect N, read N, write N, timeout N". Requests/sec counts
 * every response; the rate here counts the good ones only.
 */
export function parseWrk(output: string): LoadResult {
  const total = /(\d+) requests in ([\d.]+)(m?s)/.exec(output);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (!total || !rate)
    throw new Error(`expected wrk's "requests in" and "Requests/sec:" lines, got:\n${output}`);
  const bad = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const errors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const requests = Number(total[1]);
  const perSecond = Number(rate[1]);
  return {
    completed: requests - bad,
    failed: bad + errors,
    perSecond: requests === 0 ? 0 : (perSecond * (requests - bad)) / requests,
  };
}

/** One GET with a Host header; the body, whatever the status. */
function get(address: string, port: number, host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path, headers: { host }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("end", () => resolve(Buffer.concat(chunks).toString()));
      res.once("error", reject);
    });
    req.once("error", reject);
    req.end();
  });
}
