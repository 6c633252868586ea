/**
 * Reading a whole DNS message, answers included — what a client does with a response. The
 * server never needs this on its answer path (parse.ts reads queries); tests, the forwarder and
 * command-line tools do.
 *
 * Guarantees: a message that does not decode throws MalformedMessageError (from parse.ts, with
 * the offset); record data of types not listed in rr.ts comes back as hex.
 */
import { Flag, HEADER_SIZE, RRType } from "./constants.ts";
import { ipv6Text } from "./ip.ts";
import { MalformedMessageError, readName, u16 } from "./parse.ts";

export interface DecodedRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** Typed data for A, AAAA, CNAME, PTR, NS, SRV, SOA, TXT; OPT and others as hex. */
  data: Record<string, unknown>;
}

export interface DecodedMessage {
  id: number;
  flags: number;
  /** The 4-bit header rcode, extended by the OPT record's upper bits when there is one. */
  rcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionAvailable: boolean;
  questions: { name: string; type: number; class: number }[];
  answers: DecodedRecord[];
  authority: DecodedRecord[];
  additional: DecodedRecord[];
}

export function decodeMessage(buf: Uint8Array): DecodedMessage {
  if (buf.length < HEADER_SIZE) {
    throw new MalformedMessageError(`${buf.length} bytes, shorter than the header`, 0);
  }
  const flags = u16(buf, 2);
  const counts = [u16(buf, 4), u16(buf, 6), u16(buf, 8), u16(buf, 10)] as const;
  let offset = HEADER_SIZE;
  const questions: DecodedMessage["questions"] = [];
  for (let i = 0; i < counts[0]; i++) {
    const { name, end } = readName(buf, offset);
    check(buf, end, 4);
    questions.push({ name, type: u16(buf, end), class: u16(buf, end + 2) });
    offset = end + 4;
  }
  const sections: DecodedRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < (counts[s + 1] as number); i++) {
      const { record, end } = readRecord(buf, offset);
      (sections[s] as DecodedRecord[]).push(record);
      offset = end;
    }
  }
  const [answers, authority, additional] = sections as [
    DecodedRecord[],
    DecodedRecord[],
    DecodedRecord[],
  ];
  const opt = additional.find((r) => r.type === RRType.OPT);
  const extended = opt ? ((opt.ttl >>> 24) & 0xff) << 4 : 0;
  return {
    id: u16(buf, 0),
    flags,
    rcode: extended | (flags & 0xf),
    authoritative: (flags & Flag.AA) !== 0,
    truncated: (flags & Flag.TC) !== 0,
    recursionAvailable: (flags & Flag.RA) !== 0,
    questions,
    answers,
    authority,
    additional,
  };
}

function readRecord(buf: Uint8Array, offset: number): { record: DecodedRecord; end: number } {
  const { name, end: nameEnd } = readName(buf, offset);
  check(buf, nameEnd, 10);
  const type = u16(buf, nameEnd);
  const rdLength = u16(buf, nameEnd + 8);
  const start = nameEnd + 10;
  check(buf, start, rdLength);
  const ttl = ((u16(buf, nameEnd + 4) << 16) | u16(buf, nameEnd + 6)) >>> 0;
  const record: DecodedRecord = {
    name,
    type,
    class: u16(buf, nameEnd + 2),
    ttl,
    data: readData(buf, type, start, rdLength),
  };
  return { record, end: start + rdLength };
}

function readData(
  buf: Uint8Array,
  type: number,
  start: number,
  length: number,
): Record<string, unknown> {
  const u32 = (at: number) => ((u16(buf, at) << 16) | u16(buf, at + 2)) >>> 0;
  switch (type) {
    case RRType.A:
      return { address: Array.from(buf.subarray(start, start + 4)).join(".") };
    case RRType.AAAA:
      return { address: ipv6Text(buf.subarray(start, start + 16)) };
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.NS:
      return { target: readName(buf, start).name };
    case RRType.SRV:
      return {
        priority: u16(buf, start),
        weight: u16(buf, start + 2),
        port: u16(buf, start + 4),
        target: readName(buf, start + 6).name,
      };
    case RRType.SOA: {
      const mname = readName(buf, start);
      const rname = readName(buf, mname.end);
      const at = rname.end;
      return {
        mname: mname.name,
        rname: rname.name,
        serial: u32(at),
        refresh: u32(at + 4),
        retry: u32(at + 8),
        expire: u32(at + 12),
        minimum: u32(at + 16),
      };
    }
    case RRType.TXT: {
      const texts: string[] = [];
      for (let at = start; at < start + length; ) {
        const n = buf[at] as number;
        texts.push(Buffer.from(buf.subarray(at + 1, at + 1 + n)).toString("utf8"));
        at += 1 + n;
      }
      return { texts };
    }
    default:
      return { hex: Buffer.from(buf.subarray(start, start + length)).toString("hex") };
  }
}

function check(buf: Uint8Array, at: number, count: number): void {
  if (at + count > buf.length) {
    throw new MalformedMessageError(`needs ${count} bytes, ${buf.length - at} left`, at);
  }
}
