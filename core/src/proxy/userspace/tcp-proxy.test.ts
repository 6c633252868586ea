import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { realClock } from "../../util/clock.ts";
import {
  exchange,
  exchangeOutcome,
  startTcpBackend,
  type TcpBackend,
  until,
} from "../testing-net.ts";
import { newCounters, type ProxyTarget } from "./counters.ts";
import { RoundRobinBalancer } from "./round-robin.ts";
import { TcpProxySocket } from "./tcp-proxy.ts";

const SERVICE_IP = "127.96.201.1";
const POD = (n: number) => `127.128.201.${n}`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(endpoints: string[]) {
  const balancer = new RoundRobinBalancer({ clock: realClock, random: () => 0.999_999 });
  balancer.setEndpoints("web", endpoints);
  const refusals: string[] = [];
  const target: ProxyTarget = {
    key: "web",
    name: "d/web:http",
    counters: newCounters(),
    nextEndpoint: (ip, reset) => balancer.nextEndpoint("web", ip, reset),
    refused: (protocol, address) => refusals.push(`${protocol} ${address}`),
  };
  const socket = new TcpProxySocket({ address: SERVICE_IP, port: 0, target, clock: realClock });
  await socket.listen();
  cleanups.push(() => socket.close());
  return { socket, target, balancer, refusals, port: socket.boundPort };
}

/** One backend per name, on pod addresses .1, .2, ... */
async function backends<N extends string[]>(...names: N): Promise<{ [K in keyof N]: TcpBackend }> {
  const list = await Promise.all(names.map((name, i) => startTcpBackend(POD(i + 1), name)));
  for (const b of list) cleanups.push(() => b.close());
  return list as { [K in keyof N]: TcpBackend };
}

describe("TcpProxySocket", () => {
  it("sends connections to the endpoints in turn, bytes whole both ways, half-close included", async () => {
    const [a, b, c] = await backends("a", "b", "c");
    const { port, target } = await setup([a.hostPort, b.hostPort, c.hostPort]);
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await exchange(SERVICE_IP, port, `req${i}`));
    expect(replies).toEqual(["a:req0", "b:req1", "c:req2", "a:req3", "b:req4", "c:req5"]);
    await until(() => target.counters.active === 0, "connections to close");
    expect(target.counters).toMatchObject({ connections: 6, noEndpoints: 0, dialFailures: 0 });
    expect(target.counters.byEndpoint).toEqual({
      [a.hostPort]: 2,
      [b.hostPort]: 2,
      [c.hostPort]: 2,
    });
    expect(target.counters.bytesIn).toBe(24);
    expect(target.counters.bytesOut).toBe(36);
  });

  it("carries a megabyte through the pipes with backpressure", async () => {
    const [a] = await backends("a");
    const { port } = await setup([a.hostPort]);
    const big = "x".repeat(1 << 20);
    const reply = await exchange(SERVICE_IP, port, big);
    expect(reply.length).toBe(2 + (1 << 20));
  });

  it("resets a client at once when there is no endpoint, and says so", async () => {
    const { port, target, refusals } = await setup([]);
    expect(await exchangeOutcome(SERVICE_IP, port)).toBe("ECONNRESET");
    expect(target.counters.noEndpoints).toBe(1);
    expect(refusals).toEqual([`TCP ${SERVICE_IP}:0`]);
  });

  it("tries the next endpoint when one refuses, with affinity reset", async () => {
    const [a] = await backends("a");
    const dead = await startTcpBackend(POD(9), "dead");
    await dead.close();
    const { port, target } = await setup([dead.hostPort, a.hostPort]);
    expect(await exchange(SERVICE_IP, port)).toBe("a:ping");
    expect(target.counters.dialFailures).toBe(1);
  });

  it("resets the client when its backend resets, and keeps serving others", async () => {
    const [a] = await backends("a");
    const { port } = await setup([a.hostPort]);
    a.resetAll = true;
    expect(await exchangeOutcome(SERVICE_IP, port)).toBe("ECONNRESET");
    a.resetAll = false;
    expect(await exchange(SERVICE_IP, port)).toBe("a:ping");
  });

  it("serves others while a client connects and sends nothing", async () => {
    const [a] = await backends("a");
    const { port, target } = await setup([a.hostPort]);
    const silent = connect({ host: SERVICE_IP, port });
    silent.on("error", () => {});
    cleanups.push(() => {
      silent.destroy();
    });
    await until(() => target.counters.active === 1, "the silent client to be spliced");
    expect(await exchange(SERVICE_IP, port)).toBe("a:ping");
    expect(target.counters.active).toBe(1);
  });

  it("resets the connections of an endpoint that left, and only those", async () => {
    const [a, b] = await backends("a", "b");
    const { port, socket, target } = await setup([a.hostPort, b.hostPort]);
    const outcomes: string[] = [];
    const open = [0, 1].map(() => {
      const s = connect({ host: SERVICE_IP, port });
      s.on("error", (e: NodeJS.ErrnoException) => outcomes.push(e.code ?? "error"));
      cleanups.push(() => {
        s.destroy();
      });
      return s;
    });
    await until(() => target.counters.active === 2, "two spliced connections");
    expect(socket.closeEndpointsNotIn(new Set([b.hostPort]))).toBe(1);
    await until(() => outcomes.length === 1, "one client to see the reset");
    expect(outcomes).toEqual(["ECONNRESET"]);
    expect(open.filter((s) => !s.destroyed)).toHaveLength(1);
    expect(target.counters.closedEndpointGone).toBe(1);
  });

  it("refuses connections once closed", async () => {
    const [a] = await backends("a");
    const { port, socket } = await setup([a.hostPort]);
    await socket.close();
    expect(await exchangeOutcome(SERVICE_IP, port)).toBe("ECONNREFUSED");
  });

  it("reports a port it cannot bind", async () => {
    const [a] = await backends("a");
    const balancer = new RoundRobinBalancer({ clock: realClock });
    const target: ProxyTarget = {
      key: "web",
      name: "d/web",
      counters: newCounters(),
      nextEndpoint: (ip, reset) => balancer.nextEndpoint("web", ip, reset),
      refused: () => {},
    };
    const socket = new TcpProxySocket({
      address: a.address,
      port: a.port,
      target,
      clock: realClock,
    });
    await expect(socket.listen()).rejects.toMatchObject({ code: "EADDRINUSE" });
    await socket.close();
  });
});
