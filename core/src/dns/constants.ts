/**
 * The numbers of the DNS wire format that cluster DNS speaks: record types, classes, response
 * codes and header bits (RFC 1035 §3.2 and §4.1.1, RFC 2782 for SRV, RFC 6891 for EDNS0's OPT).
 * Only what a Kubernetes DNS server answers or must recognise is named here.
 */

/** Record types (RFC 1035 §3.2.2, RFC 3596 for AAAA, RFC 2782 for SRV, RFC 6891 for OPT). */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

/** Classes: IN is the only one Kubernetes names live in; ANY (255) may be asked for. */
export const RRClass = { IN: 1, ANY: 255 } as const;

/** Response codes (RFC 1035 §4.1.1; BADVERS is extended, RFC 6891 §9). */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

/** Opcode QUERY (0) is the only one served; others get NOTIMP. */
export const OPCODE_QUERY = 0;

/** Bits of the header's 16-bit flags word (RFC 1035 §4.1.1). */
export const Flag = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  /** EDNS0's DNSSEC OK bit, in the OPT record's TTL field (RFC 3225). */
  DO: 0x8000,
} as const;

/** Header: ID, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT — six 16-bit words. */
export const HEADER_SIZE = 12;

/** A UDP answer without EDNS0 must fit here, or it is cut and flagged TC (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_SIZE = 512;

/**
 * A name is at most 255 octets on the wire and a label at most 63 (RFC 1035 §2.3.4); a label
 * length byte with either top bit set is a pointer (11) or a reserved extended type (01, 10).
 */
export const MAX_NAME_OCTETS = 255;
export const MAX_LABEL_OCTETS = 63;

/** An OPT record with no options: root name (1), type, class, TTL, RDLENGTH (2+2+4+2). */
export const OPT_RECORD_SIZE = 11;

export type RRTypeNumber = (typeof RRType)[keyof typeof RRType];
export type RcodeNumber = (typeof Rcode)[keyof typeof Rcode];

/** "A", "SRV", ... for logs and errors; a number for types without a name here. */
export function typeName(type: number): string {
  for (const [name, value] of Object.entries(RRType)) if (value === type) return name;
  return `TYPE${type}`;
}
