/**
 * Writing DNS messages (RFC 1035 §4.1): answers from typed records, with name compression and
 * truncation, and queries (for clients, the forwarder and tests).
 *
 * Guarantees:
 * - A response never exceeds `maxSize` bytes. Records are written whole, answer section first;
 *   the first answer or authority record that does not fit stops the message there and sets TC
 *   (RFC 2181 §9: the client must retry over TCP). Additional records that do not fit are left
 *   out without TC — they are hints, and RFC 2181 §9 says losing them needs no flag. The EDNS0
 *   OPT record is always kept: its space is set aside first.
 * - Every name is compressed against the names already written (RFC 1035 §4.1.4), matching
 *   without case; an owner equal to the question points at the question, so answers echo the
 *   question's case as it was sent (CoreDNS answers with the query's own name too).
 * - The question is copied byte for byte from the request (parse.ts guarantees it has no
 *   pointers).
 */
import {
  CLASSIC_UDP_SIZE,
  Flag,
  HEADER_SIZE,
  OPT_RECORD_SIZE,
  RRClass,
  RRType,
} from "./constants.ts";
import { ipv4Bytes, ipv6Bytes } from "./ip.ts";
import type { ResourceRecord } from "./rr.ts";

export interface ResponseMessage {
  id: number;
  /** The request's flags: its opcode, RD and CD are echoed (miekg/dns SetReply). */
  requestFlags: number;
  rcode: number;
  authoritative: boolean;
  recursionAvailable?: boolean;
  /** The request's question section, bytes [12, questionEnd) of the request. */
  question?: Uint8Array;
  answers?: ResourceRecord[];
  authority?: ResourceRecord[];
  additional?: ResourceRecord[];
  /** Present when the request had an OPT record: the answer then carries one (RFC 6891 §7). */
  edns?: { udpSize: number; dnssecOk: boolean };
}

/** The largest message TCP's two-byte length prefix can frame (RFC 1035 §4.2.2). */
export const MAX_MESSAGE_SIZE = 65_535;

/**
 * Room for the largest message plus one record written past the limit before it is rolled
 * back: our records are at most a few hundred bytes (two 255-byte names and fixed fields).
 */
const scratch = Buffer.allocUnsafe(MAX_MESSAGE_SIZE + 4096);

// #region encodeResponse
/**
 * Writes `message` in at most `maxSize` bytes. Steps:
 * 1. Header with zero counts, then the question copied and indexed for compression.
 * 2. Answers, then authority, then additional records, each written whole or rolled back.
 * 3. The OPT record, in the space kept for it, and the final counts and flags.
 */
export function encodeResponse(message: ResponseMessage, maxSize = MAX_MESSAGE_SIZE): Buffer {
  const limit = Math.min(maxSize, MAX_MESSAGE_SIZE) - (message.edns ? OPT_RECORD_SIZE : 0);
  const w = new Writer(scratch);
  w.offset = HEADER_SIZE;
  let qdCount = 0;
  if (message.question && message.question.length > 0) {
    scratch.set(message.question, HEADER_SIZE);
    w.indexName(HEADER_SIZE);
    w.offset += message.question.length;
    qdCount = 1;
  }
  let truncated = false;
  const counts = [0, 0, 0];
  const sections = [message.answers ?? [], message.authority ?? [], message.additional ?? []];
  sections.forEach((records, section) => {
    for (const record of records) {
      if (truncated) return;
      if (w.tryRecord(record, limit)) {
        counts[section] = (counts[section] as number) + 1;
      } else {
        // A missing answer or SOA changes the meaning: TC tells the client to ask over TCP.
        if (section < 2) truncated = true;
        return;
      }
    }
  });
  if (message.edns) {
    w.u8(0);
    w.u16(RRType.OPT);
    w.u16(Math.max(CLASSIC_UDP_SIZE, message.edns.udpSize));
    w.u8(message.rcode >> 4); // extended rcode: the upper 8 of its 12 bits
    w.u8(0); // EDNS version 0
    w.u16(message.edns.dnssecOk ? Flag.DO : 0);
    w.u16(0);
    counts[2] = (counts[2] as number) + 1;
  }
  const echoed = message.requestFlags & (0x7800 | Flag.RD | 0x0010); // opcode, RD, CD
  let flags = Flag.QR | echoed | (message.rcode & 0xf);
  if (message.authoritative) flags |= Flag.AA;
  if (message.recursionAvailable) flags |= Flag.RA;
  if (truncated) flags |= Flag.TC;
  scratch.writeUInt16BE(message.id, 0);
  scratch.writeUInt16BE(flags, 2);
  scratch.writeUInt16BE(qdCount, 4);
  scratch.writeUInt16BE(counts[0] as number, 6);
  scratch.writeUInt16BE(counts[1] as number, 8);
  scratch.writeUInt16BE(counts[2] as number, 10);
  return Buffer.from(scratch.subarray(0, w.offset));
}
// #endregion encodeResponse

