import { describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import { resolvConf } from "../runtime/process/container-spec.ts";
import {
  DNS_ENV,
  dnsEnvironment,
  fitLimits,
  type KubeletDnsSettings,
  parseResolvConf,
  podDnsConfig,
} from "./dns-config.ts";

const HOST = parseResolvConf(
  "# written by the host\nnameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example. lab.example\noptions edns0 timeout:2\n",
);
const settings: KubeletDnsSettings = {
  clusterDNS: ["127.96.0.10"],
  clusterDomain: "cluster.local",
  hostResolvConf: HOST,
};

function pod(spec: Record<string, unknown> = {}, namespace = "team-a"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1", namespace, uid: "u-1" },
    spec: { containers: [{ name: "c" }], ...spec },
  };
}

describe("parseResolvConf", () => {
  it("accumulates nameservers, keeps the last search and options lines, drops trailing dots", () => {
    expect(HOST).toEqual({
      servers: ["192.0.2.53", "192.0.2.54"],
      searches: ["corp.example", "lab.example"],
      options: ["edns0", "timeout:2"],
    });
  });
});

describe("podDnsConfig", () => {
  it("ClusterFirst: the cluster DNS only, the namespace's search path before the host's, ndots:5", () => {
    const { config, events } = podDnsConfig(pod({ dnsPolicy: "ClusterFirst" }), settings);
    expect(config).toEqual({
      servers: ["127.96.0.10"],
      searches: [
        "team-a.svc.cluster.local",
        "svc.cluster.local",
        "cluster.local",
        "corp.example",
        "lab.example",
      ],
      options: ["ndots:5"],
    });
    expect(events).toEqual([]);
    expect(resolvConf(config)).toBe(
      "search team-a.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\n" +
        "nameserver 127.96.0.10\noptions ndots:5\n",
    );
  });

  it("treats an unset dnsPolicy as ClusterFirst", () => {
    expect(podDnsConfig(pod(), settings).config.servers).toEqual(["127.96.0.10"]);
  });

  it("ClusterFirst on the host network falls back to Default; ClusterFirstWithHostNet does not", () => {
    expect(podDnsConfig(pod({ hostNetwork: true }), settings).config).toEqual(HOST);
    expect(
      podDnsConfig(pod({ hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }), settings)
        .config.servers,
    ).toEqual(["127.96.0.10"]);
  });

  it("without cluster DNS, falls back to Default with MissingClusterDNS events on node and pod", () => {
    const { config, events } = podDnsConfig(pod(), { ...settings, clusterDNS: [] });
    expect(config).toEqual(HOST);
    expect(events.map((e) => [e.on, e.reason])).toEqual([
      ["node", "MissingClusterDNS"],
      ["pod", "MissingClusterDNS"],
    ]);
    expect(events[1]?.message).toBe(
      'pod: "web-1_team-a(u-1)". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.',
    );
  });

  it('Default with --resolv-conf="" uses the local resolver: 127.0.0.1 per IPv4 node IP, search "."', () => {
    const noResolvConf = {
      ...settings,
      hostResolvConf: undefined,
      nodeIPs: ["127.1.0.1", "fd00::1"],
    };
    expect(podDnsConfig(pod({ dnsPolicy: "Default" }), noResolvConf).config).toEqual({
      servers: ["127.0.0.1", "::1"],
      searches: ["."],
      options: [],
    });
  });

  it("None starts empty and takes everything from dnsConfig", () => {
    const dnsConfig = {
      nameservers: ["192.0.2.1"],
      searches: ["a.example"],
      options: [{ name: "ndots", value: "2" }],
    };
    expect(podDnsConfig(pod({ dnsPolicy: "None", dnsConfig }), settings).config).toEqual({
      servers: ["192.0.2.1"],
      searches: ["a.example"],
      options: ["ndots:2"],
    });
  });

  it("merges dnsConfig: servers and searches appended without duplicates, options by name", () => {
    const dnsConfig = {
      nameservers: ["127.96.0.10", "192.0.2.1"],
      searches: ["svc.cluster.local", "extra.example"],
      options: [{ name: "ndots", value: "2" }, { name: "edns0" }],
    };
    const { config } = podDnsConfig(pod({ dnsConfig }), {
      ...settings,
      hostResolvConf: { servers: [], searches: [], options: [] },
    });
    expect(config).toEqual({
      servers: ["127.96.0.10", "192.0.2.1"],
      searches: ["team-a.svc.cluster.local", "svc.cluster.local", "cluster.local", "extra.example"],
      options: ["ndots:2", "edns0"],
    });
  });

  it("adds no cluster search domains when the cluster domain is empty", () => {
    expect(podDnsConfig(pod(), { ...settings, clusterDomain: "" }).config.searches).toEqual(
      HOST.searches,
    );
  });
});

describe("fitLimits", () => {
  it("keeps 3 nameservers and says which line it applied", () => {
    const events: Parameters<typeof fitLimits>[1] = [];
    const out = fitLimits(
      { servers: ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"], searches: [], options: [] },
      events,
    );
    expect(out.servers).toEqual(["1.1.1.1", "2.2.2.2", "3.3.3.3"]);
    expect(events[0]).toMatchObject({
      reason: "DNSConfigForming",
      message: expect.stringContaining("1.1.1.1 2.2.2.2 3.3.3.3"),
    });
  });

  it("keeps 32 searches, drops any over 253 characters, then cuts from the end to 2048 characters", () => {
    const events: Parameters<typeof fitLimits>[1] = [];
    const forty = Array.from(
      { length: 40 },
      (_, i) => `${String(i).padStart(2, "0")}${"x".repeat(58)}`,
    );
    expect(fitLimits({ servers: [], searches: forty, options: [] }, events).searches).toEqual(
      forty.slice(0, 32),
    );
    const long = ["a".repeat(254), "ok.example"];
    expect(fitLimits({ servers: [], searches: long, options: [] }, events).searches).toEqual([
      "ok.example",
    ]);
    // 10 of 250 characters: 2509 with spaces; dropping 2 from the end leaves 8×250 + 7 = 2007.
    const wide = Array.from({ length: 10 }, (_, i) => `${i}${"y".repeat(249)}`);
    expect(fitLimits({ servers: [], searches: wide, options: [] }, events).searches).toEqual(
      wide.slice(0, 8),
    );
    expect(events).toHaveLength(3);
  });
});

describe("dnsEnvironment", () => {
  it("publishes servers with their ports (the cluster DNS's own port), searches and options", () => {
    const { config } = podDnsConfig(
      pod({ dnsConfig: { nameservers: ["192.0.2.1", "fd00::53"] } }),
      settings,
    );
    expect(dnsEnvironment(config, { clusterDNS: ["127.96.0.10"], port: 1053 })).toEqual([
      { name: DNS_ENV.servers, value: "127.96.0.10:1053 192.0.2.1:53 [fd00::53]:53" },
      {
        name: "TINYKUBE_DNS_SEARCH",
        value: "team-a.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example",
      },
      { name: "TINYKUBE_DNS_OPTIONS", value: "ndots:5" },
    ]);
  });
});
