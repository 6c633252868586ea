import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rcode, RRType } from "./constants.ts";
import { decodeMessage } from "./decode.ts";
import { encodeQuery } from "./encode.ts";
import { FrameReader, frame } from "./framing.ts";
import { ClusterDnsHandler, type QueryHandler } from "./handler.ts";
import { choosePort, DnsServer } from "./server.ts";
import { testClusterState } from "./testing.ts";

/**
 * Sends `packets` in order from one UDP socket to `port` and resolves with the first datagram
 * that comes back — so packets that get no answer show up as the answer of a later one.
 */
function udpAsk(port: number, ...packets: Buffer[]): Promise<Buffer> {
  const socket = createSocket("udp4");
  return new Promise((resolve) => {
    socket.on("message", (message) => {
      socket.close();
      resolve(message);
    });
    for (const packet of packets) socket.send(packet, port, "127.96.0.10");
  });
}

/** A TCP connection that sends raw bytes and collects framed answers. */
async function tcpClient(port: number): Promise<{ socket: Socket; next(): Promise<Buffer> }> {
  const socket = connect({ host: "127.96.0.10", port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const reader = new FrameReader();
  const ready: Buffer[] = [];
  const waiting: ((b: Buffer) => void)[] = [];
  socket.on("data", (chunk: Buffer) => {
    for (const message of reader.push(chunk)) {
      const waiter = waiting.shift();
      if (waiter) waiter(Buffer.from(message));
      else ready.push(Buffer.from(message));
    }
  });
  return {
    socket,
    next: () => {
      const message = ready.shift();
      return message ? Promise.resolve(message) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

const query = (id: number, name = "web.default.svc.cluster.local") =>
  encodeQuery({ id, name, type: RRType.A });

describe("DnsServer", () => {
  const logs: string[] = [];
  const cluster = new ClusterDnsHandler(testClusterState());
  /** Throws for query ID 3, standing in for a bug in answering one query. */
  const handler: QueryHandler = {
    answer(packet, transport) {
      if (packet.length >= 12 && packet.readUInt16BE(0) === 3) throw new Error("handler bug");
      return cluster.answer(packet, transport);
    },
  };
  const server = new DnsServer({
    handler,
    port: 0,
    tcpIdleTimeoutMs: 60_000,
    log: (l) => logs.push(l),
  });
  let port: number;
  beforeAll(async () => {
    ({ port } = await server.start());
  });
  afterAll(() => server.stop());

  it("serves UDP and TCP on the same port of 127.96.0.10", async () => {
    expect(server.address).toEqual({ address: "127.96.0.10", port });
    const udp = await udpAsk(port, query(1));
    expect(decodeMessage(udp).answers[0]?.data).toEqual({ address: "127.96.0.20" });
    const client = await tcpClient(port);
    client.socket.write(frame(query(2)));
    expect(decodeMessage(await client.next())).toMatchObject({ id: 2, rcode: Rcode.NOERROR });
    client.socket.destroy();
  });

  it("answers a UDP client that sent garbage first, and survives a handler that throws", async () => {
    // Both the first (too short to answer) and the second (the handler throws) get nothing.
    const answer = await udpAsk(port, Buffer.from("garbage!"), query(3), query(4));
    expect(decodeMessage(answer)).toMatchObject({ id: 4, rcode: Rcode.NOERROR });
    expect(logs.some((l) => l.includes("handler bug"))).toBe(true);
  });

  it("keeps a TCP connection serving after garbage, split frames and pipelined queries", async () => {
    const client = await tcpClient(port);
    client.socket.write(frame(Buffer.from([0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f])));
    expect(decodeMessage(await client.next())).toMatchObject({ id: 0xabcd, rcode: Rcode.FORMERR });
    const two = Buffer.concat([frame(query(5)), frame(query(6, "nope.default.svc.cluster.local"))]);
    client.socket.write(two.subarray(0, 7));
    client.socket.write(two.subarray(7));
    const answers = [decodeMessage(await client.next()), decodeMessage(await client.next())];
    expect(answers.map((a) => [a.id, a.rcode]).sort()).toEqual([
      [5, Rcode.NOERROR],
      [6, Rcode.NXDOMAIN],
    ]);
    client.socket.destroy();
  });

  it("serves others while a TCP client connects and sends nothing", async () => {
    const idle = await tcpClient(port);
    const answer = await udpAsk(port, query(7));
    expect(decodeMessage(answer).id).toBe(7);
    const other = await tcpClient(port);
    other.socket.write(frame(query(8)));
    expect(decodeMessage(await other.next()).id).toBe(8);
    idle.socket.destroy();
    other.socket.destroy();
  });

  it("closes a TCP connection left idle past its timeout", async () => {
    const quick = new DnsServer({ handler, port: 0, tcpIdleTimeoutMs: 50, log: () => {} });
    const bound = await quick.start();
    const client = await tcpClient(bound.port);
    await new Promise<void>((resolve) => client.socket.once("close", () => resolve()));
    await quick.stop();
  });
});

describe("choosePort", () => {
  const denied = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

  it("falls back to 1053 when 53 is not permitted, saying so once", async () => {
    const tried: number[] = [];
    const logs: string[] = [];
    const port = await choosePort({
      port: undefined,
      fallbackPort: 1053,
      address: "127.96.0.10",
      tryPort: async (p) => {
        tried.push(p);
        if (p < 1024) throw denied("EACCES");
        return p;
      },
      log: (l) => logs.push(l),
    });
    expect(port).toBe(1053);
    expect(tried).toEqual([53, 1053]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain("net.ipv4.ip_unprivileged_port_start=0");
    expect(logs[0]).toContain("127.96.0.10:1053");
  });

  it("uses 53 when it may, and an explicit port without any fallback", async () => {
    const ok = async (p: number) => p;
    expect(
      await choosePort({
        port: undefined,
        fallbackPort: 1053,
        address: "a",
        tryPort: ok,
        log: () => {},
      }),
    ).toBe(53);
    await expect(
      choosePort({
        port: 53,
        fallbackPort: 1053,
        address: "127.96.0.10",
        tryPort: async () => {
          throw denied("EACCES");
        },
        log: () => {},
      }),
    ).rejects.toThrow("EACCES");
  });

  it("explains an address the machine does not have", async () => {
    await expect(
      choosePort({
        port: undefined,
        fallbackPort: 1053,
        address: "127.96.0.10",
        tryPort: async () => {
          throw denied("EADDRNOTAVAIL");
        },
        log: () => {},
      }),
    ).rejects.toThrow(/no address 127\.96\.0\.10 \(EADDRNOTAVAIL\)/);
  });
});
