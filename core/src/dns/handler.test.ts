import { createSocket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.ts";
import { ClusterState } from "./cluster-state.ts";
import { Flag, Rcode, RRType } from "./constants.ts";
import { type DecodedMessage, decodeMessage } from "./decode.ts";
import { encodeQuery, encodeResponse, type QueryMessage } from "./encode.ts";
import { Forwarder } from "./forward.ts";
import { ClusterDnsHandler, type QueryHandler, type Transport } from "./handler.ts";
import { parseQuery } from "./parse.ts";
import { aRecord } from "./rr.ts";
import { DnsServer } from "./server.ts";
import { serviceObject, sliceObject, testClusterState } from "./testing.ts";

async function ask(
  handler: QueryHandler,
  query: Partial<QueryMessage> & { name: string },
  transport: Transport = "udp",
): Promise<{ message: DecodedMessage; bytes: Buffer }> {
  const packet = encodeQuery({ id: 0x4242, type: RRType.A, ...query });
  const bytes = await handler.answer(packet, transport);
  if (!bytes) throw new Error(`no answer to ${query.name}`);
  return { message: decodeMessage(bytes), bytes };
}

describe("ClusterDnsHandler", () => {
  it("answers a Service's A authoritatively, echoing the question's spelling", async () => {
    const handler = new ClusterDnsHandler(testClusterState());
    const { message } = await ask(handler, { name: "WEB.Default.svc.Cluster.Local" });
    expect(message).toMatchObject({
      id: 0x4242,
      rcode: Rcode.NOERROR,
      authoritative: true,
      recursionAvailable: false,
    });
    expect(message.answers).toEqual([
      {
        name: "WEB.Default.svc.Cluster.Local",
        type: RRType.A,
        class: 1,
        ttl: 30,
        data: { address: "127.96.0.20" },
      },
    ]);
  });

  it("answers NXDOMAIN and NODATA with the zone's SOA in the authority section", async () => {
    const clock = new FakeClock(Date.parse("2026-03-01T00:00:00Z"));
    const handler = new ClusterDnsHandler(testClusterState(clock));
    const nx = (await ask(handler, { name: "nope.default.svc.cluster.local" })).message;
    expect(nx).toMatchObject({ rcode: Rcode.NXDOMAIN, authoritative: true, answers: [] });
    expect(nx.authority).toEqual([
      {
        name: "cluster.local",
        type: RRType.SOA,
        class: 1,
        ttl: 30,
        data: {
          mname: "ns.dns.cluster.local",
          rname: "hostmaster.cluster.local",
          serial: Date.parse("2026-03-01T00:00:00Z") / 1000,
          refresh: 7200,
          retry: 1800,
          expire: 86400,
          minimum: 30,
        },
      },
    ]);
    const nodata = (
      await ask(handler, { name: "web.default.svc.cluster.local", type: RRType.AAAA })
    ).message;
    expect(nodata).toMatchObject({ rcode: Rcode.NOERROR, answers: [] });
    expect(nodata.authority.map((r) => r.type)).toEqual([RRType.SOA]);
  });

  it("says SERVFAIL, not NXDOMAIN, before the informers have synced", async () => {
    const state = new ClusterState(new FakeClock());
    const handler = new ClusterDnsHandler(state);
    expect((await ask(handler, { name: "web.default.svc.cluster.local" })).message.rcode).toBe(
      Rcode.SERVFAIL,
    );
    state.markSynced();
    expect((await ask(handler, { name: "web.default.svc.cluster.local" })).message.rcode).toBe(
      Rcode.NXDOMAIN,
    );
  });

  it("reuses an answer for the same question with the new ID and RD, until the state changes", async () => {
    const state = testClusterState();
    const handler = new ClusterDnsHandler(state);
    const first = await ask(handler, { id: 1, name: "web.default.svc.cluster.local" });
    const second = await ask(handler, { id: 2, name: "web.default.svc.cluster.local", rd: false });
    expect(second.message.id).toBe(2);
    expect(second.message.flags & Flag.RD).toBe(0);
    expect(first.message.flags & Flag.RD).toBe(Flag.RD);
    expect(second.bytes.subarray(4)).toEqual(first.bytes.subarray(4));
    state.setService(serviceObject("web", {}), false);
    expect(
      (await ask(handler, { id: 3, name: "web.default.svc.cluster.local" })).message.rcode,
    ).toBe(Rcode.NXDOMAIN);
  });

  it("truncates a big UDP answer (TC) and answers it whole over TCP or with a large EDNS size", async () => {
    const state = testClusterState();
    const endpoints = Array.from({ length: 60 }, (_, i) => ({ ip: `127.128.3.${i}` }));
    state.setService(serviceObject("big", { clusterIP: "None" }), true);
    state.setEndpointSlice(sliceObject("big", endpoints, [{ name: "http", port: 80 }]), true);
    const handler = new ClusterDnsHandler(state);
    const name = "big.default.svc.cluster.local";
    const udp = await ask(handler, { name });
    expect(udp.bytes.length).toBeLessThanOrEqual(512);
    expect(udp.message.truncated).toBe(true);
    const tcp = await ask(handler, { name }, "tcp");
    expect(tcp.message.truncated).toBe(false);
    expect(tcp.message.answers).toHaveLength(60);
    const edns = await ask(handler, { name, ednsUdpSize: 4096 });
    expect(edns.message.truncated).toBe(false);
    expect(edns.message.answers).toHaveLength(60);
    expect(edns.message.additional.map((r) => r.type)).toEqual([RRType.OPT]);
  });

  it("rejects garbage with FORMERR (keeping the ID) and drops what has no ID, never throwing", async () => {
    const reasons: string[] = [];
    const handler = new ClusterDnsHandler(testClusterState(), {
      onBadPacket: (r) => reasons.push(r),
    });
    const garbage = Buffer.from([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f, 0x61]);
    const response = await handler.answer(garbage, "udp");
    expect(decodeMessage(response as Buffer)).toMatchObject({
      id: 0xabcd,
      rcode: Rcode.FORMERR,
      questions: [],
    });
    expect(await handler.answer(Buffer.from([1, 2, 3]), "udp")).toBeUndefined();
    expect(reasons).toHaveLength(2);
  });

  it("answers an unknown EDNS version with BADVERS, and a non-IN class or a zone transfer with REFUSED", async () => {
    const handler = new ClusterDnsHandler(testClusterState());
    const packet = encodeQuery({
      id: 5,
      name: "web.default.svc.cluster.local",
      type: RRType.A,
      ednsUdpSize: 1232,
    });
    packet[packet.length - 5] = 1; // the OPT record's version byte
    expect(decodeMessage((await handler.answer(packet, "udp")) as Buffer).rcode).toBe(
      Rcode.BADVERS,
    );
    const chaos = await ask(handler, { name: "version.bind", type: RRType.TXT, class: 3 });
    expect(chaos.message.rcode).toBe(Rcode.REFUSED);
    const axfr = await ask(handler, { name: "cluster.local", type: RRType.AXFR }, "tcp");
    expect(axfr.message.rcode).toBe(Rcode.REFUSED);
  });

  it("is SERVFAIL for a name outside the cluster when no upstream is set", async () => {
    const handler = new ClusterDnsHandler(testClusterState());
    const { message } = await ask(handler, { name: "example.org" });
    expect(message).toMatchObject({ rcode: Rcode.SERVFAIL, authoritative: false });
  });

  it("refuses a TTL outside CoreDNS's 0..3600", () => {
    expect(() => new ClusterDnsHandler(testClusterState(), { ttl: 3601 })).toThrow(
      /0\.\.3600.*3601/,
    );
  });
});

describe("ClusterDnsHandler with an upstream", () => {
  /** An upstream that answers every A question with 127.0.0.77. */
  const upstreamHandler: QueryHandler = {
    answer(packet) {
      const parsed = parseQuery(packet);
      if (parsed.kind !== "query") return undefined;
      const { query } = parsed;
      return encodeResponse({
        id: query.id,
        requestFlags: query.flags,
        rcode: Rcode.NOERROR,
        authoritative: false,
        recursionAvailable: true,
        question: packet.subarray(12, query.questionEnd),
        answers:
          query.question.type === RRType.A ? [aRecord(query.question.name, 300, "127.0.0.77")] : [],
      });
    },
  };
  const upstream = new DnsServer({
    handler: upstreamHandler,
    address: "127.0.0.1",
    port: 0,
    log: () => {},
  });
  let forwarder: Forwarder;
  beforeAll(async () => {
    const { port } = await upstream.start();
    forwarder = new Forwarder({ upstreams: [{ host: "127.0.0.1", port }] });
  });
  afterAll(() => upstream.stop());

  it("forwards names outside the cluster, over the client's transport, and passes the answer back", async () => {
    const handler = new ClusterDnsHandler(testClusterState(), { forwarder });
    for (const transport of ["udp", "tcp"] as const) {
      const { message } = await ask(handler, { id: 77, name: "example.org" }, transport);
      expect(message).toMatchObject({ id: 77, rcode: Rcode.NOERROR, recursionAvailable: true });
      expect(message.answers[0]?.data).toEqual({ address: "127.0.0.77" });
    }
  });

  it("lets unknown reverse names fall through upstream, but answers its own", async () => {
    const handler = new ClusterDnsHandler(testClusterState(), { forwarder });
    const unknown = await ask(handler, { name: "1.2.0.127.in-addr.arpa", type: RRType.PTR });
    expect(unknown.message.authoritative).toBe(false);
    const own = await ask(handler, { name: "20.0.96.127.in-addr.arpa", type: RRType.PTR });
    expect(own.message.answers[0]?.data).toEqual({ target: "web.default.svc.cluster.local" });
  });

  it("follows an ExternalName's CNAME upstream", async () => {
    const handler = new ClusterDnsHandler(testClusterState(), { forwarder });
    const { message } = await ask(handler, { name: "docs.default.svc.cluster.local" });
    expect(message.answers.map((r) => [r.name, r.type, r.data])).toEqual([
      ["docs.default.svc.cluster.local", RRType.CNAME, { target: "docs.example.org" }],
      ["docs.example.org", RRType.A, { address: "127.0.0.77" }],
    ]);
  });

  it("answers SERVFAIL when the upstream does not answer in time", async () => {
    const silent = createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    const clock = new FakeClock();
    const mute = new Forwarder({
      upstreams: [{ host: "127.0.0.1", port: silent.address().port }],
      clock,
    });
    const handler = new ClusterDnsHandler(testClusterState(), { forwarder: mute });
    const pending = handler.answer(
      encodeQuery({ id: 9, name: "example.org", type: RRType.A }),
      "udp",
    );
    clock.advance(2_000);
    const message = decodeMessage((await pending) as Buffer);
    expect(message).toMatchObject({ id: 9, rcode: Rcode.SERVFAIL });
    silent.close();
  });
});
