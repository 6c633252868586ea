/**
 * Asking the cluster DNS one question over UDP, as `dig` does, and printing the answer the way
 * dig prints it — so every line the chapter shows is what came back on the wire.
 *
 * Guarantees: one query, one answer (matched by ID) or an error after `timeoutMs`; the socket
 * is closed either way. Queries carry EDNS0 with a 1232-byte UDP size (the DNS Flag Day 2020
 * value dig and most resolvers send), so the chapter's answers are never truncated.
 */
import { createSocket } from "node:dgram";
import {
  type DecodedMessage,
  type DecodedRecord,
  decodeMessage,
  encodeQuery,
  Rcode,
  typeName,
} from "@tinykube/core/dns";

const EDNS_UDP_SIZE = 1232;

export interface DnsServerAddress {
  address: string;
  port: number;
}

let nextId = 1;

export async function ask(
  server: DnsServerAddress,
  name: string,
  type: number,
  timeoutMs = 2_000,
): Promise<DecodedMessage> {
  const id = nextId++ & 0xffff;
  const socket = createSocket("udp4");
  try {
    return await new Promise<DecodedMessage>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer from ${server.address}:${server.port} for ${name}`)),
        timeoutMs,
      );
      socket.on("error", reject);
      socket.on("message", (packet) => {
        const message = decodeMessage(packet);
        if (message.id !== id) return;
        clearTimeout(timer);
        resolve(message);
      });
      socket.send(
        encodeQuery({ id, name, type, ednsUdpSize: EDNS_UDP_SIZE }),
        server.port,
        server.address,
      );
    });
  } finally {
    socket.close();
  }
}

/** NOERROR, NXDOMAIN, SERVFAIL, ... */
export function rcodeName(rcode: number): string {
  for (const [name, value] of Object.entries(Rcode)) if (value === rcode) return name;
  return `RCODE${rcode}`;
}

/** One record as dig prints it: `web.default.svc.cluster.local. 30 IN A 127.96.8.20`. */
export function recordLine(record: DecodedRecord): string {
  return `${record.name}. ${record.ttl} IN ${typeName(record.type)} ${recordData(record)}`;
}

/** The data part only, as `dig +short` prints it. */
export function recordData(record: DecodedRecord): string {
  const d = record.data as Record<string, string | number | string[]>;
  switch (typeName(record.type)) {
    case "A":
    case "AAAA":
      return String(d.address);
    case "CNAME":
    case "PTR":
    case "NS":
      return `${d.target}.`;
    case "SRV":
      return `${d.priority} ${d.weight} ${d.port} ${d.target}.`;
    case "SOA":
      return `${d.mname}. ${d.rname}. ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    case "TXT":
      return (d.texts as string[]).map((t) => JSON.stringify(t)).join(" ");
    default:
      return JSON.stringify(d);
  }
}
