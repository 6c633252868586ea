/**
 * Reading a DNS query off the wire (RFC 1035 §4.1, EDNS0 from RFC 6891).
 *
 * Guarantees:
 * - Never throws and never loops, whatever the bytes: every outcome is one of the closed union
 *   `ParsedQuery` — a query to answer, an error to answer with (FORMERR or NOTIMP, carrying the
 *   ID and flags to echo), or a message to drop without a word.
 * - The accept rules are those of miekg/dns's DefaultMsgAcceptFunc, the library CoreDNS serves
 *   with: a response (QR set) is dropped, so two servers cannot ping-pong errors; an opcode other
 *   than QUERY gets NOTIMP; anything but exactly one question, or more than 1 answer, 1 authority
 *   or 2 additional records, gets FORMERR. Bytes that do not decode after that get FORMERR too.
 * - Compression pointers must point strictly backwards (RFC 1035 §4.1.4: "a prior occurance of
 *   the same name") and past the header, so a pointer loop cannot exist — and a question, the
 *   first name in a message, holds no pointer at all, so its bytes can be echoed verbatim. A
 *   name longer than 255 octets, a label longer than 63, or a read past the end is malformed.
 * - Names come back in presentation form without the final dot ("Web.Default.svc.cluster.local"),
 *   with "." and "\" inside a label and bytes outside printable ASCII escaped as `\.`, `\\` and
 *   `\DDD` (RFC 4343 §2.1), so a label holding a dot never reads as two labels.
 */
import {
  Flag,
  HEADER_SIZE,
  MAX_LABEL_OCTETS,
  MAX_NAME_OCTETS,
  OPCODE_QUERY,
  Rcode,
  RRType,
} from "./constants.ts";

export interface Question {
  /** As sent, case kept: answers echo it. */
  name: string;
  /** Lower-cased: what lookups use (names compare without case, RFC 4343). */
  lower: string;
  type: number;
  class: number;
}

/** The requester's EDNS0 OPT record (RFC 6891 §6.1.2). */
export interface Edns {
  /** Largest UDP answer the requester can take. */
  udpSize: number;
  version: number;
  /** The DNSSEC OK bit, echoed in the answer's OPT (RFC 3225 §3). */
  dnssecOk: boolean;
}

export interface Query {
  id: number;
  /** The request's flags word: the answer copies RD and the opcode from it. */
  flags: number;
  question: Question;
  edns?: Edns;
  /** Offset just past the question section: bytes [12, questionEnd) are echoed verbatim. */
  questionEnd: number;
}

/** What to do with a packet; each member says its consequence. */
export type ParsedQuery =
  /** Answer it. */
  | { kind: "query"; query: Query }
  /** Answer with this rcode and no records, echoing `id` and the request's RD and opcode. */
  | { kind: "reject"; rcode: number; id: number; flags: number; reason: string }
  /** Send nothing: too short to hold an ID, or not a request at all. */
  | { kind: "ignore"; reason: string };

/** Bytes that do not decode; `offset` is where reading failed. */
export class MalformedMessageError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`malformed message at offset ${offset}: ${reason}`);
    this.name = "MalformedMessageError";
  }
}

// #region parseQuery
export function parseQuery(buf: Uint8Array): ParsedQuery {
  if (buf.length < HEADER_SIZE) {
    return { kind: "ignore", reason: `${buf.length} bytes, shorter than the 12-byte header` };
  }
  const id = u16(buf, 0);
  const flags = u16(buf, 2);
  if (flags & Flag.QR) return { kind: "ignore", reason: "a response (QR set), not a query" };
  const reject = (rcode: number, reason: string): ParsedQuery => ({
    kind: "reject",
    rcode,
    id,
    flags,
    reason,
  });
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== OPCODE_QUERY) return reject(Rcode.NOTIMP, `opcode ${opcode}, not QUERY (0)`);
  const [qd, an, ns, ar] = [u16(buf, 4), u16(buf, 6), u16(buf, 8), u16(buf, 10)];
  if (qd !== 1) return reject(Rcode.FORMERR, `${qd} questions, expected exactly 1`);
  if (an > 1 || ns > 1 || ar > 2) {
    return reject(Rcode.FORMERR, `sections of ${an}/${ns}/${ar} records, expected at most 1/1/2`);
  }
  try {
    const { name, end } = readName(buf, HEADER_SIZE);
    need(buf, end, 4);
    const question: Question = {
      name,
      lower: name.toLowerCase(),
      type: u16(buf, end),
      class: u16(buf, end + 2),
    };
    const questionEnd = end + 4;
    let offset = questionEnd;
    for (let i = 0; i < an + ns; i++) offset = skipRecord(buf, offset).end;
    let edns: Edns | undefined;
    for (let i = 0; i < ar; i++) {
      const record = skipRecord(buf, offset);
      if (record.type === RRType.OPT) {
        if (edns) return reject(Rcode.FORMERR, "two OPT records (RFC 6891 §6.1.1 allows one)");
        if (buf[offset] !== 0) return reject(Rcode.FORMERR, "OPT record not owned by the root");
        edns = {
          udpSize: record.class,
          version: buf[record.ttlAt + 1] as number,
          dnssecOk: (u16(buf, record.ttlAt + 2) & Flag.DO) !== 0,
        };
      }
      offset = record.end;
    }
    return { kind: "query", query: { id, flags, question, edns, questionEnd } };
  } catch (error) {
    if (error instanceof MalformedMessageError) return reject(Rcode.FORMERR, error.message);
    throw error;
  }
}
// #endregion parseQuery

