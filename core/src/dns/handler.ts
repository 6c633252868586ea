/**
 * From query bytes to answer bytes: the kubernetes plugin's ServeDNS (plugin/kubernetes/
 * handler.go) with the server's parsing, EDNS0 and truncation around it.
 *
 * Guarantees:
 * - Malformed input never throws out of `answer`: it gets FORMERR (or NOTIMP for an opcode other
 *   than QUERY), or no answer at all when there is no ID to answer to (parse.ts).
 * - An EDNS0 version other than 0 gets BADVERS (RFC 6891 §6.1.3); a class other than IN (or
 *   ANY) gets REFUSED: the cluster's names live in IN only; so does a zone transfer.
 * - Answers are authoritative (AA) and never claim recursion (no RA), as CoreDNS's plugin answers;
 *   NOERROR-without-records and NXDOMAIN carry the zone's SOA in the authority section.
 * - Before the informers have synced, a name that would be NXDOMAIN is SERVFAIL instead
 *   (CoreDNS: "If we haven't synchronized with the kubernetes cluster, return server failure"),
 *   so a resolver does not cache a Service as missing when it is only not yet known.
 * - Names outside the cluster zone, and unknown reverse names (kubeadm's Corefile says
 *   `fallthrough in-addr.arpa ip6.arpa`), go to the upstream when one is set. Without one, an
 *   outside name is SERVFAIL — what CoreDNS answers when the kubernetes plugin passes a query on
 *   and no plugin after it (kubeadm's `forward`, here removed) takes it.
 * - Precomputed answers: each distinct question's answer is encoded once and reused, byte for
 *   byte with the ID and the RD/CD bits patched, until the cluster state changes (its
 *   generation moves). Answers built from upstream data are never kept (their TTLs are not ours).
 */

import type { ClusterState } from "./cluster-state.ts";
import { CLASSIC_UDP_SIZE, Rcode, RRClass, RRType } from "./constants.ts";
import { type DecodedRecord, decodeMessage } from "./decode.ts";
import { encodeQuery, encodeResponse, MAX_MESSAGE_SIZE, type ResponseMessage } from "./encode.ts";
import type { Forwarder } from "./forward.ts";
import type { Query } from "./parse.ts";
import { parseQuery } from "./parse.ts";
import { type PodMode, type Resolution, resolve, soaRecord } from "./resolve.ts";
import type { ResourceRecord } from "./rr.ts";

export type Transport = "udp" | "tcp";

/** What a DNS server needs from whatever answers its queries. */
export interface QueryHandler {
  /** The bytes to send back, or undefined to send nothing. */
  answer(packet: Buffer, transport: Transport): Buffer | undefined | Promise<Buffer | undefined>;
}

export interface ClusterDnsHandlerOptions {
  /** Default "cluster.local" (the kubelet's --cluster-domain in kubeadm clusters). */
  clusterDomain?: string;
  /**
   * Seconds; default 30, as the issue asks. CoreDNS's kubernetes plugin defaults to 5
   * (`ttl` option, plugin/kubernetes/kubernetes.go defaultTTL) and allows 0..3600.
   */
  ttl?: number;
  /** Default "insecure": kubeadm's Corefile sets `pods insecure` (CoreDNS's default is disabled). */
  podMode?: PodMode;
  /** The DNS Service's address, answered for ns.dns.<zone>. */
  nameserverAddress?: string;
  /** Where names outside the cluster go; none by default. */
  forwarder?: Forwarder;
  /** Called with the reason a packet was dropped or rejected (for verbose logs). */
  onBadPacket?: (reason: string) => void;
}

/** Default answer TTL in seconds (issue 7); CoreDNS's default is 5. */
export const DEFAULT_TTL_SECONDS = 30;
/** Enough for every name of a large cluster; a flood of random names empties it, never grows it. */
const MAX_CACHED_ANSWERS = 10_000;

export class ClusterDnsHandler implements QueryHandler {
  private readonly clusterDomain: string;
  private readonly ttl: number;
  private readonly podMode: PodMode;
  /** Encoded answers with ID 0, for the state generation `cacheGeneration`. */
  private readonly cache = new Map<string, Buffer>();
  private cacheGeneration = -1;

  constructor(
    private readonly state: ClusterState,
    private readonly options: ClusterDnsHandlerOptions = {},
  ) {
    this.clusterDomain = (options.clusterDomain ?? "cluster.local")
      .toLowerCase()
      .replace(/\.$/, "");
    this.ttl = options.ttl ?? DEFAULT_TTL_SECONDS;
    if (!Number.isInteger(this.ttl) || this.ttl < 0 || this.ttl > 3600) {
      throw new Error(
        `ttl must be a whole number of seconds in 0..3600 (CoreDNS's range), got ${this.ttl}`,
      );
    }
    this.podMode = options.podMode ?? "insecure";
  }

