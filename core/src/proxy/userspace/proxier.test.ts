import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { realClock } from "../../util/clock.ts";
import { ProxyState } from "../state.ts";
import { makeService, makeSlice } from "../testing.ts";
import {
  exchange,
  exchangeOutcome,
  startTcpBackend,
  startUdpBackend,
  type TcpBackend,
  udpClient,
  until,
} from "../testing-net.ts";
import { UserspaceProxier } from "./proxier.ts";

const NODE = "127.1.203.1";
const WEB_IP = "127.96.203.1";
const POD = (n: number) => `127.128.203.${n}`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const logs: string[] = [];
  const proxier = new UserspaceProxier({
    nodeAddress: NODE,
    clock: realClock,
    log: (line) => logs.push(line),
    random: () => 0.999_999,
  });
  cleanups.push(() => proxier.stop());
  const state = new ProxyState("node-1");
  const sync = () => proxier.sync(state, state.applyChanges().updatedServices);
  return { proxier, state, logs, sync };
}

async function backends(n: number): Promise<TcpBackend[]> {
  const list = await Promise.all(
    Array.from({ length: n }, (_, i) => startTcpBackend(POD(i + 1), `pod${i + 1}`, 18080)),
  );
  for (const b of list) cleanups.push(() => b.close());
  return list;
}

const web = (port = 18000, extra: Record<string, unknown> = {}) =>
  makeService("d/web", WEB_IP, [{ name: "http", port, nodePort: 30080 }], {
    type: "NodePort",
    ...extra,
  });
const slice = (...endpoints: Parameters<typeof makeSlice>[3]) =>
  makeSlice("d/web-1", "web", [{ name: "http", port: 18080 }], endpoints);

describe("UserspaceProxier", () => {
  it("listens on the cluster IP and the node's NodePort, both reaching the endpoints", async () => {
    await backends(2);
    const { state, sync, proxier } = await setup();
    state.onService(undefined, web());
    state.onEndpointSlice(slice(POD(1), POD(2)), false);
    await sync();
    const replies = [
      await exchange(WEB_IP, 18000),
      await exchange(WEB_IP, 18000),
      await exchange(NODE, 30080),
      await exchange(NODE, 30080),
    ];
    expect(replies.sort()).toEqual(["pod1:ping", "pod1:ping", "pod2:ping", "pod2:ping"]);
    expect(proxier.counters("d/web:http")?.connections).toBe(4);
  });

  it("adds new endpoints to the rotation and takes not-ready ones out", async () => {
    await backends(3);
    const { state, sync } = await setup();
    state.onService(undefined, web());
    state.onEndpointSlice(slice(POD(1)), false);
    await sync();
    expect(await exchange(WEB_IP, 18000)).toBe("pod1:ping");
    state.onEndpointSlice(slice(POD(1), POD(2), POD(3)), false);
    await sync();
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) seen.add(await exchange(WEB_IP, 18000));
    expect([...seen].sort()).toEqual(["pod1:ping", "pod2:ping", "pod3:ping"]);
    state.onEndpointSlice(slice(POD(1), { ip: POD(2), ready: false }, POD(3)), false);
    await sync();
    const after = new Set<string>();
    for (let i = 0; i < 4; i++) after.add(await exchange(WEB_IP, 18000));
    expect([...after].sort()).toEqual(["pod1:ping", "pod3:ping"]);
  });

  it("lets a terminating endpoint's connections drain, and closes those of one removed", async () => {
    await backends(2);
    const { state, sync, proxier, logs } = await setup();
    state.onService(undefined, web());
    state.onEndpointSlice(slice(POD(1), POD(2)), false);
    await sync();
    const open = [0, 1].map(() => {
      const s = connect({ host: WEB_IP, port: 18000 });
      s.on("error", () => {});
      cleanups.push(() => {
        s.destroy();
      });
      return s;
    });
    await until(() => proxier.counters("d/web:http")?.active === 2, "two open connections");
    state.onEndpointSlice(
      slice(POD(1), { ip: POD(2), ready: false, serving: true, terminating: true }),
      false,
    );
    await sync();
    expect(open.every((s) => !s.destroyed)).toBe(true);
    state.onEndpointSlice(slice(POD(1)), false);
    await sync();
    await until(
      () => proxier.counters("d/web:http")?.active === 1,
      "the removed endpoint's connection to close",
    );
    expect(proxier.counters("d/web:http")?.closedEndpointGone).toBe(1);
    expect(logs.some((l) => l.includes("closed 1 connection(s) to endpoints that left"))).toBe(
      true,
    );
  });

  it("refuses clearly without endpoints, logging once per run of refusals", async () => {
    const { state, sync, logs } = await setup();
    state.onService(undefined, web());
    await sync();
    expect(await exchangeOutcome(WEB_IP, 18000)).toBe("ECONNRESET");
    expect(await exchangeOutcome(NODE, 30080)).toBe("ECONNRESET");
    expect(logs.filter((l) => l.includes("has no endpoints"))).toEqual([
      `[kube-proxy] d/web:http has no endpoints: refusing TCP clients of ${WEB_IP}:18000 (reset)`,
    ]);
  });

  it("moves its socket when the port changes and closes it when the Service goes", async () => {
    await backends(1);
    const { state, sync } = await setup();
    state.onService(undefined, web());
    state.onEndpointSlice(slice(POD(1)), false);
    await sync();
    state.onService(web(), web(18001));
    await sync();
    expect(await exchangeOutcome(WEB_IP, 18000)).toBe("ECONNREFUSED");
    expect(await exchange(WEB_IP, 18001)).toBe("pod1:ping");
    state.onService(web(18001), undefined);
    await sync();
    expect(await exchangeOutcome(WEB_IP, 18001)).toBe("ECONNREFUSED");
    expect(await exchangeOutcome(NODE, 30080)).toBe("ECONNREFUSED");
  });

  it("logs a port it cannot bind once, and binds it at a later sync once free", async () => {
    const squatter = await startTcpBackend(WEB_IP, "squatter", 18000);
    await backends(1);
    const { state, sync, logs } = await setup();
    state.onService(undefined, web());
    state.onEndpointSlice(slice(POD(1)), false);
    await sync();
    await sync();
    expect(logs.filter((l) => l.includes("cannot listen"))).toEqual([
      `[kube-proxy] d/web:http: cannot listen on ${WEB_IP}:18000/TCP: EADDRINUSE: another process holds this address and port; retrying at each sync`,
    ]);
    await squatter.close();
    await sync();
    expect(await exchange(WEB_IP, 18000)).toBe("pod1:ping");
  });

  it("proxies UDP Services", async () => {
    const dns = await startUdpBackend(POD(7), "dns");
    cleanups.push(() => dns.close());
    const { state, sync, proxier } = await setup();
    state.onService(
      undefined,
      makeService("k/dns", "127.96.203.10", [{ name: "dns", port: 18053, protocol: "UDP" }]),
    );
    state.onEndpointSlice(
      makeSlice("k/dns-1", "dns", [{ name: "dns", port: dns.port, protocol: "UDP" }], [POD(7)]),
      false,
    );
    await sync();
    const client = await udpClient();
    cleanups.push(() => client.close());
    expect(await client.send("127.96.203.10", 18053, "query")).toBe("dns:query");
    expect(proxier.counters("k/dns:dns", "UDP")?.datagramsOut).toBe(1);
  });
});
