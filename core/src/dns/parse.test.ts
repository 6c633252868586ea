import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rcode, RRType } from "./constants.ts";
import { encodeQuery } from "./encode.ts";
import { type ParsedQuery, parseQuery, readName } from "./parse.ts";

/** A header: id 0x1234, RD, with the given counts. */
function header(counts: [number, number, number, number], flags = 0x0100): number[] {
  return [0x12, 0x34, flags >> 8, flags & 0xff, ...counts.flatMap((c) => [c >> 8, c & 0xff])];
}

const question = (labels: string[], type = 1) => [
  ...labels.flatMap((l) => [l.length, ...Buffer.from(l, "latin1")]),
  0,
  type >> 8,
  type & 0xff,
  0,
  1,
];

function rejected(result: ParsedQuery): { rcode: number; id: number; reason: string } {
  if (result.kind !== "reject") throw new Error(`expected a reject, got ${JSON.stringify(result)}`);
  return result;
}

describe("parseQuery", () => {
  it("reads dig's query: ID, the name as sent, type, class and the EDNS0 OPT", () => {
    const packet = encodeQuery({
      id: 7,
      name: "Web.Default.svc.cluster.local",
      type: RRType.SRV,
      ednsUdpSize: 1232,
    });
    const result = parseQuery(packet);
    expect(result).toEqual({
      kind: "query",
      query: {
        id: 7,
        flags: 0x0100,
        question: {
          name: "Web.Default.svc.cluster.local",
          lower: "web.default.svc.cluster.local",
          type: RRType.SRV,
          class: 1,
        },
        edns: { udpSize: 1232, version: 0, dnssecOk: false },
        questionEnd: 12 + 31 + 4,
      },
    });
  });

  it("drops what cannot be answered: fewer than 12 bytes, or a response", () => {
    expect(parseQuery(Buffer.alloc(0)).kind).toBe("ignore");
    expect(parseQuery(Buffer.from(header([1, 0, 0, 0]).slice(0, 11))).kind).toBe("ignore");
    const response = Buffer.from([...header([1, 0, 0, 0], 0x8100), ...question(["a"])]);
    expect(parseQuery(response)).toMatchObject({
      kind: "ignore",
      reason: expect.stringContaining("QR"),
    });
  });

  it("answers an opcode other than QUERY with NOTIMP, keeping the ID", () => {
    const status = Buffer.from([...header([1, 0, 0, 0], 2 << 11), ...question(["a"])]);
    expect(rejected(parseQuery(status))).toMatchObject({ rcode: Rcode.NOTIMP, id: 0x1234 });
  });

  it.each([
    ["no question", [0, 0, 0, 0]],
    ["two questions", [2, 0, 0, 0]],
    ["two answers", [1, 2, 0, 0]],
    ["three additional records", [1, 0, 0, 3]],
  ] as [string, [number, number, number, number]][])(
    "FORMERR for %s (miekg/dns accept rules)",
    (_what, counts) => {
      const packet = Buffer.from([...header(counts), ...question(["a"])]);
      expect(rejected(parseQuery(packet)).rcode).toBe(Rcode.FORMERR);
    },
  );

  it.each([
    ["a header promising a question that is not there", [...header([1, 0, 0, 0])]],
    ["a name cut off mid-label", [...header([1, 0, 0, 0]), 5, 0x61, 0x62]],
    ["a question without type and class", [...header([1, 0, 0, 0]), 1, 0x61, 0]],
    ["a 64-octet label", [...header([1, 0, 0, 0]), 64, ...new Array(64).fill(0x61), 0, 0, 1, 0, 1]],
    ["a label of reserved type 01", [...header([1, 0, 0, 0]), 0x41, 0x61, 0, 0, 1, 0, 1]],
    ["a pointer in the question (to itself)", [...header([1, 0, 0, 0]), 0xc0, 12, 0, 1, 0, 1]],
    ["a pointer into the header", [...header([1, 0, 0, 0]), 1, 0x61, 0xc0, 2, 0, 1, 0, 1]],
    [
      "a name of 261 octets (four 63-octet labels and one of 3)",
      [...header([1, 0, 0, 0]), ...question([...new Array(4).fill("a".repeat(63)), "aaa"])],
    ],
    ["an OPT record cut short", [...header([1, 0, 0, 1]), ...question(["a"]), 0, 0, 41, 0x10]],
    [
      "a record whose name points forward (a compression loop)",
      [...header([1, 0, 0, 1]), ...question(["a"]), 0xc0, 22, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0],
    ],
    [
      "a record whose name points to itself",
      [...header([1, 0, 0, 1]), ...question(["a"]), 0xc0, 19, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0],
    ],
    [
      "two OPT records",
      [
        ...header([1, 0, 0, 2]),
        ...question(["a"]),
        ...[0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0],
        ...[0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0],
      ],
    ],
    [
      "an RDLENGTH past the end",
      [...header([1, 0, 0, 1]), ...question(["a"]), 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 9],
    ],
  ])("FORMERR, with the ID, for %s", (_what, bytes) => {
    const result = rejected(parseQuery(Buffer.from(bytes)));
    expect(result.rcode).toBe(Rcode.FORMERR);
    expect(result.id).toBe(0x1234);
  });

  it("escapes a dot or a non-printable byte inside a label, so it never reads as two labels", () => {
    // Labels "a.b" (3 octets) and NUL + backslash (2 octets), then type A, class IN.
    const labels = Buffer.from("03612e62" + "02005c" + "00" + "00010001", "hex");
    const packet = Buffer.concat([Buffer.from(header([1, 0, 0, 0])), labels]);
    const result = parseQuery(packet);
    expect(result.kind === "query" && result.query.question.name).toBe("a\\.b.\\000\\\\");
  });

  it("never throws, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(["query", "reject", "ignore"]).toContain(parseQuery(bytes).kind);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on a real query with some bytes changed or cut", () => {
    const valid = encodeQuery({
      id: 1,
      name: "web.default.svc.cluster.local",
      type: 1,
      ednsUdpSize: 4096,
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          maxLength: 6,
        }),
        fc.nat(valid.length),
        (edits, cut) => {
          const bytes = Buffer.from(valid);
          for (const [at, value] of edits) bytes[at] = value;
          expect(["query", "reject", "ignore"]).toContain(parseQuery(bytes.subarray(0, cut)).kind);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("readName", () => {
  it("follows a backward pointer and ends just past it", () => {
    // "cluster.local" at 12, then "web" + pointer to 12 at 27.
    const bytes = Buffer.from([
      ...header([0, 0, 0, 0]),
      7,
      ...Buffer.from("cluster"),
      5,
      ...Buffer.from("local"),
      0,
      3,
      ...Buffer.from("web"),
      0xc0,
      12,
    ]);
    expect(readName(bytes, 27)).toEqual({ name: "web.cluster.local", end: 33 });
  });
});
