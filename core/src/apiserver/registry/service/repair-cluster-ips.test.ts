import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IPAddress, Service } from "../../../api/types.ts";
import { newIPAddress } from "./ip-addresses.ts";
import { ServiceIPRange } from "./ip-range.ts";
import { ClusterIPRepair, ORPHAN_GRACE_MS } from "./repair-cluster-ips.ts";
import { type IPAddressFixture, ipAddressFixture } from "./testing.ts";

const svc = (name: string, ip: string): Service => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { type: "ClusterIP", clusterIP: ip, clusterIPs: [ip] },
});

describe("ClusterIPRepair", () => {
  let f: IPAddressFixture;
  let services: Service[];
  let logs: string[];
  let repair: ClusterIPRepair;

  beforeEach(async () => {
    f = await ipAddressFixture();
    services = [];
    logs = [];
    repair = new ClusterIPRepair({
      range: ServiceIPRange.parse("127.96.0.0/12"),
      addresses: f.addresses,
      services: { list: async () => services },
      clock: f.clock,
      log: (line) => logs.push(line),
    });
  });
  afterEach(async () => {
    repair.stop();
    await f.close();
  });

  const held = async () =>
    ((await f.registry.list(undefined)).items as IPAddress[]).map((ip) => [
      ip.metadata.name,
      ip.spec.parentRef.name,
    ]);
  const put = (ip: IPAddress) => f.registry.create(undefined, ip);

  it("creates the IPAddress a Service's address lacks", async () => {
    services.push(svc("web", "127.96.0.10"));
    await repair.runOnce();
    expect(await held()).toEqual([["127.96.0.10", "web"]]);
    expect(logs).toEqual([
      "[ipallocator-repair] Warning ClusterIPNotAllocated: Cluster IP [IPv4]: 127.96.0.10 is not allocated; repairing",
    ]);
  });

  it("points an address back at its Service when its holder is gone, or its labels are wrong", async () => {
    services.push(svc("web", "127.96.0.10"), svc("db", "127.96.0.11"));
    await put(newIPAddress("127.96.0.10", { namespace: "default", name: "old" }));
    const unlabelled = newIPAddress("127.96.0.11", { namespace: "default", name: "db" });
    unlabelled.metadata.labels = {};
    await put(unlabelled);
    await repair.runOnce();
    expect(await held()).toEqual([
      ["127.96.0.10", "web"],
      ["127.96.0.11", "db"],
    ]);
    const relabelled = (await f.registry.get(undefined, "127.96.0.11")) as IPAddress;
    expect(relabelled.metadata.labels?.["ipaddress.kubernetes.io/managed-by"]).toBe(
      "ipallocator.k8s.io",
    );
  });

  it("only reports two live Services on one address, and addresses outside the CIDR", async () => {
    services.push(svc("a", "127.96.0.10"), svc("b", "127.96.0.10"), svc("far", "10.0.0.1"));
    await put(newIPAddress("127.96.0.10", { namespace: "default", name: "a" }));
    await repair.runOnce();
    expect(await held()).toEqual([["127.96.0.10", "a"]]);
    expect(logs).toEqual([
      "[ipallocator-repair] Warning ClusterIPAlreadyAllocated: Cluster IP [IPv4]:127.96.0.10 was assigned to multiple services; please recreate service",
      "[ipallocator-repair] Warning ClusterIPOutOfRange: Cluster IP [IPv4]: 10.0.0.1 is not within any configured Service CIDR; please recreate service",
    ]);
  });

  it("deletes an orphan only once it is older than the grace, checking again when that ends", async () => {
    await put(newIPAddress("127.96.0.20", { namespace: "default", name: "never" }));
    await repair.start();
    expect(await held()).toEqual([["127.96.0.20", "never"]]);
    f.clock.advance(ORPHAN_GRACE_MS + 1);
    await expect.poll(held).toEqual([]);
    expect(logs).toContain(
      "[ipallocator-repair] Warning IPAddressNotAllocated: IPAddress: 127.96.0.20 for Service default/never appears to have leaked: cleaning up",
    );
  });

  it("deletes an address whose Service holds another one, and leaves other managers' alone", async () => {
    services.push(svc("web", "127.96.0.10"));
    await put(newIPAddress("127.96.0.10", { namespace: "default", name: "web" }));
    await put(newIPAddress("127.96.0.12", { namespace: "default", name: "web" }));
    const foreign = newIPAddress("127.96.0.13", { namespace: "default", name: "gateway" });
    foreign.metadata.labels = { "ipaddress.kubernetes.io/managed-by": "some-gateway" };
    await put(foreign);
    await repair.runOnce();
    expect(await held()).toEqual([
      ["127.96.0.10", "web"],
      ["127.96.0.13", "gateway"],
    ]);
  });
});