  // #region answer
  /**
   * 1. Parse; drop or reject what is not a well-formed query.
   * 2. Serve a cached answer for the same question if the state has not changed since.
   * 3. Resolve against the cluster state; forward what is not ours.
   * 4. Encode within the transport's size limit, and keep the result if it is all ours.
   */
  answer(packet: Buffer, transport: Transport): Buffer | undefined | Promise<Buffer | undefined> {
    const parsed = parseQuery(packet);
    if (parsed.kind === "ignore") {
      this.options.onBadPacket?.(parsed.reason);
      return undefined;
    }
    if (parsed.kind === "reject") {
      this.options.onBadPacket?.(parsed.reason);
      return encodeResponse({
        id: parsed.id,
        requestFlags: parsed.flags,
        rcode: parsed.rcode,
        authoritative: false,
      });
    }
    const { query } = parsed;
    const question = packet.subarray(12, query.questionEnd);
    const maxSize = sizeLimit(query, transport);
    const base = {
      id: query.id,
      requestFlags: query.flags,
      question,
      edns: query.edns && { udpSize: query.edns.udpSize, dnssecOk: query.edns.dnssecOk },
    };
    if (query.edns && query.edns.version !== 0) {
      return encodeResponse({
        ...base,
        rcode: Rcode.BADVERS,
        authoritative: false,
        question: undefined,
      });
    }
    const qclass = query.question.class;
    const qtype = query.question.type;
    // Zone transfers need CoreDNS's `transfer` plugin, which kubeadm's Corefile does not load.
    const transfer = qtype === RRType.AXFR || qtype === RRType.IXFR;
    if ((qclass !== RRClass.IN && qclass !== RRClass.ANY) || transfer) {
      return encodeResponse({ ...base, rcode: Rcode.REFUSED, authoritative: false });
    }

    const { name, type, class: cls } = query.question;
    const key = `${name}\0${type}\0${cls}\0${maxSize}\0${query.edns?.dnssecOk ?? "-"}`;
    if (this.cacheGeneration !== this.state.generation) {
      this.cache.clear();
      this.cacheGeneration = this.state.generation;
    }
    const cached = this.cache.get(key);
    if (cached) return withRequestBits(cached, query);

    const resolution = resolve(query.question.lower, query.question.type, this.state, {
      clusterDomain: this.clusterDomain,
      ttl: this.ttl,
      podMode: this.podMode,
      nameserverAddress: this.options.nameserverAddress,
    });
    const forwarder = this.options.forwarder;
    const goesUpstream =
      resolution.kind === "outside" || (resolution.kind === "nxdomain" && resolution.reverse);
    if (goesUpstream && forwarder) {
      return forwarder
        .exchange(packet, transport)
        .catch(() => encodeResponse({ ...base, rcode: Rcode.SERVFAIL, authoritative: false }));
    }
    if (resolution.kind === "answer" && resolution.chase && forwarder) {
      return this.chase(resolution, base, maxSize, transport, forwarder);
    }
    const response = encodeResponse({ ...base, ...this.message(resolution) }, maxSize);
    if (this.cache.size >= MAX_CACHED_ANSWERS) this.cache.clear();
    this.cache.set(key, response);
    return withRequestBits(response, query);
  }
  // #endregion answer

  /** The rcode and sections for a resolution of our own. */
  private message(resolution: Resolution): Omit<ResponseMessage, "id" | "requestFlags"> {
    switch (resolution.kind) {
      case "outside":
        return { rcode: Rcode.SERVFAIL, authoritative: false };
      case "answer":
        return {
          rcode: Rcode.NOERROR,
          authoritative: true,
          answers: resolution.answers,
          additional: resolution.additional,
        };
      case "nodata":
        return {
          rcode: Rcode.NOERROR,
          authoritative: true,
          authority: [this.soa(resolution.zone)],
        };
      case "nxdomain":
        return {
          rcode: this.state.hasSynced() ? Rcode.NXDOMAIN : Rcode.SERVFAIL,
          authoritative: true,
          authority: [this.soa(resolution.zone)],
        };
    }
  }

  private soa(zone: string): ResourceRecord {
    return soaRecord(zone, this.state.modified, this.ttl);
  }

  /** The CNAME of an ExternalName, then what the upstream says its target is. */
  private async chase(
    resolution: Extract<Resolution, { kind: "answer" }>,
    base: Pick<ResponseMessage, "id" | "requestFlags" | "question" | "edns">,
    maxSize: number,
    transport: Transport,
    forwarder: Forwarder,
  ): Promise<Buffer> {
    const target = resolution.chase as { name: string; type: number };
    const upstreamAnswers: ResourceRecord[] = [];
    try {
      const reply = await forwarder.exchange(
        encodeQuery({ id: base.id, name: target.name, type: target.type }),
        transport,
      );
      for (const record of decodeMessage(reply).answers) {
        const typed = toResourceRecord(record);
        if (typed) upstreamAnswers.push(typed);
      }
    } catch {
      // The CNAME alone still answers: the client's resolver may follow it itself.
    }
    return encodeResponse(
      {
        ...base,
        rcode: Rcode.NOERROR,
        authoritative: true,
        answers: [...resolution.answers, ...upstreamAnswers],
      },
      maxSize,
    );
  }
}

/**
 * UDP answers must fit 512 bytes, or the requester's EDNS0 size if larger (miekg/dns
 * request.Size: max(512, advertised)); TCP answers any size up to 64 KiB.
 */
function sizeLimit(query: Query, transport: Transport): number {
  if (transport === "tcp") return MAX_MESSAGE_SIZE;
  return Math.max(CLASSIC_UDP_SIZE, query.edns?.udpSize ?? CLASSIC_UDP_SIZE);
}

/** A copy of a cached answer with this query's ID, RD and CD. */
function withRequestBits(cached: Buffer, query: Query): Buffer {
  const out = Buffer.from(cached);
  out.writeUInt16BE(query.id, 0);
  const rd = (query.flags >> 8) & 0x01;
  const cd = query.flags & 0x10;
  out[2] = ((out[2] as number) & ~0x01) | rd;
  out[3] = ((out[3] as number) & ~0x10) | cd;
  return out;
}

/** An upstream answer record we can write again; others (DNSSEC signatures, say) are dropped. */
function toResourceRecord(record: DecodedRecord): ResourceRecord | undefined {
  const data = { type: record.type, ...record.data } as ResourceRecord["data"];
  const known: number[] = [RRType.A, RRType.AAAA, RRType.CNAME, RRType.PTR, RRType.TXT];
  return known.includes(record.type) ? { name: record.name, ttl: record.ttl, data } : undefined;
}