export interface QueryMessage {
  id: number;
  name: string;
  type: number;
  class?: number;
  /** Recursion desired; dig and stub resolvers set it. Default true. */
  rd?: boolean;
  /** Adds an OPT record advertising this UDP size. */
  ednsUdpSize?: number;
}

/** A standard query (opcode 0) with one question. */
export function encodeQuery(query: QueryMessage): Buffer {
  const w = new Writer(scratch);
  scratch.writeUInt16BE(query.id, 0);
  scratch.writeUInt16BE(query.rd === false ? 0 : Flag.RD, 2);
  scratch.writeUInt16BE(1, 4);
  scratch.writeUInt32BE(0, 6);
  scratch.writeUInt16BE(query.ednsUdpSize === undefined ? 0 : 1, 10);
  w.offset = HEADER_SIZE;
  w.name(query.name, false);
  w.u16(query.type);
  w.u16(query.class ?? RRClass.IN);
  if (query.ednsUdpSize !== undefined) {
    w.u8(0);
    w.u16(RRType.OPT);
    w.u16(query.ednsUdpSize);
    w.u32(0);
    w.u16(0);
  }
  return Buffer.from(scratch.subarray(0, w.offset));
}

/** Splits a presentation-form name into labels' bytes, undoing `\.` and `\DDD` escapes. */
export function nameLabels(name: string): Buffer[] {
  if (name === "" || name === ".") return [];
  const trimmed = name.endsWith(".") && !name.endsWith("\\.") ? name.slice(0, -1) : name;
  if (!trimmed.includes("\\")) return trimmed.split(".").map((l) => Buffer.from(l, "latin1"));
  const labels: Buffer[] = [];
  let bytes: number[] = [];
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed[i] as string;
    if (c === ".") {
      labels.push(Buffer.from(bytes));
      bytes = [];
    } else if (c === "\\") {
      const digits = trimmed.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        bytes.push(Number(digits) & 0xff);
        i += 3;
      } else {
        bytes.push(trimmed.charCodeAt(i + 1) & 0xff);
        i += 1;
      }
    } else {
      bytes.push(c.charCodeAt(0) & 0xff);
    }
  }
  labels.push(Buffer.from(bytes));
  return labels;
}

class NoRoom extends Error {}

/** A cursor over a buffer, with the compression table of the names written so far. */
class Writer {
  offset = 0;
  /** Lower-cased name suffix → offset of its first label; only offsets below 0x4000 fit. */
  private readonly names = new Map<string, number>();
  /** Keys added, in order, so a rolled-back record also forgets its names. */
  private readonly added: string[] = [];

  constructor(private readonly buf: Buffer) {}

