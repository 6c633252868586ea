import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import { proxyRulesCommand } from "./proxy-command.ts";

let api: TestApiServer;

beforeAll(async () => {
  api = await startTestApiServer();
  const create = async (path: string, body: unknown) => {
    const response = await api.request("POST", path, { body });
    if (response.status >= 300) throw new Error(`${path}: ${response.status} ${response.text}`);
  };
  await create("/api/v1/nodes", {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node-1" },
    status: { addresses: [{ type: "InternalIP", address: "127.1.0.1" }] },
  });
  await create("/api/v1/namespaces/default/services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web" },
    spec: { clusterIP: "127.96.0.20", ports: [{ name: "http", port: 80, targetPort: 8080 }] },
  });
  await create("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "web-abc", labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    endpoints: [{ addresses: ["127.128.1.5"], conditions: { ready: true }, nodeName: "node-1" }],
  });
  // A headless Service's slices carry this label; kube-proxy does not even watch them.
  await create("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: "db-abc",
      labels: { "kubernetes.io/service-name": "db", "service.kubernetes.io/headless": "" },
    },
    addressType: "IPv4",
    ports: [{ name: "pg", port: 5432, protocol: "TCP" }],
    endpoints: [{ addresses: ["127.128.1.6"], conditions: { ready: true } }],
  });
});

afterAll(async () => {
  await api?.stop();
});

async function run(...args: string[]): Promise<string> {
  let out = "";
  await proxyRulesCommand(args, (text) => {
    out += text;
  });
  return out;
}

describe("tinykube proxy rules", () => {
  it("prints the iptables rules for a node of the running cluster, as system:kube-proxy", async () => {
    const out = await run("rules", "--mode", "iptables", "--data-dir", api.dataDir);
    expect(out).toMatch(/^# iptables mode's rules for node node-1 \(127\.1\.0\.1\)/);
    expect(out).toContain("*filter\n");
    expect(out).toContain(
      '-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 127.96.0.20 --dport 80 -j KUBE-SVC-',
    );
    expect(out).toContain("-j DNAT --to-destination 127.128.1.5:8080");
    expect(out).toContain("! -s 127.128.0.0/9 -j KUBE-MARK-MASQ");
    expect(out).not.toContain("5432");
    expect(out.trimEnd().endsWith("COMMIT")).toBe(true);
  });

  it("prints the restore input with --restore", async () => {
    const out = await run("rules", "--restore", "--data-dir", api.dataDir);
    expect(out).toContain("-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN");
  });

  it("says which modes exist, and what subcommand it wants", async () => {
    await expect(run("rules", "--mode", "ipvs", "--data-dir", api.dataDir)).rejects.toThrow(
      '--mode: only "iptables" is rendered (Kubernetes also has "ipvs" and "nftables"), got "ipvs"',
    );
    await expect(run("show")).rejects.toThrow('proxy: expected the subcommand "rules", got "show"');
  });

  it("points at tinykube up when there is no cluster", async () => {
    await expect(run("rules", "--data-dir", "/nonexistent/tinykube")).rejects.toThrow(
      /\/nonexistent\/tinykube\/kubeconfig: .*\(start tinykube first: tinykube up\)/,
    );
  });
});
