/**
 * Chapter 8, as a function the test can run: Services found by name, then reached from outside
 * by host and path —
 *  1. two Deployments (web ×2, api ×1) and three Services (web and api with a ClusterIP,
 *     web-pods headless); the EndpointSlice controller fills their slices;
 *  2. a pod's resolv.conf, as the kubelet wrote it: the cluster DNS, the search path, ndots:5;
 *  3. the names a stub resolver sends for `web`, `web.default`, `example.com`, the full name and
 *     the absolute name — every query really sent to the cluster DNS, with its answer;
 *  4. the records: A for a ClusterIP Service, A for a headless Service (each ready pod), SRV for a
 *     named port, a pod's A record, PTR, NXDOMAIN against NOERROR-without-records;
 *  5. the DNS follows the cluster: web scaled to 3, the headless answer has 3 addresses;
 *  6. an Ingress routes a.example and b.example on one address: by host, by path (Prefix matches
 *     whole path elements), 404 where nothing matches, TLS from a Secret for a.example;
 *  7. api scaled to 0: its backend has no endpoints, 503.
 * Everything started is stopped and the data directory deleted, on error too.
 */
import { readdir, readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import type { EndpointSlice } from "@tinykube/core/api/types";
import { issueServingCertificate } from "@tinykube/core/apiserver/pki";
import { type DecodedMessage, RRType, reverseName } from "@tinykube/core/dns";
import { DEFAULT_CLASS_NAME, type Ingress } from "@tinykube/core/ingress";
import { ask, rcodeName, recordData, recordLine } from "./dns-client.ts";
import {
  API_IP,
  apiDeployment,
  apiService,
  siteIngress,
  TLS_SECRET,
  tlsSecret,
  WEB_IP,
  webDeployment,
  webPodsService,
  webService,
} from "./manifests.ts";
import { candidates, parseResolvConf } from "./search-path.ts";
import {
  CLUSTER_DOMAIN,
  DNS_IP,
  INGRESS_IP,
  openStage,
  type Say,
  type Stage,
  until,
} from "./stage.ts";

/** One question and its answer, as the test checks them. */
export interface Answered {
  rcode: string;
  /** The answer section's data, as `dig +short` prints it. */
  answers: string[];
  /** The authority section's record types (an SOA on negative answers). */
  authority: string[];
}

export interface Walk {
  name: string;
  /** Each name sent, in order, with its rcode and how many records came back. */
  queries: { name: string; rcode: string; records: number }[];
  answer: string[];
}

export interface HttpResult {
  status: number;
  body: string;
}

export interface ChapterFacts {
  webIPs: string[];
  apiIP: string;
  resolvConf: string;
  /** The TINYKUBE_DNS_* variables of the web container, as the runtime was given them. */
  dnsEnv: Record<string, string>;
  walks: Walk[];
  /** Keyed "TYPE name", e.g. "A web.default.svc.cluster.local". */
  records: Record<string, Answered>;
  headlessAfterScale: string[];
  ingressAddress: string | undefined;
  /** Which web pods answered a.example, in order. */
  aExampleAnsweredBy: string[];
  bExampleApi: Record<string, string>;
  statuses: Record<string, number>;
  tls: { aExample: { subject: string; authorized: boolean }; bExample: { subject: string } };
  afterScaleToZero: HttpResult;
}

export async function runChapter(say: Say): Promise<ChapterFacts> {
  const stage = await openStage(say);
  try {
    return await story(stage);
  } finally {
    await stage.close();
  }
}

async function story(stage: Stage): Promise<ChapterFacts> {
  const { say } = stage;
  const server = stage.dns;

  // 1. Workloads and Services.
  say(
    `\n[you] kubectl apply: Deployments web (tinykube/hello ×2) and api (an echo server ×1); ` +
      `Services web (${WEB_IP}), api (${API_IP}), web-pods (headless, clusterIP: None)`,
  );
  await stage.resource("apps/deployments", "default").create(webDeployment());
  await stage.resource("apps/deployments", "default").create(apiDeployment());
  for (const svc of [webService(), apiService(), webPodsService()]) {
    await stage.resource("services", "default").create(svc);
  }
  const webIPs = await readyAddresses(stage, "web", 2);
  const [apiIP] = await readyAddresses(stage, "api", 1);
  await readyAddresses(stage, "web-pods", 2);
  for (const name of ["web", "api", "web-pods"]) {
    const slice = sliceOf(stage, name) as EndpointSlice;
    const ports = (slice.ports ?? []).map((p) => `${p.name}=${p.port}`).join(", ");
    say(
      `[observer] EndpointSlice ${slice.metadata.name}: ${readyOf(slice).join(", ")} ready, port ${ports}`,
    );
  }

  // 2. The pod's resolv.conf and environment.
  const webPod = [...stage.seenPods.values()].find((p) => p.metadata.labels?.app === "web");
  const podName = webPod?.metadata.name as string;
  const { resolvConf, env } = await podDnsFiles(stage, podName);
  say(
    `\n[you] cat /etc/resolv.conf in pod ${podName} (the sandbox's file, written by the runtime):`,
  );
  for (const line of resolvConf.trimEnd().split("\n")) say(`    ${line}`);
  say(
    `[you] its DNS environment (resolv.conf cannot say "port ${server.port}", so tinykube also ` +
      "tells the container):",
  );
  for (const [name, value] of Object.entries(env)) say(`    ${name}=${value}`);
  const conf = parseResolvConf(resolvConf);

  // 3. The search path, query by query.
  say(
    `\n[you] resolve names as pod ${podName}'s resolver does (glibc's res_search with the file ` +
      `above, A records only; getaddrinfo would send AAAA beside each):`,
  );
  const walks: Walk[] = [];
  for (const name of [
    "web",
    "web-pods.default",
    "example.com",
    `web.default.svc.${CLUSTER_DOMAIN}`,
    `web.default.svc.${CLUSTER_DOMAIN}.`,
  ]) {
    const dots = name.replace(/\.$/, "").split(".").length - 1;
    const why = name.endsWith(".")
      ? "ends in a dot: absolute, sent as is"
      : dots >= conf.ndots
        ? `${dots} dots ≥ ndots ${conf.ndots}: as is first`
        : `${dots} dot${dots === 1 ? "" : "s"} < ndots ${conf.ndots}: the search list first`;
    say(`  "${name}" (${why})`);
    const walk: Walk = { name, queries: [], answer: [] };
    for (const candidate of candidates(name, conf)) {
      const reply = await ask(server, candidate, RRType.A);
      const rcode = rcodeName(reply.rcode);
      walk.queries.push({ name: candidate, rcode, records: reply.answers.length });
      const shown = reply.answers.map(recordData).join(" ");
      say(`      ${candidate} A → ${rcode}${shown ? ` ${shown}` : ""}`);
      if (reply.answers.length > 0) {
        walk.answer = reply.answers.map(recordData);
        break;
      }
    }
    const n = walk.queries.length;
    say(
      `      ${n} quer${n === 1 ? "y" : "ies"}` +
        (name === "example.com"
          ? ` — the last one leaves the cluster zone: this DNS has no upstream, so SERVFAIL; CoreDNS forwards it (forward . /etc/resolv.conf)`
          : ""),
    );
    walks.push(walk);
  }

  // 4. The records.
  say(`\n[you] dig @${DNS_IP} -p ${server.port} <name> <type>, for each kind of record:`);
  const records: Record<string, Answered> = {};
  const dig = async (name: string, type: keyof typeof RRType, note: string) => {
    const reply = await ask(server, name, RRType[type]);
    records[`${type} ${name}`] = answered(reply);
    say(`  ${type} ${name} — ${note}`);
    say(
      `      status: ${rcodeName(reply.rcode)}, ANSWER: ${reply.answers.length}, AUTHORITY: ${reply.authority.length}`,
    );
    for (const r of reply.answers) say(`      ${recordLine(r)}`);
    for (const r of reply.authority) say(`      (authority) ${recordLine(r)}`);
  };
  const svc = (name: string) => `${name}.default.svc.${CLUSTER_DOMAIN}`;
  const firstWeb = webIPs[0] as string;
  const dashed = firstWeb.replaceAll(".", "-");
  await dig(svc("web"), "A", "a ClusterIP Service: its one virtual address, however many pods");
  await dig(svc("web-pods"), "A", "a headless Service: every ready pod's address");
  await dig(`_http._tcp.${svc("web")}`, "SRV", "a named port: the Service port (80)");
  await dig(`_http._tcp.${svc("web-pods")}`, "SRV", "headless: one per pod, weight ⌊100/2⌋");
  await dig(`${dashed}.default.pod.${CLUSTER_DOMAIN}`, "A", "a pod record (pods insecure)");
  await dig(reverseName(WEB_IP), "PTR", `PTR of ${WEB_IP}, the ClusterIP`);
  await dig(reverseName(firstWeb), "PTR", `PTR of ${firstWeb}: a pod behind two Services`);
  await dig(svc("nope"), "A", "no such Service: NXDOMAIN");
  await dig(svc("web"), "AAAA", "the name exists, no AAAA: NOERROR with no answer (NODATA)");

  // 5. The DNS follows the EndpointSlices.
  say("\n[you] kubectl scale deployment web --replicas=3");
  const scaledAt = performance.now();
  await stage.resource("apps/deployments", "default").patch("web", { spec: { replicas: 3 } });
  const headlessAfterScale = await until(async () => {
    const reply = await ask(server, svc("web-pods"), RRType.A);
    return reply.answers.length === 3 ? reply.answers.map(recordData) : undefined;
  }, "web-pods to answer 3 addresses");
  say(
    `[you] dig web-pods.default.svc.cluster.local → ${headlessAfterScale.join(", ")} ` +
      `(${((performance.now() - scaledAt) / 1000).toFixed(1)} s after the scale: pod started, ` +
      "Ready, EndpointSlice updated, seen by the DNS's watch)",
  );

  // 6. Ingress.
  const cert = await issueServingCertificate(stage.pki, {
    commonName: "a.example",
    ips: [],
    dnsNames: ["a.example"],
  });
  await stage.resource("secrets", "default").create(tlsSecret(cert.certPem, cert.keyPem));
  say(
    `\n[you] kubectl apply: Secret ${TLS_SECRET} (kubernetes.io/tls, a certificate for a.example), ` +
      "Ingress site (class tinykube): a.example / → web:http, b.example /api → api:http, tls for a.example",
  );
  const ingresses = stage.resource<Ingress>("networking.k8s.io/ingresses", "default");
  await ingresses.create(siteIngress(DEFAULT_CLASS_NAME) as Ingress);
  const withAddress = await until(async () => {
    const ing = await ingresses.get("site");
    return ing.status?.loadBalancer?.ingress?.[0]?.ip ? ing : undefined;
  }, "the Ingress to show the controller's address");
  const ingressAddress = withAddress.status?.loadBalancer?.ingress?.[0]?.ip;
  say(
    `[observer] kubectl get ingress site → HOSTS a.example,b.example  ADDRESS ${ingressAddress}  ` +
      "PORTS 80, 443 (the controller wrote status.loadBalancer)",
  );
  const http = (host: string, path: string) => httpVia(stage, host, path);
  await until(async () => (await http("a.example", "/")).status === 200, "a.example routed");

  const { httpPort } = stage.ingress;
  say(`[you] curl -H 'Host: a.example' http://${INGRESS_IP}:${httpPort}/  (four times)`);
  const aExampleAnsweredBy: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await http("a.example", "/");
    aExampleAnsweredBy.push(/^Hello from (\S+)/.exec(r.body)?.[1] ?? "?");
    say(`      ${r.status} ${r.body.trim()}`);
  }
  say("      round robin over web's ready endpoints — pod addresses, not the ClusterIP");

  const api = await http("b.example", "/api/users?id=7");
  const bExampleApi = JSON.parse(api.body) as Record<string, string>;
  say(`[you] curl -H 'Host: b.example' http://${INGRESS_IP}:${httpPort}/api/users?id=7`);
  say(`      ${api.status} ${api.body.trim()}`);
  say("      the path is passed on unchanged; the controller adds X-Forwarded-For, -Host, -Proto");

  const statuses: Record<string, number> = {};
  for (const [host, path, why] of [
    ["b.example", "/api", "Prefix /api matches /api itself"],
    ["b.example", "/api/", "…and /api/ (a trailing slash is ignored)"],
    ["b.example", "/apix", "Prefix matches whole path elements: /apix is not under /api"],
    ["b.example", "/", "b.example has no rule for /: a host's paths stand alone"],
    ["c.example", "/", "no rule for this host and no defaultBackend: the controller's 404"],
  ] as const) {
    const r = await http(host, path);
    statuses[`${host}${path}`] = r.status;
    say(`[you] curl -H 'Host: ${host}' …${path} → ${r.status}  (${why})`);
  }

  const tlsA = await httpsVia(stage, "a.example", true);
  const tlsB = await httpsVia(stage, "b.example", false);
  say(
    `[you] curl --cacert ca.crt --resolve a.example:${stage.ingress.httpsPort}:${INGRESS_IP} ` +
      `https://a.example:${stage.ingress.httpsPort}/ → ${tlsA.status}, certificate CN=${tlsA.subject}, ` +
      `verified: ${tlsA.authorized}`,
  );
  say(
    `[you] the same for b.example (no tls entry) → certificate CN=${tlsB.subject}: ` +
      "the controller's default, which no client trusts",
  );

  // 7. No endpoints.
  say("\n[you] kubectl scale deployment api --replicas=0");
  await stage.resource("apps/deployments", "default").patch("api", { spec: { replicas: 0 } });
  const afterScaleToZero = await until(async () => {
    const r = await http("b.example", "/api");
    return r.status === 503 ? r : undefined;
  }, "b.example/api to answer 503");
  say(
    `[you] curl -H 'Host: b.example' …/api → ${/<title>(.*)<\/title>/.exec(afterScaleToZero.body)?.[1]}: ` +
      "the route is still there, its backend has no endpoint",
  );

  return {
    webIPs,
    apiIP: apiIP as string,
    resolvConf,
    dnsEnv: env,
    walks,
    records,
    headlessAfterScale,
    ingressAddress,
    aExampleAnsweredBy,
    bExampleApi,
    statuses,
    tls: {
      aExample: { subject: tlsA.subject, authorized: tlsA.authorized },
      bExample: { subject: tlsB.subject },
    },
    afterScaleToZero,
  };
}

