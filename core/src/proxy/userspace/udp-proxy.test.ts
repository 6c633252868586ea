import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { startUdpBackend, type UdpBackend, udpClient, until } from "../testing-net.ts";
import { newCounters, type ProxyTarget } from "./counters.ts";
import { RoundRobinBalancer } from "./round-robin.ts";
import { UdpProxySocket } from "./udp-proxy.ts";

const SERVICE_IP = "127.96.202.1";
const POD = (n: number) => `127.128.202.${n}`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(endpoints: string[]) {
  const clock = new FakeClock();
  const balancer = new RoundRobinBalancer({ clock, random: () => 0.999_999 });
  balancer.setEndpoints("dns", endpoints);
  const refusals: string[] = [];
  const target: ProxyTarget = {
    key: "dns",
    name: "kube-system/kube-dns:dns",
    counters: newCounters(),
    nextEndpoint: (ip, reset) => balancer.nextEndpoint("dns", ip, reset),
    refused: (protocol) => refusals.push(protocol),
  };
  const socket = new UdpProxySocket({ address: SERVICE_IP, port: 0, target, clock });
  await socket.listen();
  cleanups.push(() => socket.close());
  return { clock, socket, target, balancer, refusals, port: socket.boundPort };
}

/** One backend per name, on pod addresses .1, .2, ... */
async function backends<N extends string[]>(...names: N): Promise<{ [K in keyof N]: UdpBackend }> {
  const list = await Promise.all(names.map((name, i) => startUdpBackend(POD(i + 1), name)));
  for (const b of list) cleanups.push(() => b.close());
  return list as { [K in keyof N]: UdpBackend };
}

async function client() {
  const c = await udpClient();
  cleanups.push(() => c.close());
  return c;
}

describe("UdpProxySocket", () => {
  it("keeps a flow per client: its datagrams all reach one endpoint, others take the next", async () => {
    const [a, b] = await backends("a", "b");
    const { port, target, socket } = await setup([a.hostPort, b.hostPort]);
    const one = await client();
    const two = await client();
    expect(await one.send(SERVICE_IP, port, "q1")).toBe("a:q1");
    expect(await one.send(SERVICE_IP, port, "q2")).toBe("a:q2");
    expect(await two.send(SERVICE_IP, port, "q3")).toBe("b:q3");
    expect(socket.flowCount).toBe(2);
    expect(target.counters).toMatchObject({
      connections: 2,
      active: 2,
      datagramsIn: 3,
      datagramsOut: 3,
    });
  });

  it("closes a flow quiet for the idle timeout (250 ms); the next datagram starts a new one", async () => {
    const [a, b] = await backends("a", "b");
    const { port, clock, socket } = await setup([a.hostPort, b.hostPort]);
    const one = await client();
    expect(await one.send(SERVICE_IP, port, "q1")).toBe("a:q1");
    clock.advance(249);
    expect(socket.flowCount).toBe(1);
    clock.advance(1);
    expect(socket.flowCount).toBe(0);
    expect(await one.send(SERVICE_IP, port, "q2")).toBe("b:q2");
  });

  it("keeps a flow that stays busy past the timeout", async () => {
    const [a] = await backends("a");
    const { port, clock, socket } = await setup([a.hostPort]);
    const one = await client();
    await one.send(SERVICE_IP, port, "q1");
    clock.advance(200);
    await one.send(SERVICE_IP, port, "q2");
    clock.advance(200);
    expect(socket.flowCount).toBe(1);
    clock.advance(50);
    expect(socket.flowCount).toBe(0);
  });

  it("drops datagrams when there is no endpoint, counting them", async () => {
    const { port, target, refusals } = await setup([]);
    const one = await client();
    await expect(one.send(SERVICE_IP, port, "q", 200)).rejects.toThrow(/no UDP reply/);
    expect(target.counters.noEndpoints).toBe(1);
    expect(refusals).toEqual(["UDP"]);
  });

  it("closes the flows of an endpoint that left", async () => {
    const [a] = await backends("a");
    const { port, socket, target } = await setup([a.hostPort]);
    const one = await client();
    await one.send(SERVICE_IP, port, "q");
    expect(socket.closeEndpointsNotIn(new Set())).toBe(1);
    expect(socket.flowCount).toBe(0);
    expect(target.counters.closedEndpointGone).toBe(1);
  });

  it("closes a flow whose endpoint refuses (ICMP port unreachable)", async () => {
    const dead = await startUdpBackend(POD(9), "dead");
    await dead.close();
    const { port, socket } = await setup([dead.hostPort]);
    const one = await client();
    await expect(one.send(SERVICE_IP, port, "q", 300)).rejects.toThrow(/no UDP reply/);
    await until(() => socket.flowCount === 0, "the refused flow to close");
  });
});
