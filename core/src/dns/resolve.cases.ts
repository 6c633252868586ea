/**
 * The contract of `resolve` (resolve.ts): one DNS question answered from the cluster's state, as
 * CoreDNS's kubernetes plugin answers it. Run against the core's function (resolve.test.ts) and
 * a reader's in Lab 8.
 *
 * Every case asks the same small cluster (testing.ts testClusterState):
 *   namespaces   default, kube-system
 *   web          ClusterIP 127.96.0.20, ports http 80/TCP and metrics 9090/TCP;
 *                ready endpoints 127.128.0.5 and 127.128.1.5, slice port http 8080
 *   db           headless; endpoints db-0 127.128.0.7, db-1 127.128.0.8, db-2 127.128.0.9 (not
 *                ready); port pg 5432/TCP
 *   kube-dns     kube-system, ClusterIP 127.96.0.10, ports dns 53/UDP and dns-tcp 53/TCP
 *   docs         ExternalName docs.example.org
 *   alias        ExternalName web.default.svc.cluster.local
 * with the zone cluster.local, TTL 30, `pods insecure`, and the DNS server at 127.96.0.10. A few
 * cases add a Service of their own to a fresh copy. A failure shows the whole resolution
 * expected next to the one returned.
 */
import { describe, expect, it } from "vitest";
import type { ClusterState } from "./cluster-state.ts";
import { RRType } from "./constants.ts";
import type { Resolution, ResolveOptions } from "./resolve.ts";
import type { ResourceRecord } from "./rr.ts";
import { podObject, serviceObject, sliceObject, testClusterState } from "./testing.ts";

export type { Resolution, ResolveOptions };

/** The function under test: resolve's signature (without the CNAME depth it passes itself). */
export type Resolve = (
  name: string,
  type: number,
  state: ClusterState,
  options: ResolveOptions,
) => Resolution;

const options: ResolveOptions = {
  clusterDomain: "cluster.local",
  ttl: 30,
  podMode: "insecure",
  nameserverAddress: "127.96.0.10",
};

/** The records' data, for compact expectations; anything but an answer fails with what it was. */
function data(resolution: Resolution, section: "answers" | "additional" = "answers"): unknown[] {
  if (resolution.kind !== "answer") {
    throw new Error(`expected an answer with records, got ${JSON.stringify(resolution)}`);
  }
  return resolution[section].map((r: ResourceRecord) => r.data);
}

const nodata = { kind: "nodata", zone: "cluster.local" };
const nxdomain = { kind: "nxdomain", zone: "cluster.local", reverse: false };

