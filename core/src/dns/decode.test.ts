import { describe, expect, it } from "vitest";
import { RRType } from "./constants.ts";
import { decodeMessage } from "./decode.ts";
import { MalformedMessageError } from "./parse.ts";

/** A response written out by hand: id 7, QR AA RD, one question, one A answer pointing at it. */
const RESPONSE = Buffer.from(
  [
    "0007 8500 0001 0001 0000 0000", // header: ID 7, flags, 1 question, 1 answer
    "03 776562 05 6c6f63616c 00 0001 0001", // question: web.local A IN
    "c00c 0001 0001 0000001e 0004 7f600014", // answer: pointer to 12, A IN, TTL 30, 127.96.0.20
  ]
    .join("")
    .replaceAll(" ", ""),
  "hex",
);

describe("decodeMessage", () => {
  it("reads a response written by hand, following the answer's pointer to the question", () => {
    expect(decodeMessage(RESPONSE)).toEqual({
      id: 7,
      flags: 0x8500,
      rcode: 0,
      authoritative: true,
      truncated: false,
      recursionAvailable: false,
      questions: [{ name: "web.local", type: RRType.A, class: 1 }],
      answers: [
        { name: "web.local", type: RRType.A, class: 1, ttl: 30, data: { address: "127.96.0.20" } },
      ],
      authority: [],
      additional: [],
    });
  });

  it("throws MalformedMessageError, with the offset, for a message cut short", () => {
    expect(() => decodeMessage(RESPONSE.subarray(0, RESPONSE.length - 2))).toThrow(
      MalformedMessageError,
    );
    expect(() => decodeMessage(RESPONSE.subarray(0, 5))).toThrow(/shorter than the header/);
  });

  it("gives unknown record data as hex", () => {
    const mx = Buffer.from(RESPONSE);
    // The answer starts at 27 (header 12 + question 15): pointer, then its type at 29-30.
    mx[30] = 99; // type 99: not one cluster DNS writes
    expect(decodeMessage(mx).answers[0]).toMatchObject({ type: 99, data: { hex: "7f600014" } });
  });
});