const sliceOf = (stage: Stage, service: string) =>
  [...stage.seenSlices.values()].find(
    (s) => s.metadata.labels?.["kubernetes.io/service-name"] === service,
  );

const readyOf = (slice: EndpointSlice | undefined) =>
  (slice?.endpoints ?? [])
    .filter((e) => e.conditions?.ready !== false)
    .flatMap((e) => e.addresses)
    .sort();

/** Waits for `count` ready endpoints in the Service's slice; returns their addresses. */
function readyAddresses(stage: Stage, service: string, count: number): Promise<string[]> {
  return until(() => {
    const ready = readyOf(sliceOf(stage, service));
    return ready.length === count ? ready : undefined;
  }, `${count} ready endpoints of ${service}`);
}

/**
 * The pod's /etc/resolv.conf from its sandbox directory, and the container's TINYKUBE_DNS_*
 * variables from the config the runtime was given (what `crictl inspect` shows).
 */
async function podDnsFiles(
  stage: Stage,
  podName: string,
): Promise<{ resolvConf: string; env: Record<string, string> }> {
  const sandboxes = join(stage.runtimeRoot, "sandboxes");
  let resolvConf = "";
  for (const id of await readdir(sandboxes)) {
    const record = JSON.parse(await readFile(join(sandboxes, id, "sandbox.json"), "utf8")) as {
      config: { metadata: { name: string } };
    };
    if (record.config.metadata.name === podName) {
      resolvConf = await readFile(join(sandboxes, id, "resolv.conf"), "utf8");
    }
  }
  const containers = join(stage.runtimeRoot, "containers");
  const env: Record<string, string> = {};
  for (const id of await readdir(containers)) {
    const config = JSON.parse(await readFile(join(containers, id, "config.json"), "utf8")) as {
      config?: { envs?: { key: string; value: string }[]; labels?: Record<string, string> };
    };
    if (config.config?.labels?.["io.kubernetes.pod.name"] !== podName) continue;
    for (const e of config.config.envs ?? []) {
      if (e.key.startsWith("TINYKUBE_DNS_")) env[e.key] = e.value;
    }
  }
  return { resolvConf, env };
}