  u8(value: number): void {
    this.room(1);
    this.buf[this.offset++] = value;
  }
  u16(value: number): void {
    this.room(2);
    this.buf.writeUInt16BE(value, this.offset);
    this.offset += 2;
  }
  u32(value: number): void {
    this.room(4);
    this.buf.writeUInt32BE(value >>> 0, this.offset);
    this.offset += 4;
  }
  bytes(bytes: Buffer): void {
    this.room(bytes.length);
    bytes.copy(this.buf, this.offset);
    this.offset += bytes.length;
  }

  /** A record larger than the whole buffer (an upstream's huge TXT, say) is simply too big. */
  private room(count: number): void {
    if (this.offset + count > this.buf.length) throw new NoRoom();
  }

  /** Remembers every suffix of the (pointer-free) name written at `at`. */
  indexName(at: number): void {
    const labels: { at: number; text: string }[] = [];
    let p = at;
    while (this.buf[p] !== 0) {
      const length = this.buf[p] as number;
      labels.push({ at: p, text: this.buf.toString("latin1", p + 1, p + 1 + length) });
      p += 1 + length;
    }
    for (let i = 0; i < labels.length; i++) {
      const key = labels
        .slice(i)
        .map((l) => l.text)
        .join(".")
        .toLowerCase();
      if (!this.names.has(key)) this.remember(key, (labels[i] as { at: number }).at);
    }
  }

  /**
   * Writes a name, as a pointer to an earlier copy where one exists unless `usePointers` is
   * false; either way its suffixes become targets for later names.
   */
  name(name: string, usePointers = true): void {
    const labels = nameLabels(name);
    for (let i = 0; i < labels.length; i++) {
      const key = labels
        .slice(i)
        .map((l) => l.toString("latin1"))
        .join(".")
        .toLowerCase();
      const pointer = usePointers ? this.names.get(key) : undefined;
      if (pointer !== undefined) {
        this.u16(0xc000 | pointer);
        return;
      }
      if (this.offset < 0x4000 && !this.names.has(key)) this.remember(key, this.offset);
      const label = labels[i] as Buffer;
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  /** Writes a whole record, or nothing (and returns false) if it would end past `limit`. */
  tryRecord(record: ResourceRecord, limit: number): boolean {
    const start = this.offset;
    const known = this.added.length;
    try {
      this.record(record);
      if (this.offset <= limit) return true;
    } catch (error) {
      if (!(error instanceof NoRoom)) throw error;
    }
    this.offset = start;
    for (const key of this.added.splice(known)) this.names.delete(key);
    return false;
  }

  private remember(key: string, at: number): void {
    this.names.set(key, at);
    this.added.push(key);
  }

  private record({ name, ttl, data }: ResourceRecord): void {
    this.name(name);
    this.u16(data.type);
    this.u16(RRClass.IN);
    this.u32(ttl);
    const lengthAt = this.offset;
    this.offset += 2;
    switch (data.type) {
      case RRType.A:
        for (const b of ipv4Bytes(data.address)) this.u8(b);
        break;
      case RRType.AAAA:
        for (const b of ipv6Bytes(data.address)) this.u8(b);
        break;
      case RRType.CNAME:
      case RRType.PTR:
      case RRType.NS:
        this.name(data.target);
        break;
      case RRType.SRV:
        this.u16(data.priority);
        this.u16(data.weight);
        this.u16(data.port);
        // RFC 2782: "name compression is not to be used for this field".
        this.name(data.target, false);
        break;
      case RRType.SOA:
        this.name(data.mname);
        this.name(data.rname);
        for (const n of [data.serial, data.refresh, data.retry, data.expire, data.minimum]) {
          this.u32(n);
        }
        break;
      case RRType.TXT:
        for (const text of data.texts) {
          const bytes = Buffer.from(text, "utf8").subarray(0, 255);
          this.u8(bytes.length);
          this.bytes(bytes);
        }
        break;
    }
    this.buf.writeUInt16BE(this.offset - lengthAt - 2, lengthAt);
  }
}
