/**
 * Resource records as cluster DNS builds them, before they are written to the wire: an owner
 * name, a TTL and typed data. All live in class IN. Names are in presentation form without the
 * final dot ("web.default.svc.cluster.local").
 */
import { RRType } from "./constants.ts";

export type RecordData =
  | { type: typeof RRType.A; address: string }
  | { type: typeof RRType.AAAA; address: string }
  | { type: typeof RRType.CNAME | typeof RRType.PTR | typeof RRType.NS; target: string }
  | {
      type: typeof RRType.SRV;
      priority: number;
      /** Share among records of the same priority (RFC 2782). */
      weight: number;
      port: number;
      target: string;
    }
  | {
      type: typeof RRType.SOA;
      /** The primary name server. */
      mname: string;
      /** The responsible mailbox, '@' written as the first '.'. */
      rname: string;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      /** How long a resolver may cache a negative answer (RFC 2308 §5). */
      minimum: number;
    }
  | { type: typeof RRType.TXT; texts: string[] };

export interface ResourceRecord {
  name: string;
  ttl: number;
  data: RecordData;
}

export const aRecord = (name: string, ttl: number, address: string): ResourceRecord => ({
  name,
  ttl,
  data: { type: RRType.A, address },
});

export const aaaaRecord = (name: string, ttl: number, address: string): ResourceRecord => ({
  name,
  ttl,
  data: { type: RRType.AAAA, address },
});
