/**
 * Services as a user makes and reads them with a real kubectl 1.32: `kubectl create service`,
 * `kubectl expose deployment`, `kubectl get svc` and `kubectl get ipaddresses`, against a real API
 * server. The expected text is what kubectl prints against Kubernetes, with tinykube's
 * addresses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "../../testing/cluster.ts";
import { runKubectl } from "../../testing/kubectl.ts";

describe("kubectl and Services", () => {
  let api: TestApiServer;
  const kubectl = async (...args: string[]) => {
    const result = await runKubectl(args, { kubeconfig: api.kubeconfigPath });
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  };
  const clusterIP = async (name: string) =>
    kubectl("get", "svc", name, "-o", "jsonpath={.spec.clusterIP}");
  /** AGE is whatever the clock says: blank it out. */
  const withoutAge = (table: string) => table.replace(/\s+\d+s$/gm, "");

  beforeAll(async () => {
    api = await startTestApiServer();
  });
  afterAll(async () => {
    await api.stop();
  });

  it("creates a ClusterIP Service and lists it next to kubernetes", async () => {
    expect(await kubectl("create", "service", "clusterip", "web", "--tcp=80:8080")).toBe(
      "service/web created\n",
    );
    const ip = await clusterIP("web");
    expect(ip).toMatch(/^127\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    const rows = withoutAge(await kubectl("get", "svc"))
      .split("\n")
      .map((line) => line.split(/\s{2,}/));
    expect(rows.slice(0, 3)).toEqual([
      ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
      ["kubernetes", "ClusterIP", "127.96.0.1", "<none>", "443/TCP"],
      ["web", "ClusterIP", ip, "<none>", "80/TCP"],
    ]);
  });

  it("exposes a Deployment, and a NodePort Service shows its node port", async () => {
    await kubectl("create", "deployment", "hello", "--image=hello", "--port=8080");
    expect(await kubectl("expose", "deployment", "hello", "--port=80", "--target-port=8080")).toBe(
      "service/hello exposed\n",
    );
    expect(await kubectl("get", "svc", "hello", "-o", "jsonpath={.spec.selector.app}")).toBe(
      "hello",
    );
    await kubectl("create", "service", "nodeport", "edge", "--tcp=80:8080", "--node-port=30080");
    const row = withoutAge(await kubectl("get", "svc", "edge", "--no-headers")).split(/\s{2,}/);
    expect(row).toEqual(["edge", "NodePort", await clusterIP("edge"), "<none>", "80:30080/TCP\n"]);
  });

  it("says why a taken node port cannot be had", async () => {
    const result = await runKubectl(
      ["create", "service", "nodeport", "edge2", "--tcp=80:8080", "--node-port=30080"],
      { kubeconfig: api.kubeconfigPath },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: failed to create NodePort service: Service "edge2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated\n',
    );
  });

  it("lists the IPAddress objects behind the cluster IPs", async () => {
    const web = await clusterIP("web");
    const table = await kubectl("get", "ipaddresses");
    const lines = table.trimEnd().split("\n");
    expect(lines[0]?.split(/\s+/)).toEqual(["NAME", "PARENTREF"]);
    expect(lines).toContainEqual(
      expect.stringMatching(/^127\.96\.0\.1\s+services\/default\/kubernetes$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${web.replaceAll(".", "\\.")}\\s+services/default/web$`)),
    );
  });
});
