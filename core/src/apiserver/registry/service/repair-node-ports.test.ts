import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Service, ServicePort } from "../../../api/types.ts";
import { EmbeddedStore } from "../../../store/index.ts";
import { FakeClock } from "../../../util/clock.ts";
import { PortAllocator } from "./port-allocator.ts";
import { PortRange } from "./port-range.ts";
import { collectServiceNodePorts, NodePortRepair } from "./repair-node-ports.ts";

const svc = (name: string, ports: ServicePort[], extra: Service["spec"] = {}): Service => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { type: "NodePort", ports, ...extra },
});

describe("collectServiceNodePorts", () => {
  it("counts a node port shared by TCP and UDP once, a repeated one twice, and the health check", () => {
    const ports: ServicePort[] = [
      { port: 53, protocol: "UDP", nodePort: 30053 },
      { port: 53, protocol: "TCP", nodePort: 30053 },
      { port: 80, protocol: "TCP", nodePort: 30080 },
      { port: 81, protocol: "TCP", nodePort: 30080 },
    ];
    expect(collectServiceNodePorts(svc("s", ports, { healthCheckNodePort: 31000 }))).toEqual([
      30053, 30080, 30080, 31000,
    ]);
  });
});

describe("NodePortRepair", () => {
  let store: EmbeddedStore;
  let services: Service[];
  let logs: string[];
  let ports: PortAllocator;
  let repair: NodePortRepair;
  const clock = new FakeClock();

  beforeEach(async () => {
    store = await EmbeddedStore.open({});
    services = [];
    logs = [];
    ports = new PortAllocator(PortRange.parse("30000-32767"), store);
    repair = new NodePortRepair({
      ports,
      services: { list: async () => services },
      clock,
      log: (line) => logs.push(line),
    });
  });
  afterEach(async () => {
    repair.stop();
    await store.close();
  });

  it("marks the ports Services name and says which were missing", async () => {
    services.push(svc("web", [{ port: 80, nodePort: 30080 }]));
    await repair.runOnce();
    expect(await ports.has(30080)).toBe(true);
    expect(logs).toEqual([
      "[portallocator-repair] Warning PortNotAllocated: Port 30080 is not allocated; repairing",
    ]);
  });

  it("frees a port no Service names on the third pass, not before", async () => {
    await ports.allocate(30099);
    await repair.runOnce();
    await repair.runOnce();
    expect(await ports.has(30099)).toBe(true);
    await repair.runOnce();
    expect(await ports.has(30099)).toBe(false);
    expect(logs).toEqual([
      "[portallocator-repair] the node port 30099 may have leaked: flagging for later clean up",
      "[portallocator-repair] the node port 30099 appears to have leaked: cleaning up",
    ]);
  });

  it("forgets a suspected leak once a Service names the port", async () => {
    await ports.allocate(30099);
    await repair.runOnce();
    await repair.runOnce();
    services.push(svc("late", [{ port: 80, nodePort: 30099 }]));
    await repair.runOnce();
    services.length = 0;
    await repair.runOnce();
    expect(await ports.has(30099)).toBe(true);
  });

  it("reports ports two Services name, and ports outside the range", async () => {
    services.push(
      svc("a", [{ port: 80, nodePort: 30080 }]),
      svc("b", [{ port: 80, nodePort: 30080 }]),
      svc("c", [{ port: 80, nodePort: 40000 }]),
    );
    await repair.runOnce();
    expect(logs.slice(1)).toEqual([
      "[portallocator-repair] Warning PortAlreadyAllocated: Port 30080 was assigned to multiple services; please recreate service",
      "[portallocator-repair] Warning PortOutOfRange: Port 40000 is not within the port range 30000-32767; please recreate service",
    ]);
  });

  it("rewrites a bitmap stored for another range", async () => {
    const before = new PortAllocator(PortRange.parse("30000-30099"), store);
    await before.allocate(30005);
    services.push(svc("web", [{ port: 80, nodePort: 30005 }]));
    await repair.runOnce();
    const snapshot = await ports.snapshot();
    expect(snapshot.range).toBe("30000-32767");
    expect(await ports.has(30005)).toBe(true);
  });
});
