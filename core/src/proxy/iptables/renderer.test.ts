import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { ProxyState } from "../state.ts";
import { makeService, makeSlice, stateOf } from "../testing.ts";
import { FULL_SYNC_PERIOD_MS, IptablesRenderer } from "./renderer.ts";

const TESTDATA = join(import.meta.dirname, "..", "testdata");

/** The golden file's text without its `#` header; UPDATE_GOLDEN=1 rewrites it from `actual`. */
function golden(file: string, actual?: string): string {
  const path = join(TESTDATA, file);
  if (actual !== undefined && process.env.UPDATE_GOLDEN === "1") {
    const header = readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("#"));
    writeFileSync(path, `${header.join("\n")}\n${actual}`);
  }
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .join("\n");
}

describe("IptablesRenderer against Kubernetes' own expected rules", () => {
  it("renders TestOverallIPTablesRules' services exactly as proxier_test.go expects", () => {
    const p80 = [{ name: "p80", port: 80, protocol: "TCP" as const }];
    const services = [
      makeService("ns1/svc1", "172.30.0.41", p80),
      makeService(
        "ns2/svc2",
        "172.30.0.42",
        [{ ...p80[0], nodePort: 3001 } as (typeof p80)[0] & { nodePort: number }],
        {
          type: "LoadBalancer",
          externalTrafficPolicy: "Local",
          externalIPs: ["192.168.99.22"],
          healthCheckNodePort: 30000,
        },
        { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } },
      ),
      makeService("ns3/svc3", "172.30.0.43", [{ name: "p80", port: 80, nodePort: 3003 }], {
        type: "NodePort",
      }),
      makeService("ns4/svc4", "172.30.0.44", p80, {
        type: "NodePort",
        externalIPs: ["192.168.99.33"],
      }),
      makeService(
        "ns5/svc5",
        "172.30.0.45",
        [{ name: "p80", port: 80, nodePort: 3002 }],
        {
          type: "LoadBalancer",
          externalTrafficPolicy: "Cluster",
          healthCheckNodePort: 30000,
          // Whitespace that validation once let through must not break the rules.
          loadBalancerSourceRanges: [" 203.0.113.0/25"],
          sessionAffinity: "ClientIP",
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        },
        { loadBalancer: { ingress: [{ ip: "5.6.7.8" }] } },
      ),
      makeService("ns6/svc6", "172.30.0.46", p80),
    ];
    const slicePorts = [{ name: "p80", port: 80 }];
    const slices = [
      makeSlice("ns1/svc1-1", "svc1", slicePorts, ["10.180.0.1"]),
      // No nodeName: not local, so the Local-policy Service has no local endpoint.
      makeSlice("ns2/svc2-1", "svc2", slicePorts, ["10.180.0.2"]),
      makeSlice("ns3/svc3-1", "svc3", slicePorts, ["10.180.0.3"]),
      makeSlice("ns4/svc4-1", "svc4", slicePorts, [
        "10.180.0.4",
        { ip: "10.180.0.5", nodeName: "test-node" },
      ]),
      makeSlice("ns5/svc5-1", "svc5", slicePorts, ["10.180.0.3"]),
    ];
    const state = stateOf("test-node", services, slices);
    const renderer = new IptablesRenderer({
      clusterCIDR: "10.0.0.0/8",
      nfacct: true,
      randomFully: false,
    });
    renderer.sync(state, new Set());
    const saved = renderer.save().replaceAll("0x00004000", "0x4000");
    expect(saved).toBe(golden("kubernetes-overall.golden"));
  });
});

