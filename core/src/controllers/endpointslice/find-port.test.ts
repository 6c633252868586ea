import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/types.ts";
import { findPort } from "./find-port.ts";
import { podFixture } from "./testing.ts";

const pod = (containers: Pod["spec"]["containers"], initContainers?: Pod["spec"]["containers"]) => {
  const p = podFixture({ name: "p", ip: "127.128.1.1" });
  p.spec = { ...p.spec, containers, ...(initContainers ? { initContainers } : {}) };
  return p;
};

describe("findPort", () => {
  it("a number is that number on every pod", () => {
    expect(findPort(pod([{ name: "c" }]), { port: 80, targetPort: 8080 })).toBe(8080);
  });

  it("a name is looked up in the pod's containers, by name and protocol", () => {
    const p = pod([
      { name: "a", ports: [{ name: "dns", containerPort: 5353, protocol: "UDP" }] },
      { name: "b", ports: [{ name: "dns", containerPort: 5354, protocol: "TCP" }] },
    ]);
    expect(findPort(p, { port: 53, targetPort: "dns", protocol: "UDP" })).toBe(5353);
    expect(findPort(p, { port: 53, targetPort: "dns", protocol: "TCP" })).toBe(5354);
    // Unset protocols are TCP on both sides, as the API server defaults them.
    expect(findPort(p, { port: 53, targetPort: "dns" })).toBe(5354);
  });

  it("no container port of that name: undefined", () => {
    expect(
      findPort(pod([{ name: "c", ports: [{ name: "admin", containerPort: 9000 }] }]), {
        port: 80,
        targetPort: "http",
      }),
    ).toBeUndefined();
  });

  it("counts a sidecar's ports (an init container that keeps running), not a plain init container's", () => {
    const ports = [{ name: "proxy", containerPort: 15001 }];
    expect(
      findPort(pod([{ name: "c" }], [{ name: "envoy", restartPolicy: "Always", ports }]), {
        port: 80,
        targetPort: "proxy",
      }),
    ).toBe(15001);
    expect(
      findPort(pod([{ name: "c" }], [{ name: "setup", ports }]), { port: 80, targetPort: "proxy" }),
    ).toBeUndefined();
  });

  it("a main container wins over a sidecar with the same port name", () => {
    const p = pod(
      [{ name: "c", ports: [{ name: "http", containerPort: 8080 }] }],
      [{ name: "s", restartPolicy: "Always", ports: [{ name: "http", containerPort: 9090 }] }],
    );
    expect(findPort(p, { port: 80, targetPort: "http" })).toBe(8080);
  });
});
