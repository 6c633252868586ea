import { describe, expect, it } from "vitest";
import { Flag, Rcode, RRType } from "./constants.ts";
import { decodeMessage } from "./decode.ts";
import { encodeQuery, encodeResponse, nameLabels } from "./encode.ts";
import { parseQuery } from "./parse.ts";
import { aRecord, type ResourceRecord } from "./rr.ts";

/** The question section of a query for `name`, as the handler passes it. */
function questionOf(name: string, type: number = RRType.A): Buffer {
  const query = encodeQuery({ id: 1, name, type });
  const parsed = parseQuery(query);
  if (parsed.kind !== "query") throw new Error("test query did not parse");
  return query.subarray(12, parsed.query.questionEnd);
}

const NAME = "web.default.svc.cluster.local";

describe("encodeResponse", () => {
  it("writes every record type cluster DNS serves, and reads back the same", () => {
    const records: ResourceRecord[] = [
      aRecord(NAME, 30, "127.96.0.20"),
      { name: NAME, ttl: 30, data: { type: RRType.AAAA, address: "fd00::1" } },
      { name: NAME, ttl: 30, data: { type: RRType.CNAME, target: "docs.example.org" } },
      { name: "20.0.96.127.in-addr.arpa", ttl: 30, data: { type: RRType.PTR, target: NAME } },
      {
        name: NAME,
        ttl: 30,
        data: { type: RRType.SRV, priority: 0, weight: 33, port: 5432, target: `db-0.${NAME}` },
      },
      {
        name: "dns-version.cluster.local",
        ttl: 28800,
        data: { type: RRType.TXT, texts: ["1.1.0"] },
      },
    ];
    const soa: ResourceRecord = {
      name: "cluster.local",
      ttl: 30,
      data: {
        type: RRType.SOA,
        mname: "ns.dns.cluster.local",
        rname: "hostmaster.cluster.local",
        serial: 1_767_225_600,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: 30,
      },
    };
    const bytes = encodeResponse({
      id: 0xbeef,
      requestFlags: Flag.RD,
      rcode: Rcode.NOERROR,
      authoritative: true,
      question: questionOf(NAME),
      answers: records,
      authority: [soa],
    });
    const message = decodeMessage(bytes);
    expect(message).toMatchObject({ id: 0xbeef, rcode: 0, authoritative: true, truncated: false });
    expect(message.flags & Flag.QR).toBeTruthy();
    expect(message.flags & Flag.RD).toBeTruthy();
    expect(message.flags & Flag.RA).toBe(0);
    expect(message.questions).toEqual([{ name: NAME, type: RRType.A, class: 1 }]);
    expect(
      message.answers.map(({ name, ttl, type, data }) => ({ name, ttl, data: { type, ...data } })),
    ).toEqual(records);
    expect(message.authority[0]?.data).toEqual({
      mname: "ns.dns.cluster.local",
      rname: "hostmaster.cluster.local",
      serial: 1_767_225_600,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: 30,
    });
  });

  it("points an owner equal to the question at the question, echoing the question's case", () => {
    const bytes = encodeResponse({
      id: 1,
      requestFlags: 0,
      rcode: 0,
      authoritative: true,
      question: questionOf("WEB.Default.svc.cluster.local"),
      answers: [aRecord(NAME, 30, "127.96.0.20")],
    });
    const answerAt = 12 + 31 + 4;
    expect([bytes[answerAt], bytes[answerAt + 1]]).toEqual([0xc0, 12]);
    expect(decodeMessage(bytes).answers[0]?.name).toBe("WEB.Default.svc.cluster.local");
  });

  it("compresses repeated suffixes: 10 A records cost 16 bytes each, not 41", () => {
    const answers = Array.from({ length: 10 }, (_, i) => aRecord(NAME, 30, `127.128.0.${i}`));
    const bytes = encodeResponse({
      id: 1,
      requestFlags: 0,
      rcode: 0,
      authoritative: true,
      question: questionOf(NAME),
      answers,
    });
    // Header 12 + question 35 + 10 × (pointer 2 + type/class/ttl/rdlength 10 + address 4).
    expect(bytes.length).toBe(12 + 35 + 10 * 16);
  });

  it("cuts a UDP answer at 512 bytes between whole records and sets TC", () => {
    const answers = Array.from({ length: 40 }, (_, i) => aRecord(NAME, 30, `127.128.0.${i}`));
    const message = {
      id: 1,
      requestFlags: 0,
      rcode: 0,
      authoritative: true,
      question: questionOf(NAME),
      answers,
    };
    const udp = encodeResponse(message, 512);
    expect(udp.length).toBeLessThanOrEqual(512);
    const decoded = decodeMessage(udp);
    expect(decoded.truncated).toBe(true);
    // (512 - 12 - 35) / 16 = 29.06: 29 whole records fit.
    expect(decoded.answers).toHaveLength(29);
    const tcp = decodeMessage(encodeResponse(message));
    expect(tcp.truncated).toBe(false);
    expect(tcp.answers).toHaveLength(40);
  });

  it("leaves out additional records that do not fit without setting TC (RFC 2181 §9)", () => {
    const answers = Array.from({ length: 20 }, (_, i) => aRecord(NAME, 30, `127.128.0.${i}`));
    const additional = Array.from({ length: 20 }, (_, i) =>
      aRecord(`h${i}.example.org`, 30, "127.0.0.1"),
    );
    const decoded = decodeMessage(
      encodeResponse(
        {
          id: 1,
          requestFlags: 0,
          rcode: 0,
          authoritative: true,
          question: questionOf(NAME),
          answers,
          additional,
        },
        512,
      ),
    );
    expect(decoded.truncated).toBe(false);
    expect(decoded.answers).toHaveLength(20);
    expect(decoded.additional.length).toBeLessThan(20);
  });

  it("keeps room for the OPT record: echoes the EDNS size and DO bit, and carries an extended rcode", () => {
    const answers = Array.from({ length: 40 }, (_, i) => aRecord(NAME, 30, `127.128.0.${i}`));
    const edns = { udpSize: 600, dnssecOk: true };
    const bytes = encodeResponse(
      {
        id: 1,
        requestFlags: 0,
        rcode: 0,
        authoritative: true,
        question: questionOf(NAME),
        answers,
        edns,
      },
      600,
    );
    expect(bytes.length).toBeLessThanOrEqual(600);
    const decoded = decodeMessage(bytes);
    const opt = decoded.additional.find((r) => r.type === RRType.OPT);
    expect(opt).toMatchObject({ name: "", class: 600, ttl: Flag.DO });
    const badvers = decodeMessage(
      encodeResponse({ id: 1, requestFlags: 0, rcode: Rcode.BADVERS, authoritative: false, edns }),
    );
    expect(badvers.rcode).toBe(Rcode.BADVERS);
    expect(badvers.flags & 0xf).toBe(0);
  });

  it("leaves out, with TC, a record too big for any message instead of failing", () => {
    const huge: ResourceRecord = {
      name: "big.example.org",
      ttl: 30,
      data: { type: RRType.TXT, texts: Array.from({ length: 300 }, () => "z".repeat(255)) },
    };
    const bytes = encodeResponse({
      id: 1,
      requestFlags: 0,
      rcode: 0,
      authoritative: true,
      question: questionOf(NAME),
      answers: [aRecord(NAME, 30, "127.96.0.20"), huge],
    });
    const decoded = decodeMessage(bytes);
    expect(decoded.truncated).toBe(true);
    expect(decoded.answers).toHaveLength(1);
  });
});

describe("encodeQuery", () => {
  it("writes a query parseQuery reads back", () => {
    const parsed = parseQuery(
      encodeQuery({ id: 9, name: "db.default.svc.cluster.local.", type: RRType.A, rd: false }),
    );
    expect(parsed).toMatchObject({
      kind: "query",
      query: { id: 9, flags: 0, question: { name: "db.default.svc.cluster.local", type: 1 } },
    });
  });
});

describe("nameLabels", () => {
  it("splits on dots, undoing \\. and \\DDD escapes", () => {
    expect(nameLabels("a\\.b.\\000\\\\").map((l) => [...l])).toEqual([
      [0x61, 0x2e, 0x62],
      [0x00, 0x5c],
    ]);
    expect(nameLabels("")).toEqual([]);
    expect(nameLabels("web.").map(String)).toEqual(["web"]);
  });
});