/** A small cluster as tinykube runs it: loopback service and pod addresses. */
function tinykubeCluster(): ProxyState {
  const services = [
    makeService("default/kubernetes", "127.96.0.1", [{ name: "https", port: 443 }]),
    makeService("kube-system/kube-dns", "127.96.0.10", [
      { name: "dns", port: 53, protocol: "UDP" },
      { name: "dns-tcp", port: 53, protocol: "TCP" },
    ]),
    makeService("default/web", "127.96.0.20", [{ name: "http", port: 80, nodePort: 30080 }], {
      type: "NodePort",
      externalTrafficPolicy: "Cluster",
    }),
    makeService("default/sticky", "127.96.0.21", [{ name: "http", port: 80 }], {
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
    }),
    makeService("default/empty", "127.96.0.22", [{ port: 8080 }]),
    makeService("default/draining", "127.96.0.23", [{ name: "http", port: 80 }]),
    makeService("default/local", "127.96.0.24", [{ name: "http", port: 80, nodePort: 30081 }], {
      type: "NodePort",
      externalTrafficPolicy: "Local",
    }),
    makeService("default/headless", "None", [{ name: "http", port: 80 }]),
  ];
  const slices = [
    makeSlice("default/kubernetes", "kubernetes", [{ name: "https", port: 6443 }], ["127.0.0.1"]),
    makeSlice(
      "kube-system/kube-dns-abc",
      "kube-dns",
      [
        { name: "dns", port: 1053, protocol: "UDP" },
        { name: "dns-tcp", port: 1053, protocol: "TCP" },
      ],
      [
        { ip: "127.128.1.5", nodeName: "node-1" },
        { ip: "127.128.2.7", nodeName: "node-2" },
      ],
    ),
    makeSlice(
      "default/web-abc",
      "web",
      [{ name: "http", port: 8080 }],
      [
        { ip: "127.128.1.10", nodeName: "node-1" },
        { ip: "127.128.2.11", nodeName: "node-2" },
        { ip: "127.128.3.12", nodeName: "node-3" },
        { ip: "127.128.3.13", nodeName: "node-3", ready: false, serving: false },
      ],
    ),
    makeSlice(
      "default/sticky-abc",
      "sticky",
      [{ name: "http", port: 8080 }],
      [
        { ip: "127.128.1.20", nodeName: "node-1" },
        { ip: "127.128.2.21", nodeName: "node-2" },
      ],
    ),
    makeSlice(
      "default/draining-abc",
      "draining",
      [{ name: "http", port: 8080 }],
      [
        { ip: "127.128.1.30", nodeName: "node-1", ready: false, serving: true, terminating: true },
        { ip: "127.128.2.31", nodeName: "node-2", ready: false, serving: false, terminating: true },
      ],
    ),
    makeSlice(
      "default/local-abc",
      "local",
      [{ name: "http", port: 8080 }],
      [
        { ip: "127.128.1.40", nodeName: "node-1" },
        { ip: "127.128.2.41", nodeName: "node-2" },
      ],
    ),
  ];
  return stateOf("node-1", services, slices);
}

const TINYKUBE_OPTIONS = { nodeIP: "127.1.0.1", clusterCIDR: "127.128.0.0/9" };