// #region readName
/**
 * The name at `offset`, and the offset just past it where it sits (after its first pointer, if
 * it has one). Example: bytes `03 77 65 62 c0 1f` at offset 40 read "web" and then follow the
 * pointer to offset 31 (0xc01f & 0x3fff); `end` is 46, just past the pointer.
 */
export function readName(buf: Uint8Array, offset: number): { name: string; end: number } {
  let name = "";
  let octets = 1; // the root label's length byte
  let at = offset;
  let end = -1;
  /** Pointers may only go below this: the start of the last label sequence jumped into. */
  let floor = offset;
  for (;;) {
    need(buf, at, 1);
    const length = buf[at] as number;
    if (length === 0) {
      if (end < 0) end = at + 1;
      return { name, end };
    }
    const kind = length & 0xc0;
    if (kind === 0xc0) {
      need(buf, at, 2);
      const target = u16(buf, at) & 0x3fff;
      if (target >= floor || target < HEADER_SIZE) {
        throw new MalformedMessageError(
          `pointer to ${target} does not point backwards to a name (${HEADER_SIZE}..${floor - 1})`,
          at,
        );
      }
      if (end < 0) end = at + 2;
      at = target;
      floor = target;
      continue;
    }
    if (kind !== 0) {
      throw new MalformedMessageError(`label type 0x${kind.toString(16)} is not a length`, at);
    }
    if (length > MAX_LABEL_OCTETS) {
      throw new MalformedMessageError(`label of ${length} octets, at most 63`, at);
    }
    octets += length + 1;
    if (octets > MAX_NAME_OCTETS) {
      throw new MalformedMessageError(`name longer than ${MAX_NAME_OCTETS} octets`, at);
    }
    need(buf, at + 1, length);
    name += (name === "" ? "" : ".") + labelText(buf, at + 1, at + 1 + length);
    at += 1 + length;
  }
}
// #endregion readName

/** One label in presentation form; the common case (letters, digits, '-', '_') copies as is. */
function labelText(buf: Uint8Array, start: number, end: number): string {
  let text = "";
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (c === 0x2e || c === 0x5c) text += `\\${String.fromCharCode(c)}`;
    else if (c > 0x20 && c < 0x7f) text += String.fromCharCode(c);
    else text += `\\${c.toString().padStart(3, "0")}`;
  }
  return text;
}

/** Steps over one resource record, returning its type, class and where its TTL starts. */
function skipRecord(
  buf: Uint8Array,
  offset: number,
): { type: number; class: number; ttlAt: number; end: number } {
  const { end } = readName(buf, offset);
  need(buf, end, 10);
  const rdLength = u16(buf, end + 8);
  need(buf, end + 10, rdLength);
  return {
    type: u16(buf, end),
    class: u16(buf, end + 2),
    ttlAt: end + 4,
    end: end + 10 + rdLength,
  };
}

function need(buf: Uint8Array, at: number, count: number): void {
  if (at + count > buf.length) {
    throw new MalformedMessageError(
      `needs ${count} more bytes, the message ends after ${buf.length - at}`,
      at,
    );
  }
}

export function u16(buf: Uint8Array, at: number): number {
  return ((buf[at] as number) << 8) | (buf[at + 1] as number);
}
