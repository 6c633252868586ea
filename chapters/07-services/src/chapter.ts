/**
 * Chapter 7, as a function the test can run: a Deployment behind a Service, followed from the
 * EndpointSlice appearing to the rules iptables mode would install —
 *  1. a Deployment of 3 tinykube/hello pods (readiness probe on /readyz) and a Service `web`;
 *     the EndpointSlice controller lists the pods as they turn Ready, kube-proxy syncs;
 *  2. requests to the ClusterIP, each a new connection: kube-proxy takes the endpoints in turn;
 *  3. scaling to 5 adds two endpoints to the rotation;
 *  4. a pod whose readiness probe fails leaves it (and is not restarted);
 *  5. ClientIP session affinity: each client sticks to one pod;
 *  6. type NodePort: the Service answers on both nodes' addresses;
 *  7. the rules kube-proxy's iptables mode would install for the Service.
 * Everything started is stopped and the data directory deleted, on error too.
 */
import type {
  Deployment,
  EndpointPort,
  EndpointSlice,
  Endpoints,
  Pod,
  Service,
} from "@tinykube/core/api/types";
import type { KubeProxy } from "@tinykube/core/proxy";
import { type Answer, ask, get } from "./ask.ts";
import { probabilitiesIn, rotationOf, serviceRules } from "./rules.ts";
import { nodeOf, openStage, type Say, type Stage, until } from "./stage.ts";

/**
 * The Service's cluster IP, named so that the chapter prints the same address every run. Left out,
 * the API server would allocate one; named, it must be free, and an address in the static band —
 * the first 256 of 127.96.0.0/12, which the allocator hands out only when asked by name
 * (KEP-3070) — can never be taken by an allocation first. 127.96.0.1 is `kubernetes`, 127.96.0.10
 * the cluster DNS.
 */
export const CLUSTER_IP = "127.96.0.7";
/** Above 1024, so that kube-proxy may bind it without root (DESIGN.md, network model). */
export const SERVICE_PORT = 8080;
/** In the NodePort range's static band, 30000–30085 (KEP-3668), for the same reason. */
export const NODE_PORT = 30007;
/** kube-proxy's name for the Service's one port: "namespace/name:port-name". */
export const PORT_NAME = "default/web:http";
/** Two clients, told apart by their source address (any 127/8 address is this machine's). */
export const CLIENTS = ["127.0.7.1", "127.0.7.2"] as const;

export interface PodFacts {
  name: string;
  ip: string;
  node: string;
}

export interface ChapterFacts {
  /** The first 3 pods, sorted by name. */
  pods: PodFacts[];
  slice: {
    name: string;
    labels: Record<string, string>;
    ready: number;
    port: EndpointPort | undefined;
  };
  /** Addresses in the Endpoints object of the same name. */
  endpointsAddresses: number;
  /** Who answered 6 requests to the cluster IP, in order. */
  roundRobin: string[];
  /** Connections per endpoint, as node-1's kube-proxy counted them. */
  counted: Record<string, number>;
  scaled: { pods: string[]; answers: string[] };
  unready: {
    pod: string;
    ip: string;
    condition: { ready?: boolean; serving?: boolean; terminating?: boolean };
    answers: string[];
    restartCount: number;
  };
  affinity: { timeoutSeconds: number; byClient: Record<string, string[]> };
  /** Who answered on each node's address at the NodePort. */
  nodePort: Record<string, string>;
  rules: {
    lines: string[];
    svcChain: string;
    sepChains: string[];
    probabilities: string[];
    /** The endpoints ("ip:port") in the rotation, in kube-proxy's order: the ready pods. */
    rotation: string[];
  };
}