function answered(reply: DecodedMessage): Answered {
  return {
    rcode: rcodeName(reply.rcode),
    answers: reply.answers.map(recordData),
    authority: reply.authority.map((r) => (r.type === RRType.SOA ? "SOA" : String(r.type))),
  };
}

/** A plain-HTTP request to the ingress controller's address, with the Host header `host`. */
function httpVia(stage: Stage, host: string, path: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    httpRequest(
      {
        host: stage.ingress.address,
        port: stage.ingress.httpPort,
        path,
        headers: { host },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    )
      .on("error", reject)
      .end();
  });
}

/**
 * An HTTPS request for `/` with SNI and Host `host`; `verify`: check the certificate against the
 * cluster CA and the host name, as curl --cacert does (otherwise curl -k).
 */
function httpsVia(
  stage: Stage,
  host: string,
  verify: boolean,
): Promise<{ status: number; subject: string; authorized: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: stage.ingress.address,
        port: stage.ingress.httpsPort,
        path: "/",
        servername: host,
        headers: { host },
        ca: stage.pki.ca.certPem,
        rejectUnauthorized: verify,
        agent: false,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        res.resume();
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            subject: String(peer.subject?.CN ?? ""),
            authorized: socket.authorized,
          }),
        );
      },
    );
    req.on("error", reject).end();
  });
}
