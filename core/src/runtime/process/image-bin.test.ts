/**
 * An image's own executables on a container's PATH (process-args.ts, container-spec.ts): a busybox
 * container pulled from the shipped registry runs `nslookup` and `wget` as a real busybox
 * container does — as its command, inside `sh -c`, and through ExecSync (`kubectl exec`) — and
 * they resolve a Service with the pod's DNS settings, against the real cluster DNS server.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ClusterState } from "../../dns/cluster-state.ts";
import { ClusterDnsHandler } from "../../dns/handler.ts";
import { DnsServer } from "../../dns/server.ts";
import { namespaceObject, serviceObject } from "../../dns/testing.ts";
import { dnsEnvironment } from "../../kubelet/dns-config.ts";
import { FakeClock } from "../../util/clock.ts";
import type { ContainerConfig, PodSandboxConfig } from "../cri.ts";
import { NodeImageStore } from "../images/store.ts";
import { ProcessRuntime } from "./runtime.ts";
import { killAndRemove, temporaryRoot, waitUntil } from "./testing.ts";

/** This test's own addresses: the DNS Service's ClusterIP and web's. */
const DNS_IP = "127.96.9.11";
const WEB_IP = "127.96.9.21";
const IMAGE = "busybox:1.36";
/** CRI log line: timestamp, stream, tag, text. */
const CRI_LINE = /^\S+ (?:stdout|stderr) [FP] (.*)$/;

let dns: DnsServer;
let dnsPort = 0;
let web: Server;
let webPort = 0;

beforeAll(async () => {
  web = createServer((_req, res) => res.writeHead(200).end("hello from web\n"));
  await new Promise<void>((resolve) => web.listen(0, WEB_IP, resolve));
  webPort = (web.address() as { port: number }).port;
  const state = new ClusterState(new FakeClock());
  state.setNamespace(namespaceObject("default"), true);
  state.setService(
    serviceObject("web", {
      clusterIP: WEB_IP,
      ports: [{ name: "http", port: webPort, protocol: "TCP" }],
    }),
    true,
  );
  state.markSynced();
  dns = new DnsServer({
    handler: new ClusterDnsHandler(state, { nameserverAddress: DNS_IP }),
    address: DNS_IP,
    port: 0,
    log: () => undefined,
  });
  ({ port: dnsPort } = await dns.start());
});

afterAll(async () => {
  await dns?.stop();
  await new Promise((resolve) => web?.close(resolve));
});

let root = "";
let runtime: ProcessRuntime;
beforeEach(async () => {
  root = await temporaryRoot("image-bin");
  const images = new NodeImageStore({ root: join(root, "images") });
  await images.pullImage({ image: IMAGE });
  runtime = new ProcessRuntime({ root: join(root, "node"), images });
  await runtime.updateRuntimeConfig({ podCIDR: "127.128.9.0/24" });
});
afterEach(async () => {
  await runtime.close();
  await killAndRemove(join(root, "node"));
  await killAndRemove(root);
});

const dnsConfig = {
  servers: [DNS_IP],
  searches: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
  options: ["ndots:5"],
};
/** The pod, as the kubelet asks for its sandbox: ClusterFirst DNS settings, logs under root. */
const pod = (): PodSandboxConfig => ({
  metadata: { name: "dnsutils", namespace: "default", uid: "uid-dnsutils", attempt: 0 },
  hostname: "dnsutils",
  logDirectory: join(root, "logs"),
  labels: {},
  annotations: {},
  dnsConfig,
});

/** A busybox container running `command`, with the DNS variables the kubelet adds. */
function container(name: string, command: string[]): ContainerConfig {
  const envs = dnsEnvironment(dnsConfig, { clusterDNS: [DNS_IP], port: dnsPort }).map(
    ({ name: key, value }) => ({ key, value }),
  );
  return {
    metadata: { name, attempt: 0 },
    image: { image: IMAGE },
    command,
    args: [],
    envs,
    mounts: [],
    labels: {},
    annotations: {},
    logPath: `${name}/0.log`,
  };
}

/** Starts a container and waits for it to exit; its exit code and the text of its log. */
async function runToExit(sandboxId: string, config: ContainerConfig) {
  const id = await runtime.createContainer(sandboxId, config, pod());
  await runtime.startContainer(id);
  const status = await waitUntil(async () => {
    const s = await runtime.containerStatus(id);
    return s.state === "CONTAINER_EXITED" ? s : undefined;
  }, `container ${config.metadata.name} to exit`);
  const log = await readFile(status.logPath, "utf8");
  const text = log
    .split("\n")
    .filter(Boolean)
    .map((line) => CRI_LINE.exec(line)?.[1] ?? `not a CRI line: ${line}`);
  return { exitCode: status.exitCode, text };
}

describe("a busybox container finds the image's applets on its PATH", () => {
  it("as its command, inside sh -c, and through ExecSync", async () => {
    const sandboxId = await runtime.runPodSandbox(pod());

    const direct = await runToExit(sandboxId, container("direct", ["nslookup", "web"]));
    expect(direct).toEqual({
      exitCode: 0,
      text: [
        `Server:\t\t${DNS_IP}`,
        `Address:\t${DNS_IP}:${dnsPort}`,
        "",
        "Name:\tweb.default.svc.cluster.local",
        `Address: ${WEB_IP}`,
        "",
      ],
    });

    const script = await runToExit(
      sandboxId,
      container("script", [
        "sh",
        "-c",
        `nslookup web >/dev/null && wget -qO- http://web:${webPort}/`,
      ]),
    );
    expect(script).toEqual({ exitCode: 0, text: ["hello from web"] });

    const sleeper = await runtime.createContainer(
      sandboxId,
      container("sleeper", ["sleep", "30"]),
      pod(),
    );
    await runtime.startContainer(sleeper);
    const exec = await runtime.execSync(sleeper, ["nslookup", "web.default"], 10);
    expect(exec.exitCode).toBe(0);
    expect(exec.stdout.toString()).toContain("Name:\tweb.default.svc.cluster.local\n");
  });
});