describe("IptablesRenderer on a tinykube cluster", () => {
  it("matches the golden file (UPDATE_GOLDEN=1 rewrites it after a reviewed change)", () => {
    const renderer = new IptablesRenderer(TINYKUBE_OPTIONS);
    const result = renderer.sync(tinykubeCluster(), new Set());
    expect(result.full).toBe(true);
    const saved = renderer.save();
    expect(saved).toBe(golden("tinykube-services.golden", saved));
  });

  it("hands iptables-restore the shared chains whole, but only the changed Service's own chains", () => {
    const state = tinykubeCluster();
    const renderer = new IptablesRenderer({ ...TINYKUBE_OPTIONS, clock: new FakeClock() });
    renderer.sync(state, new Set());
    // web loses 127.128.3.12.
    state.onEndpointSlice(
      makeSlice(
        "default/web-abc",
        "web",
        [{ name: "http", port: 8080 }],
        [
          { ip: "127.128.1.10", nodeName: "node-1" },
          { ip: "127.128.2.11", nodeName: "node-2" },
        ],
      ),
      false,
    );
    const update = state.applyChanges();
    expect([...update.updatedServices]).toEqual(["default/web"]);
    const result = renderer.sync(state, update.updatedServices);
    expect(result.full).toBe(false);
    expect(result.renderedServicePorts).toBe(1);
    const declared = result.restoreInput.split("\n").filter((line) => line.startsWith(":KUBE-S"));
    // web's SVC, EXT-less SEPs and the deleted SEP are declared; nothing of the others.
    expect(declared.some((l) => l.includes("KUBE-SERVICES"))).toBe(true);
    const webChains = ["KUBE-SVC-", "KUBE-SEP-"].map(
      (p) => declared.filter((l) => l.startsWith(`:${p}`)).length,
    );
    expect(webChains).toEqual([1, 3]); // SVC + 2 live SEPs + 1 deleted SEP
    expect(result.deletedChains).toBe(1);
    expect(result.restoreInput).toMatch(/^-X KUBE-SEP-[A-Z2-7]{16}$/m);
    // Other Services' cluster-IP jumps are still written (KUBE-SERVICES is rewritten whole).
    expect(result.restoreInput).toContain('"default/sticky:http cluster IP"');
    expect(result.restoreInput).not.toContain('"default/sticky:http -> ');
    // The tables are what a full render of the new state gives.
    const fresh = new IptablesRenderer(TINYKUBE_OPTIONS);
    fresh.sync(state, new Set());
    expect(renderer.save()).toBe(fresh.save());
  });

  it("removes a deleted Service's chains and its rules", () => {
    const state = tinykubeCluster();
    const renderer = new IptablesRenderer(TINYKUBE_OPTIONS);
    renderer.sync(state, new Set());
    const sticky = makeService("default/sticky", "127.96.0.21", [{ name: "http", port: 80 }], {
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
    });
    state.onService(sticky, undefined);
    const update = state.applyChanges();
    const result = renderer.sync(state, update.updatedServices);
    // SVC and two SEPs; its endpoints are still in the state, but no Service port uses them.
    expect(result.deletedChains).toBe(3);
    expect(renderer.save()).not.toContain("default/sticky");
  });

  it("syncs in full first, then on request and once an hour", () => {
    const clock = new FakeClock();
    const state = tinykubeCluster();
    const renderer = new IptablesRenderer({ ...TINYKUBE_OPTIONS, clock });
    expect(renderer.sync(state, new Set()).full).toBe(true);
    expect(renderer.sync(state, new Set()).full).toBe(false);
    renderer.forceFullSync();
    expect(renderer.sync(state, new Set()).full).toBe(true);
    clock.advance(FULL_SYNC_PERIOD_MS - 1);
    expect(renderer.sync(state, new Set()).full).toBe(false);
    clock.advance(1);
    expect(renderer.sync(state, new Set()).full).toBe(true);
  });

  it("drops endpoint comments beyond 1,000 endpoints, re-rendering everything when that flips", () => {
    const state = tinykubeCluster();
    const renderer = new IptablesRenderer(TINYKUBE_OPTIONS);
    renderer.sync(state, new Set());
    expect(renderer.save()).toContain(
      '-m comment --comment "default/web:http -> 127.128.1.10:8080"',
    );
    const many = Array.from({ length: 1001 }, (_, i) => `127.129.${i >> 8}.${i & 255}`);
    state.onService(undefined, makeService("default/big", "127.96.0.99", [{ port: 80 }]));
    state.onEndpointSlice(makeSlice("default/big-1", "big", [{ port: 80 }], many), false);
    const update = state.applyChanges();
    const result = renderer.sync(state, update.updatedServices);
    expect(result.full).toBe(true);
    const saved = renderer.save();
    expect(saved).not.toContain("default/web:http -> ");
    expect(saved).toMatch(/^-A KUBE-SEP-[A-Z2-7]{16} -s 127\.128\.1\.10 -j KUBE-MARK-MASQ$/m);
    // The cluster-IP rules keep theirs: only endpoint rules lose comments.
    expect(saved).toContain('"default/web:http cluster IP"');
  });
});

