/**
 * The kubelet's server end to end: a real API server, a kubelet on the process runtime serving
 * HTTPS with a certificate from the cluster CA, and the real kubectl (with a fresh HOME) asking
 * for logs through the API server's pods/log proxy. Every process started is killed afterwards
 * (killAndRemove: each container's process group and shim, by recorded pid and start time).
 */
import { request } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Node, Pod } from "../api/types.ts";
import {
  type CertificateAndKey,
  ensureClusterPki,
  issueClientCertificate,
  issueServingCertificate,
} from "../apiserver/pki.ts";
import { builtinType } from "../client/factory.ts";
import { eventually } from "../controllers/testing.ts";
import { NodeImageStore } from "../runtime/images/store.ts";
import { ProcessRuntime } from "../runtime/process/runtime.ts";
import { killAndRemove, temporaryRoot } from "../runtime/process/testing.ts";
import { runKubectl } from "../testing/kubectl.ts";
import { Kubelet } from "./kubelet.ts";
import type { Summary } from "./stats-summary.ts";
import { type KubeletTestCluster, podOn, startKubeletTestCluster } from "./testing.ts";

/** The node's address (DESIGN.md: node N is 127.1.0.N) and a pod range no other test uses. */
const ADDRESS = "127.1.0.1";
const POD_CIDR = "127.128.21.0/24";

let cluster: KubeletTestCluster;
let root = "";
let runtime: ProcessRuntime;
let kubelet: Kubelet;
let caPem = "";
let admin: CertificateAndKey;

beforeAll(async () => {
  cluster = await startKubeletTestCluster();
  root = await temporaryRoot("kubelet-server");
  const pki = await ensureClusterPki(cluster.api.dataDir);
  caPem = pki.ca.certPem;
  // What `tinykube up` gives each node: a serving certificate for its address, from the CA.
  const serving = await issueServingCertificate(pki, {
    commonName: "system:node:node-1",
    ips: [ADDRESS],
    dnsNames: ["node-1"],
  });
  admin = await issueClientCertificate(pki, { user: "admin", groups: ["system:masters"] });
  runtime = new ProcessRuntime({
    root: join(root, "node"),
    images: new NodeImageStore({ root: join(root, "images") }),
  });
  kubelet = new Kubelet({
    client: cluster.node,
    nodeName: "node-1",
    address: ADDRESS,
    runtime,
    rootDir: join(root, "kubelet"),
    podCIDR: POD_CIDR,
    relistPeriodMs: 200,
    server: { port: 0, tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem } },
  });
  await kubelet.start();
});

afterAll(async () => {
  await kubelet?.stop();
  await runtime?.close();
  if (root) await killAndRemove(join(root, "node"));
  if (root) await killAndRemove(root);
  await cluster?.close();
});

const kubectl = (...args: string[]) =>
  runKubectl(args, { kubeconfig: cluster.api.kubeconfigPath, timeoutMs: 30_000 });

const busybox = (name: string, script: string, spec: Record<string, unknown> = {}) =>
  cluster.pods.create(
    podOn("node-1", name, [{ name, image: "busybox:1.36", command: ["sh", "-c", script] }], spec),
  );

const podWhere = (name: string, check: (pod: Pod) => boolean, what: string) =>
  eventually(
    () => cluster.getPod(name),
    (pod) => pod !== undefined && check(pod),
    `${name}: ${what}`,
    30_000,
  ) as Promise<Pod>;

const running = (name: string) =>
  podWhere(
    name,
    (p) =>
      (p.status?.containerStatuses?.[0]?.state as { running?: unknown })?.running !== undefined,
    "its container running",
  );

/** The kubelet's port, as the Node advertises it to the API server. */
async function kubeletPort(): Promise<number> {
  const node = await cluster.admin.resource<Node>(builtinType("nodes")).get("node-1");
  const endpoints = node.status?.daemonEndpoints as { kubeletEndpoint?: { Port?: number } };
  return endpoints?.kubeletEndpoint?.Port ?? 0;
}