// #region contract
export function describeResolveContract(name: string, resolve: Resolve): void {
  const state = testClusterState();
  const ask = (q: string, type: number, opts: Partial<ResolveOptions> = {}, s = state) =>
    resolve(q, type, s, { ...options, ...opts });

  describe(`${name}: Service names`, () => {
    it("answers a ClusterIP Service's A with its ClusterIP, TTL 30, owned by the question", () => {
      expect(ask("web.default.svc.cluster.local", RRType.A)).toEqual({
        kind: "answer",
        zone: "cluster.local",
        answers: [
          {
            name: "web.default.svc.cluster.local",
            ttl: 30,
            data: { type: RRType.A, address: "127.96.0.20" },
          },
        ],
        additional: [],
      });
    });

    it("gives every record the configured TTL (ttl 5 → 5)", () => {
      const result = ask("web.default.svc.cluster.local", RRType.A, { ttl: 5 });
      expect(result.kind === "answer" && result.answers.map((r) => r.ttl)).toEqual([5]);
    });

    it("is NODATA for a type the name does not have (AAAA, TXT, MX, PTR)", () => {
      for (const type of [RRType.AAAA, RRType.TXT, RRType.MX, RRType.PTR]) {
        expect(ask("web.default.svc.cluster.local", type)).toEqual(nodata);
      }
    });

    it("is NXDOMAIN for a Service or namespace that does not exist", () => {
      expect(ask("nope.default.svc.cluster.local", RRType.A)).toEqual(nxdomain);
      expect(ask("web.nope.svc.cluster.local", RRType.A)).toEqual(nxdomain);
      expect(ask("nope.svc.cluster.local", RRType.A)).toEqual(nxdomain);
    });

    it("is NODATA for the empty non-terminals: svc, pod, and a namespace that exists", () => {
      for (const q of [
        "svc.cluster.local",
        "pod.cluster.local",
        "default.svc.cluster.local",
        "kube-system.pod.cluster.local",
      ]) {
        expect(ask(q, RRType.A), q).toEqual(nodata);
      }
    });

    it("is NODATA, not NXDOMAIN, for a ClusterIP Service whose address is not allocated yet", () => {
      const s = testClusterState();
      s.setService(serviceObject("new", { ports: [{ name: "http", port: 80 }] }), true);
      expect(ask("new.default.svc.cluster.local", RRType.A, {}, s)).toEqual(nodata);
    });

    it("gives SRV for a named port: target the Service, its ClusterIP as additional A", () => {
      const result = ask("_http._tcp.web.default.svc.cluster.local", RRType.SRV);
      expect(data(result)).toEqual([
        {
          type: RRType.SRV,
          priority: 0,
          weight: 100,
          port: 80,
          target: "web.default.svc.cluster.local",
        },
      ]);
      expect(data(result, "additional")).toEqual([{ type: RRType.A, address: "127.96.0.20" }]);
    });

    it("answers SRV at the Service's own name with every port, weight split evenly (100 / 2)", () => {
      expect(data(ask("web.default.svc.cluster.local", RRType.SRV))).toEqual([
        {
          type: RRType.SRV,
          priority: 0,
          weight: 50,
          port: 80,
          target: "web.default.svc.cluster.local",
        },
        {
          type: RRType.SRV,
          priority: 0,
          weight: 50,
          port: 9090,
          target: "web.default.svc.cluster.local",
        },
      ]);
    });

    it("matches port name and protocol (names arrive lower-cased); a wrong one is NXDOMAIN", () => {
      expect(ask("_dns._udp.kube-dns.kube-system.svc.cluster.local", RRType.SRV).kind).toBe(
        "answer",
      );
      expect(ask("_dns._tcp.kube-dns.kube-system.svc.cluster.local", RRType.SRV)).toEqual(nxdomain);
      expect(ask("_http._udp.web.default.svc.cluster.local", RRType.SRV)).toEqual(nxdomain);
    });

    it("answers A at a _port._proto name too, as CoreDNS does", () => {
      expect(data(ask("_http._tcp.web.default.svc.cluster.local", RRType.A))).toEqual([
        { type: RRType.A, address: "127.96.0.20" },
      ]);
    });

    it("names each endpoint of a ClusterIP Service by its dashed address", () => {
      expect(data(ask("127-128-1-5.web.default.svc.cluster.local", RRType.A))).toEqual([
        { type: RRType.A, address: "127.128.1.5" },
      ]);
      expect(ask("127-128-9-9.web.default.svc.cluster.local", RRType.A)).toEqual(nxdomain);
    });

    it("is NXDOMAIN for more labels than a Service name can have", () => {
      expect(ask("a.b.c.web.default.svc.cluster.local", RRType.A)).toEqual(nxdomain);
      expect(ask("web.cluster.local", RRType.A)).toEqual(nxdomain);
    });
  });

  describe(`${name}: headless Services`, () => {
    it("answers A with every ready endpoint, not the one that is not ready", () => {
      expect(data(ask("db.default.svc.cluster.local", RRType.A))).toEqual([
        { type: RRType.A, address: "127.128.0.7" },
        { type: RRType.A, address: "127.128.0.8" },
      ]);
    });

    it("answers A for an endpoint's hostname, and NXDOMAIN for a not-ready one", () => {
      expect(data(ask("db-1.db.default.svc.cluster.local", RRType.A))).toEqual([
        { type: RRType.A, address: "127.128.0.8" },
      ]);
      expect(ask("db-2.db.default.svc.cluster.local", RRType.A)).toEqual(nxdomain);
    });

    it("gives one SRV per endpoint, targeting its hostname, with its address as additional A", () => {
      const result = ask("_pg._tcp.db.default.svc.cluster.local", RRType.SRV);
      expect(data(result)).toEqual([
        {
          type: RRType.SRV,
          priority: 0,
          weight: 50,
          port: 5432,
          target: "db-0.db.default.svc.cluster.local",
        },
        {
          type: RRType.SRV,
          priority: 0,
          weight: 50,
          port: 5432,
          target: "db-1.db.default.svc.cluster.local",
        },
      ]);
      expect(result.kind === "answer" && result.additional.map((r) => [r.name, r.data])).toEqual([
        ["db-0.db.default.svc.cluster.local", { type: RRType.A, address: "127.128.0.7" }],
        ["db-1.db.default.svc.cluster.local", { type: RRType.A, address: "127.128.0.8" }],
      ]);
    });

    it("weighs 3 endpoints 33 each (⌊100/3⌋), and serves port-less endpoints A but no SRV", () => {
      const s = testClusterState();
      s.setService(serviceObject("three", { clusterIP: "None" }), true);
      s.setEndpointSlice(
        sliceObject(
          "three",
          [{ ip: "127.128.0.1" }, { ip: "127.128.0.2" }, { ip: "127.128.0.3" }],
          [{ name: "x", port: 1 }],
        ),
        true,
      );
      const weights = data(ask("three.default.svc.cluster.local", RRType.SRV, {}, s)).map(
        (d) => (d as { weight: number }).weight,
      );
      expect(weights).toEqual([33, 33, 33]);
      s.setEndpointSlice(sliceObject("three", [{ ip: "127.128.0.1" }], null), true);
      expect(data(ask("three.default.svc.cluster.local", RRType.A, {}, s))).toEqual([
        { type: RRType.A, address: "127.128.0.1" },
      ]);
      expect(ask("three.default.svc.cluster.local", RRType.SRV, {}, s)).toEqual(nodata);
    });

    it("is NXDOMAIN while a headless Service has no ready endpoint (CoreDNS does the same)", () => {
      const s = testClusterState();
      s.setService(serviceObject("empty", { clusterIP: "None" }), true);
      expect(ask("empty.default.svc.cluster.local", RRType.A, {}, s)).toEqual(nxdomain);
    });

    it("answers AAAA from IPv6 slices, and NODATA for A", () => {
      const s = testClusterState();
      s.setService(serviceObject("six", { clusterIP: "None" }), true);
      s.setEndpointSlice(sliceObject("six", [{ ip: "fd00::7" }], [{ port: 80 }]), true);
      expect(data(ask("six.default.svc.cluster.local", RRType.AAAA, {}, s))).toEqual([
        { type: RRType.AAAA, address: "fd00::7" },
      ]);
      expect(ask("six.default.svc.cluster.local", RRType.A, {}, s)).toEqual(nodata);
    });
  });

  describe(`${name}: ExternalName Services`, () => {
    it("answers a CNAME to the target, marking an outside target to chase upstream", () => {
      const result = ask("docs.default.svc.cluster.local", RRType.A);
      expect(result).toMatchObject({
        kind: "answer",
        chase: { name: "docs.example.org", type: RRType.A },
      });
      expect(data(result)).toEqual([{ type: RRType.CNAME, target: "docs.example.org" }]);
      expect(ask("docs.default.svc.cluster.local", RRType.CNAME)).not.toHaveProperty("chase");
    });

    it("follows a target inside the cluster zone itself", () => {
      const result = ask("alias.default.svc.cluster.local", RRType.A);
      expect(result.kind === "answer" && result.answers.map((r) => [r.name, r.data])).toEqual([
        [
          "alias.default.svc.cluster.local",
          { type: RRType.CNAME, target: "web.default.svc.cluster.local" },
        ],
        ["web.default.svc.cluster.local", { type: RRType.A, address: "127.96.0.20" }],
      ]);
    });

    it("has no SRV (NODATA), and stops following a CNAME loop after 8 steps", () => {
      expect(ask("docs.default.svc.cluster.local", RRType.SRV)).toEqual(nodata);
      const s = testClusterState();
      s.setService(serviceObject("a", { externalName: "b.default.svc.cluster.local" }), true);
      s.setService(serviceObject("b", { externalName: "a.default.svc.cluster.local" }), true);
      const result = ask("a.default.svc.cluster.local", RRType.A, {}, s);
      expect(result.kind === "answer" && result.answers).toHaveLength(8);
    });
  });

  describe(`${name}: pod names`, () => {
    it("answers a-b-c-d.<ns>.pod in `insecure` mode for any address in an existing namespace", () => {
      expect(data(ask("127-128-0-99.default.pod.cluster.local", RRType.A))).toEqual([
        { type: RRType.A, address: "127.128.0.99" },
      ]);
      expect(ask("127-128-0-99.nope.pod.cluster.local", RRType.A)).toEqual(nxdomain);
      expect(ask("not-an-ip.default.pod.cluster.local", RRType.A)).toEqual(nxdomain);
    });

    it("answers only a pod that has the address in `verified` mode, and nothing when disabled", () => {
      const s = testClusterState();
      s.setPod(podObject("p", "default", "127.128.0.99"), true);
      const verified = { podMode: "verified" as const };
      expect(ask("127-128-0-99.default.pod.cluster.local", RRType.A, verified, s).kind).toBe(
        "answer",
      );
      expect(ask("127-128-0-98.default.pod.cluster.local", RRType.A, verified, s)).toEqual(
        nxdomain,
      );
      expect(ask("127-128-0-99.kube-system.pod.cluster.local", RRType.A, verified, s)).toEqual(
        nxdomain,
      );
      expect(
        ask("127-128-0-99.default.pod.cluster.local", RRType.A, { podMode: "disabled" }),
      ).toEqual(nxdomain);
    });
  });

  describe(`${name}: reverse names`, () => {
    it("answers PTR for a ClusterIP with the Service's name", () => {
      expect(data(ask("20.0.96.127.in-addr.arpa", RRType.PTR))).toEqual([
        { type: RRType.PTR, target: "web.default.svc.cluster.local" },
      ]);
    });

    it("answers PTR for a ready endpoint's address with its name under the Service", () => {
      expect(data(ask("7.0.128.127.in-addr.arpa", RRType.PTR))).toEqual([
        { type: RRType.PTR, target: "db-0.db.default.svc.cluster.local" },
      ]);
      expect(data(ask("5.0.128.127.in-addr.arpa", RRType.PTR))).toEqual([
        { type: RRType.PTR, target: "127-128-0-5.web.default.svc.cluster.local" },
      ]);
    });

    it("is NXDOMAIN, marked as reverse (it may fall through upstream), for an unknown address", () => {
      expect(ask("9.0.128.127.in-addr.arpa", RRType.PTR)).toEqual({
        kind: "nxdomain",
        zone: "in-addr.arpa",
        reverse: true,
      });
      expect(ask("20.0.96.127.in-addr.arpa", RRType.A)).toEqual({
        kind: "nodata",
        zone: "in-addr.arpa",
      });
    });
  });

  describe(`${name}: the zone itself`, () => {
    it("holds the SOA and NS at the apex, and ns.dns has the server's address", () => {
      expect(data(ask("cluster.local", RRType.SOA))).toMatchObject([
        {
          type: RRType.SOA,
          mname: "ns.dns.cluster.local",
          rname: "hostmaster.cluster.local",
          minimum: 30,
        },
      ]);
      const ns = ask("cluster.local", RRType.NS);
      expect(data(ns)).toEqual([{ type: RRType.NS, target: "ns.dns.cluster.local" }]);
      expect(data(ns, "additional")).toEqual([{ type: RRType.A, address: "127.96.0.10" }]);
      expect(data(ask("ns.dns.cluster.local", RRType.A))).toEqual([
        { type: RRType.A, address: "127.96.0.10" },
      ]);
      expect(ask("cluster.local", RRType.A)).toEqual(nodata);
    });

    it("publishes the schema version at dns-version, for 8 hours", () => {
      const result = ask("dns-version.cluster.local", RRType.TXT);
      expect(result.kind === "answer" && result.answers[0]).toMatchObject({
        ttl: 28800,
        data: { texts: ["1.1.0"] },
      });
    });

    it("is `outside` for names in none of its zones", () => {
      expect(ask("example.org", RRType.A)).toEqual({ kind: "outside" });
    });
  });
}
// #endregion contract