describe("IptablesRenderer partial syncs", () => {
  it("always leave the tables a full render of the same state would give", () => {
    const names = ["a", "b", "c"];
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("service" as const),
        name: fc.constantFrom(...names),
        present: fc.boolean(),
        nodePort: fc.boolean(),
        affinity: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant("slice" as const),
        name: fc.constantFrom(...names),
        endpoints: fc.array(
          fc.record({
            host: fc.integer({ min: 1, max: 4 }),
            ready: fc.boolean(),
            terminating: fc.boolean(),
          }),
          { maxLength: 4 },
        ),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 12 }), (ops) => {
        const state = new ProxyState("node-1");
        const renderer = new IptablesRenderer(TINYKUBE_OPTIONS);
        const current = new Map<string, ReturnType<typeof makeService>>();
        renderer.sync(state, state.applyChanges().updatedServices);
        ops.forEach((o, i) => {
          if (o.kind === "service") {
            const old = current.get(o.name);
            const next = o.present
              ? makeService(
                  `d/${o.name}`,
                  `127.96.0.${names.indexOf(o.name) + 1}`,
                  [{ name: "http", port: 80, ...(o.nodePort ? { nodePort: 30000 + i } : {}) }],
                  {
                    type: o.nodePort ? "NodePort" : "ClusterIP",
                    ...(o.affinity
                      ? {
                          sessionAffinity: "ClientIP",
                          sessionAffinityConfig: { clientIP: { timeoutSeconds: 9 } },
                        }
                      : {}),
                  },
                )
              : undefined;
            state.onService(old, next);
            if (next) current.set(o.name, next);
            else current.delete(o.name);
          } else {
            const unique = new Map(o.endpoints.map((e) => [e.host, e]));
            state.onEndpointSlice(
              makeSlice(
                `d/${o.name}-1`,
                o.name,
                [{ name: "http", port: 8080 }],
                [...unique.values()].map((e) => ({
                  ip: `127.128.${e.host}.1`,
                  ready: e.ready && !e.terminating,
                  serving: e.ready,
                  terminating: e.terminating,
                  nodeName: `node-${e.host}`,
                })),
              ),
              false,
            );
          }
          renderer.sync(state, state.applyChanges().updatedServices);
          const fresh = new IptablesRenderer(TINYKUBE_OPTIONS);
          fresh.sync(state, new Set());
          expect(renderer.save()).toBe(fresh.save());
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe("IptablesRenderer at 10,000 Services", () => {
  it("syncs one changed Service in well under 100 ms", () => {
    const services = [];
    const slices = [];
    for (let i = 0; i < 10_000; i++) {
      const ip = `127.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
      services.push(makeService(`ns${i % 50}/svc${i}`, ip, [{ name: "http", port: 80 }]));
      slices.push(
        makeSlice(
          `ns${i % 50}/svc${i}-1`,
          `svc${i}`,
          [{ name: "http", port: 8080 }],
          [`127.128.${(i >> 8) & 255}.${i & 255}`],
        ),
      );
    }
    const state = stateOf("node-1", services, slices);
    const renderer = new IptablesRenderer(TINYKUBE_OPTIONS);
    const full = renderer.sync(state, new Set());
    expect(full.servicePorts).toBe(10_000);
    const durations: number[] = [];
    for (let round = 0; round < 5; round++) {
      state.onEndpointSlice(
        makeSlice(
          "ns7/svc7-1",
          "svc7",
          [{ name: "http", port: 8080 }],
          ["127.128.0.7", `127.200.0.${round}`],
        ),
        false,
      );
      const update = state.applyChanges();
      const result = renderer.sync(state, update.updatedServices);
      expect(result.full).toBe(false);
      expect(result.renderedServicePorts).toBe(1);
      durations.push(result.durationMs);
    }
    durations.sort((a, b) => a - b);
    const median = durations[2] as number;
    console.log(
      `iptables sync at 10,000 services: full ${full.durationMs.toFixed(1)} ms, incremental median ${median.toFixed(1)} ms`,
    );
    expect(median).toBeLessThan(100);
  });
});
