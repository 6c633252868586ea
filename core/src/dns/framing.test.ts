import { describe, expect, it } from "vitest";
import { FrameReader, frame } from "./framing.ts";

describe("FrameReader", () => {
  it("reassembles messages from arbitrary chunks (the trace in framing.ts)", () => {
    const reader = new FrameReader();
    expect(reader.push(Buffer.from([0, 5, 0x61, 0x62]))).toEqual([]);
    expect(reader.buffered).toBe(4);
    expect(reader.push(Buffer.from([0x63, 0x64, 0x65, 0])).map(String)).toEqual(["abcde"]);
    expect(reader.push(Buffer.from([2, 0x78, 0x79])).map(String)).toEqual(["xy"]);
    expect(reader.buffered).toBe(0);
  });

  it("returns several messages from one chunk, in order, and a zero-length one as empty", () => {
    const reader = new FrameReader();
    const chunk = Buffer.concat([
      frame(Buffer.from("one")),
      frame(Buffer.alloc(0)),
      frame(Buffer.from("three")),
    ]);
    expect(reader.push(chunk).map(String)).toEqual(["one", "", "three"]);
  });

  it("survives a stream cut into single bytes", () => {
    const reader = new FrameReader();
    const bytes = Buffer.concat([frame(Buffer.from("hello")), frame(Buffer.from("dns"))]);
    const out: string[] = [];
    for (const b of bytes) out.push(...reader.push(Buffer.from([b])).map(String));
    expect(out).toEqual(["hello", "dns"]);
  });
});