/** GET a path on the kubelet as the cluster admin (system:masters), over its HTTPS. */
async function kubeletGet(path: string): Promise<{ status: number; text: string }> {
  const port = await kubeletPort();
  return new Promise((resolve, reject) => {
    request(
      {
        host: ADDRESS,
        port,
        path,
        ca: caPem,
        cert: admin.certPem,
        key: admin.keyPem,
        agent: false,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    )
      .on("error", reject)
      .end();
  });
}

describe("the kubelet server with the process runtime and real kubectl", () => {
  it("advertises its port in the Node and answers /healthz", async () => {
    expect(await kubeletPort()).toBeGreaterThan(0);
    expect(await kubeletGet("/healthz")).toEqual({ status: 200, text: "ok" });
  });

  it("kubectl logs; kubectl logs --tail=1 --timestamps", async () => {
    await busybox(
      "printer",
      "echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three; exec sleep 3600",
    );
    await running("printer");
    const all = await eventually(
      () => kubectl("logs", "printer"),
      (r) => r.stdout === "one\ntwo\nthree\n",
      "kubectl logs printer to show three lines",
      15_000,
    );
    expect(all.code).toBe(0);
    const tail = await kubectl("logs", "printer", "--tail=1", "--timestamps");
    expect(tail.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z three\n$/);
  });

  // The kubelet's 400 becomes the API's BadRequest with its text (GenericHttpResponseChecker).
  it("kubectl logs --previous without a previous run: the kubelet's reason", async () => {
    await running("printer");
    const previous = await kubectl("logs", "printer", "--previous");
    expect(previous.code, previous.stderr).toBe(1);
    expect(previous.stderr).toBe(
      'Error from server (BadRequest): previous terminated container "printer" in pod "printer" not found\n',
    );
  });

  it("kubectl logs -f streams until the container exits", async () => {
    await busybox("ticker", "echo start; sleep 2; echo middle; sleep 1; echo end", {
      restartPolicy: "Never",
    });
    await running("ticker");
    const started = Date.now();
    const follow = await kubectl("logs", "-f", "ticker");
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.stdout).toBe("start\nmiddle\nend\n");
    expect(Date.now() - started, "it waited for the later lines").toBeGreaterThan(1000);
    const pod = await podWhere(
      "ticker",
      (p) => p.status?.phase === "Succeeded",
      "Succeeded once its container exited",
    );
    expect(pod.status?.phase).toBe("Succeeded");
  });

  it("kubectl logs --previous after a restart shows the run before", async () => {
    await cluster.pods.create(
      podOn("node-1", "crash", [
        {
          name: "crash",
          image: "tinykube/crasher:1.0",
          env: [
            { name: "EXIT_CODE", value: "3" },
            { name: "CRASH_AFTER_SECONDS", value: "1" },
          ],
        },
      ]),
    );
    await podWhere(
      "crash",
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      "restarted once",
    );
    const previous = await kubectl("logs", "crash", "--previous");
    expect(previous.code, previous.stderr).toBe(0);
    expect(previous.stdout).toBe(
      "crasher: started, exiting with code 3 in 1 s\ncrasher: exiting with code 3\n",
    );
  });

  it("/stats/summary shows a cpu-burner's CPU, and its rate from the second request", async () => {
    await cluster.pods.create(
      podOn("node-1", "burner", [
        {
          name: "burner",
          image: "tinykube/cpu-burner:1.0",
          env: [{ name: "MILLICORES", value: "500" }],
        },
      ]),
    );
    await running("burner");
    const burner = async () => {
      const answer = await kubeletGet("/stats/summary");
      expect(answer.status).toBe(200);
      const summary = JSON.parse(answer.text) as Summary;
      expect(summary.node.nodeName).toBe("node-1");
      return summary.pods.find((p) => p.podRef.name === "burner")?.containers[0];
    };
    const first = await eventually(
      burner,
      (c) => (c?.cpu.usageCoreNanoSeconds ?? 0) > 0,
      "the burner's CPU in the summary",
      15_000,
    );
    expect(first?.memory.workingSetBytes, "a Node process's resident memory").toBeGreaterThan(
      1 << 20,
    );
    // A rate over real time needs real time: two samples 2 s apart (each request is a sample).
    const sampledAt = Date.now();
    await eventually(
      async () => Date.now() - sampledAt,
      (ms) => ms >= 2000,
      "2 s to pass",
      5000,
    );
    const rated = await burner();
    // 500m asked: about 1,000,000,000 core-ns more in 2 s; a machine busy with other tests may
    // give it much less, never much more than it asks.
    expect(rated?.cpu.usageCoreNanoSeconds).toBeGreaterThan(first?.cpu.usageCoreNanoSeconds ?? 0);
    expect(rated?.cpu.usageNanoCores).toBeGreaterThan(20_000_000);
    expect(rated?.cpu.usageNanoCores).toBeLessThan(1_000_000_000);
  });
});