const readyOf = (pod: Pod | undefined) =>
  pod?.status?.conditions?.find((c) => c.type === "Ready")?.status;

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
  const node1 = stage.proxies[0]?.proxy as KubeProxy;
  const who = (a: Answer) => `${a.pod} (${a.ip} on ${nodeOfPod(stage, a.pod)})`;
  const askService = async (n: number, localAddress?: string) => {
    const answers: string[] = [];
    for (let i = 0; i < n; i++) {
      const a = await ask({ host: CLUSTER_IP, port: SERVICE_PORT, localAddress });
      answers.push(a.pod);
      say(`    request ${i + 1} → ${who(a)}`);
    }
    return answers;
  };

  // 1. A Deployment and a Service.
  say(
    "[you] kubectl create deployment web: 3 × tinykube/hello:1.0, container port http 8080, " +
      "readiness probe GET /readyz every 1 s",
  );
  await stage.deployments.create(webDeployment(3));
  say(
    `[you] kubectl create service web: selector app=web, clusterIP ${CLUSTER_IP}, ` +
      `port ${SERVICE_PORT} → targetPort http`,
  );
  await stage.services.create(webService());
  const slice = await until(() => {
    const s = sliceOf(stage);
    return s && readyIn(s) === 3 ? s : undefined;
  }, "web's EndpointSlice with 3 ready endpoints");
  await inRotation(node1, 3);
  const pods = readyPods(stage).map(podFacts);
  for (const p of pods) say(`[observer] pod ${p.name}: ${p.node}, ${p.ip}, Ready`);
  const port = slice.ports?.[0];
  say(
    `[observer] EndpointSlice ${slice.metadata.name}: labels ` +
      `kubernetes.io/service-name=${slice.metadata.labels?.["kubernetes.io/service-name"]}, ` +
      `endpointslice.kubernetes.io/managed-by=${slice.metadata.labels?.["endpointslice.kubernetes.io/managed-by"]}; ` +
      `port ${port?.name} ${port?.port}/${port?.protocol} (targetPort http, resolved in each pod)`,
  );
  for (const e of slice.endpoints) {
    say(
      `    ${e.addresses[0]}  ${e.targetRef?.name}  node ${e.nodeName}  ` +
        `ready=${e.conditions.ready} serving=${e.conditions.serving} terminating=${e.conditions.terminating}`,
    );
  }
  const endpointsAddresses = await until(async () => {
    const n = addressesIn((await stage.endpoints.get("web")) as Endpoints);
    return n === 3 ? n : undefined;
  }, "Endpoints web with 3 addresses");
  say(
    `[observer] Endpoints web: ${endpointsAddresses} addresses in one object — the older API, ` +
      "kept by the endpoints controller beside the slice\n",
  );
  narrateSync(stage, node1, "node-1");

  // 2. Round-robin, connection by connection.
  say(
    `[you] 6 × GET http://${CLUSTER_IP}:${SERVICE_PORT}/, each on a new TCP connection — ` +
      "node-1's kube-proxy accepts it on the cluster IP and dials an endpoint:",
  );
  const roundRobin = await askService(6);
  const counted = { ...(node1.counters(PORT_NAME)?.byEndpoint ?? {}) };
  say(
    `[kube-proxy node-1] connections per endpoint: ${Object.entries(counted)
      .map(([ep, n]) => `${ep} ${n}`)
      .join(", ")} — each in turn, in the order of the balancer's shuffle\n`,
  );

  // 3. Scale to 5.
  say("[you] kubectl scale deployment web --replicas=5");
  await stage.deployments.patch("web", { spec: { replicas: 5 } });
  await until(() => {
    const s = sliceOf(stage);
    return s && readyIn(s) === 5;
  }, "5 ready endpoints");
  await inRotation(node1, 5);
  narrateSync(stage, node1, "node-1");
  say("[you] 10 × GET: the new pods are in the rotation (a changed set is shuffled afresh)");
  const scaledAnswers = await askService(10);
  const scaledPods = readyPods(stage).map((p) => p.metadata.name as string);
  say("");

  // 4. A pod turns unready.
  const victim = podFacts(readyPods(stage)[0] as Pod);
  say(
    `[you] GET http://${victim.ip}:8080/fail-ready — straight to the pod: its /readyz fails from now on`,
  );
  await get({ host: victim.ip, port: 8080, path: "/fail-ready" });
  await until(() => readyOf(stage.seenPods.get(victim.name)) === "False", `${victim.name} unready`);
  say(`[observer] pod ${victim.name}: Ready=False (the kubelet's readiness probe)`);
  const condition = await until(() => {
    const e = sliceOf(stage)?.endpoints.find((ep) => ep.addresses[0] === victim.ip);
    return e && e.conditions.ready === false ? e.conditions : undefined;
  }, `${victim.name}'s endpoint not ready`);
  say(
    `[observer] its endpoint ${victim.ip}: ready=${condition.ready} serving=${condition.serving} ` +
      `terminating=${condition.terminating} — still listed, no longer used`,
  );
  await inRotation(node1, 4);
  narrateSync(stage, node1, "node-1");
  say("[you] 8 × GET:");
  const unreadyAnswers = await askService(8);
  const restartCount =
    stage.seenPods.get(victim.name)?.status?.containerStatuses?.[0]?.restartCount ?? 0;
  say(
    `[observer] ${victim.name} answered none of them, and runs on: restartCount ${restartCount} ` +
      "(readiness removes from endpoints; only liveness restarts)\n",
  );

  // 5. ClientIP affinity.
  say('[you] kubectl patch service web -p \'{"spec":{"sessionAffinity":"ClientIP"}}\'');
  const sticky = await stage.services.patch("web", { spec: { sessionAffinity: "ClientIP" } });
  const timeoutSeconds = Number(
    (sticky.spec.sessionAffinityConfig as { clientIP?: { timeoutSeconds?: number } } | undefined)
      ?.clientIP?.timeoutSeconds ?? 10800,
  );
  say(
    `[observer] Service web: sessionAffinity ClientIP, timeoutSeconds ${timeoutSeconds} ` +
      "(the API server's default: 3 hours)",
  );
  await until(() => node1.iptablesRules()?.includes("--rcheck"), "node-1 to sync the affinity");
  narrateSync(stage, node1, "node-1");
  const byClient: Record<string, string[]> = {};
  for (const client of CLIENTS) {
    say(`[you] 4 × GET from ${client}:`);
    byClient[client] = await askService(4, client);
  }
  say("");

  // 6. NodePort.
  say(`[you] kubectl patch service web: type NodePort, nodePort ${NODE_PORT}`);
  await stage.services.patch("web", {
    spec: {
      type: "NodePort",
      ports: [{ name: "http", port: SERVICE_PORT, targetPort: "http", nodePort: NODE_PORT }],
    },
  });
  const nodePort: Record<string, string> = {};
  for (const { node, address, proxy } of stage.proxies) {
    await until(
      () => proxy.iptablesRules()?.includes(`--dport ${NODE_PORT} -j KUBE-EXT-`),
      `${node}'s kube-proxy to sync the NodePort`,
    );
    const a = await ask({ host: address, port: NODE_PORT });
    nodePort[address] = a.pod;
    say(`[you] GET http://${address}:${NODE_PORT}/ (${node}'s kube-proxy) → ${who(a)}`);
  }
  say("");

  // 7. The rules iptables mode would install.
  const rules = node1.iptablesRules() ?? "";
  const mine = serviceRules(rules, PORT_NAME);
  say(
    "[kube-proxy node-1] the rules iptables mode would install for default/web " +
      "(`tinykube proxy rules --node node-1`, the nat table's lines for this Service):",
  );
  for (const line of mine.lines) say(`    ${line}`);

  return {
    pods,
    slice: {
      name: slice.metadata.name as string,
      labels: { ...(slice.metadata.labels ?? {}) },
      ready: readyIn(slice),
      port,
    },
    endpointsAddresses,
    roundRobin,
    counted,
    scaled: { pods: scaledPods, answers: scaledAnswers },
    unready: { pod: victim.name, ip: victim.ip, condition, answers: unreadyAnswers, restartCount },
    affinity: { timeoutSeconds, byClient },
    nodePort,
    rules: {
      lines: mine.lines,
      svcChain: mine.svcChain,
      sepChains: mine.sepChains,
      probabilities: probabilitiesIn(mine.lines, mine.svcChain),
      rotation: rotationOf(rules, PORT_NAME),
    },
  };
}

