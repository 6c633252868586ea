import { describe, expect, it } from "vitest";
import {
  podEndpointsChanged,
  podIPsOf,
  servicesSelecting,
  servicesToUpdateOnPodChange,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from "./membership.ts";
import { podFixture as pod, serviceFixture as service } from "./testing.ts";

describe("shouldPodBeInEndpoints", () => {
  it("keeps a running pod with an address, ready or not", () => {
    expect(shouldPodBeInEndpoints(pod({ name: "a", ip: "127.128.1.1" }), false)).toBe(true);
    expect(shouldPodBeInEndpoints(pod({ name: "a", ip: "127.128.1.1", ready: false }), false)).toBe(
      true,
    );
  });

  it("drops finished pods and pods without an address, whatever is asked", () => {
    for (const phase of ["Succeeded", "Failed"] as const)
      expect(shouldPodBeInEndpoints(pod({ name: "a", ip: "127.128.1.1", phase }), true)).toBe(
        false,
      );
    expect(shouldPodBeInEndpoints(pod({ name: "a" }), true)).toBe(false);
  });

  it("keeps a terminating pod only when asked to", () => {
    const leaving = pod({ name: "a", ip: "127.128.1.1", deleting: true });
    expect(shouldPodBeInEndpoints(leaving, false)).toBe(false);
    expect(shouldPodBeInEndpoints(leaving, true)).toBe(true);
  });

  it("reads podIP when podIPs is missing", () => {
    const p = pod({ name: "a" });
    p.status = { phase: "Running", podIP: "127.128.1.1" };
    expect(podIPsOf(p)).toEqual(["127.128.1.1"]);
    expect(shouldPodBeInEndpoints(p, false)).toBe(true);
  });
});

describe("shouldSetHostname", () => {
  it("needs a hostname and the Service's name as subdomain, in the same namespace", () => {
    const svc = service("peers");
    expect(shouldSetHostname(pod({ name: "a", hostname: "db-0", subdomain: "peers" }), svc)).toBe(
      true,
    );
    expect(shouldSetHostname(pod({ name: "a", hostname: "db-0", subdomain: "other" }), svc)).toBe(
      false,
    );
    expect(shouldSetHostname(pod({ name: "a", subdomain: "peers" }), svc)).toBe(false);
    const elsewhere = pod({ name: "a", hostname: "db-0", subdomain: "peers" });
    elsewhere.metadata.namespace = "other";
    expect(shouldSetHostname(elsewhere, svc)).toBe(false);
  });
});

describe("servicesSelecting", () => {
  it("a Service without a selector (or an empty one) selects nothing, not everything", () => {
    const services = [
      service("web"),
      service("bare", { selector: undefined }),
      service("empty", { selector: {} }),
    ];
    expect([...servicesSelecting(services, { app: "web" })]).toEqual(["default/web"]);
    expect([...servicesSelecting(services, {})]).toEqual([]);
  });
});

describe("servicesToUpdateOnPodChange", () => {
  const services = [
    service("web", { selector: { app: "web" } }),
    service("a", { selector: { tier: "a" } }),
    service("b", { selector: { tier: "b" } }),
  ];
  const before = pod({
    name: "p",
    ip: "127.128.1.1",
    labels: { app: "web", tier: "a" },
    resourceVersion: "1",
  });
  const changed = (edit: (p: ReturnType<typeof pod>) => void) => {
    const p = structuredClone(before);
    p.metadata.resourceVersion = "2";
    edit(p);
    return [...servicesToUpdateOnPodChange(services, before, p)].sort();
  };

  it("a resync or an irrelevant change queues nothing", () => {
    expect([...servicesToUpdateOnPodChange(services, before, before)]).toEqual([]);
    expect(changed((p) => (p.metadata.annotations = { note: "x" }))).toEqual([]);
  });

  it("a readiness change queues the Services selecting the pod", () => {
    expect(changed((p) => (p.status = { ...p.status, conditions: [] }))).toEqual([
      "default/a",
      "default/web",
    ]);
  });

  it("only labels changed: the Services it left or joined, as in the module's example", () => {
    expect(changed((p) => (p.metadata.labels = { app: "web", tier: "b" }))).toEqual([
      "default/a",
      "default/b",
    ]);
  });

  it("labels and the pod changed: every Service it was or is in", () => {
    expect(
      changed((p) => {
        p.metadata.labels = { app: "web", tier: "b" };
        p.metadata.deletionTimestamp = "2026-01-01T00:10:00Z";
      }),
    ).toEqual(["default/a", "default/b", "default/web"]);
  });

  it("counts a new address and a new hostname", () => {
    expect(
      podEndpointsChanged(before, {
        ...before,
        status: { ...before.status, podIPs: [{ ip: "127.128.1.2" }] },
      }).podChanged,
    ).toBe(true);
    expect(
      podEndpointsChanged(before, { ...before, spec: { ...before.spec, hostname: "h" } })
        .labelsChanged,
    ).toBe(true);
  });
});
