import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.ts";
import { RRType } from "./constants.ts";
import { encodeQuery } from "./encode.ts";
import { Forwarder } from "./forward.ts";

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

/** A UDP upstream on 127.0.0.1 that answers each query through `reply`. */
async function upstream(reply: (query: Buffer) => Buffer[]): Promise<number> {
  const socket = createSocket("udp4");
  sockets.push(socket);
  socket.on("message", (query, from) => {
    for (const answer of reply(query)) socket.send(answer, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return socket.address().port;
}

/** The query turned into a response: QR set, same ID unless `id` says otherwise. */
function responseTo(query: Buffer, id = query.readUInt16BE(0)): Buffer {
  const answer = Buffer.from(query);
  answer.writeUInt16BE(id, 0);
  answer[2] = (answer[2] as number) | 0x80;
  return answer;
}

describe("Forwarder", () => {
  it("ignores a datagram with another query's ID and takes the one that matches", async () => {
    const port = await upstream((q) => [responseTo(q, 0xffff), responseTo(q)]);
    const forwarder = new Forwarder({ upstreams: [{ host: "127.0.0.1", port }] });
    const query = encodeQuery({ id: 0x1234, name: "example.org", type: RRType.A });
    const answer = await forwarder.exchange(query, "udp");
    expect(answer.readUInt16BE(0)).toBe(0x1234);
  });

  it("tries the next upstream when one stays silent, and names every failure when all do", async () => {
    const clock = new FakeClock();
    const silent = await upstream(() => []);
    const good = await upstream((q) => [responseTo(q)]);
    const query = encodeQuery({ id: 1, name: "example.org", type: RRType.A });
    const forwarder = new Forwarder({
      upstreams: [
        { host: "127.0.0.1", port: silent },
        { host: "127.0.0.1", port: good },
      ],
      clock,
    });
    const pending = forwarder.exchange(query, "udp");
    clock.advance(2_000);
    expect((await pending).readUInt16BE(0)).toBe(1);

    const none = new Forwarder({
      upstreams: [{ host: "127.0.0.1", port: silent }],
      clock,
      timeoutMs: 500,
    });
    const failing = none.exchange(query, "udp");
    clock.advance(500);
    await expect(failing).rejects.toThrow(
      `no upstream answered: 127.0.0.1:${silent}: no answer within 500 ms`,
    );
  });

  it("needs at least one upstream", () => {
    expect(() => new Forwarder({ upstreams: [] })).toThrow(/at least one upstream/);
  });
});