function webDeployment(replicas: number): Deployment {
  const labels = { app: "web" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: "hello",
              image: "tinykube/hello:1.0",
              ports: [{ name: "http", containerPort: 8080 }],
              readinessProbe: {
                httpGet: { path: "/readyz", port: "http" },
                periodSeconds: 1,
                failureThreshold: 1,
              },
            },
          ],
        },
      },
    },
  } as Deployment;
}

function webService(): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default" },
    spec: {
      selector: { app: "web" },
      clusterIP: CLUSTER_IP,
      ports: [{ name: "http", port: SERVICE_PORT, targetPort: "http" }],
    },
  };
}

/** The Service's one slice (3 or 5 endpoints never need a second: 100 fit in one). */
function sliceOf(stage: Stage): EndpointSlice | undefined {
  return [...stage.seenSlices.values()].find(
    (s) => s.metadata.labels?.["kubernetes.io/service-name"] === "web",
  );
}

const readyIn = (slice: EndpointSlice) =>
  slice.endpoints.filter((e) => e.conditions.ready !== false).length;

function addressesIn(endpoints: Endpoints): number {
  return (endpoints.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
}

/** The web pods the observer sees Ready, by name. */
function readyPods(stage: Stage): Pod[] {
  return [...stage.seenPods.values()]
    .filter((p) => p.metadata.labels?.app === "web" && readyOf(p) === "True")
    .sort((a, b) => (a.metadata.name as string).localeCompare(b.metadata.name as string));
}

function podFacts(pod: Pod): PodFacts {
  return {
    name: pod.metadata.name as string,
    ip: pod.status?.podIP as string,
    node: pod.spec.nodeName as string,
  };
}

function nodeOfPod(stage: Stage, name: string): string {
  return nodeOf(stage.seenPods.get(name)?.spec.nodeName)?.name ?? "?";
}

/**
 * Waits until the proxy's last sync put `n` endpoints in the Service's rotation. The rules are
 * rendered last in a sync, after the load balancer took the same endpoints, so the rules are
 * the sign that the sync is done.
 */
async function inRotation(proxy: KubeProxy, n: number): Promise<void> {
  await until(
    () => rotationOf(proxy.iptablesRules() ?? "", PORT_NAME).length === n,
    `${n} endpoints in kube-proxy's rotation`,
  );
}

function narrateSync(stage: Stage, proxy: KubeProxy, node: string): void {
  const sync = proxy.lastSync();
  if (!sync) return;
  const rotation = rotationOf(proxy.iptablesRules() ?? "", PORT_NAME);
  stage.say(
    `[kube-proxy ${node}] ${sync.iptables?.full ? "full" : "partial"} sync in ` +
      `${sync.durationMs.toFixed(1)} ms (${sync.updatedServices} changed Service, ` +
      `${sync.servicePorts} service ports in all): ${PORT_NAME} → ${rotation.join(", ")}`,
  );
}
