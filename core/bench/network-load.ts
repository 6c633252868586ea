/**
 * The network benchmark's own clients, run in the benchmark's process: a bulk receiver and echo
 * round trips for the kube-proxy part, and the load generators the DNS and ingress parts fall
 * back on when dnsperf or wrk is not installed. Each drives both sides of a comparison the same
 * way, so whatever it costs is paid alike by both.
 *
 * Guarantees:
 * - Only complete answers count: a transfer must deliver every byte asked, a round trip its whole
 *   echo, a DNS answer must carry the query's ID, an HTTP response must end.
 * - The load generators are closed loops with a fixed number in flight, as dnsperf (-q) and wrk
 *   (-c) are: a server answers as fast as it can, and its rate is the measure.
 * - Every socket they open is closed before they resolve.
 */
import { createSocket } from "node:dgram";
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { RRType } from "../src/dns/constants.ts";
import { encodeQuery } from "../src/dns/encode.ts";
import { ECHO_BYTES } from "./network-workload.ts";

// #region tcp
/** Asks the bulk source at host:port for `bytes` bytes; the seconds from connect to the last. */
export function transfer(host: string, port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let received = 0;
    const socket = connect({ host, port, noDelay: true });
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.once("error", reject);
    socket.once("end", () => {
      const seconds = (performance.now() - started) / 1000;
      socket.destroy();
      if (received === bytes) resolve(seconds);
      else reject(new Error(`expected ${bytes} bytes from ${host}:${port}, got ${received}`));
    });
    socket.write(`${bytes}\n`);
  });
}

const MESSAGE = Buffer.alloc(ECHO_BYTES, 0x62);

/** A connected socket whose `echo()` sends a message and resolves when it has all come back. */
function echoer(socket: Socket) {
  let received = 0;
  let waiting: (() => void) | undefined;
  socket.on("data", (chunk: Buffer) => {
    received += chunk.length;
    if (received >= ECHO_BYTES && waiting) {
      received -= ECHO_BYTES;
      const done = waiting;
      waiting = undefined;
      done();
    }
  });
  return () =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      socket.write(MESSAGE);
    });
}

function connected(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.end();
  });
}

/** `count` round trips over one connection, one at a time; each one's milliseconds. */
export async function keptRoundTrips(host: string, port: number, count: number): Promise<number[]> {
  const socket = await connected(host, port);
  const failed = new Promise<never>((_, reject) => socket.once("error", reject));
  const echo = echoer(socket);
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await Promise.race([echo(), failed]);
    latencies.push(performance.now() - t);
  }
  await closed(socket);
  return latencies;
}

/**
 * `count` round trips, each on a connection of its own: from the connect to the whole echo, the
 * handshake included (through the proxy: two handshakes). Each connection is closed before the
 * next opens, so no teardown overlaps a measurement.
 */
export async function freshRoundTrips(
  host: string,
  port: number,
  count: number,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const socket = await connected(host, port);
    const failed = new Promise<never>((_, reject) => socket.once("error", reject));
    await Promise.race([echoer(socket)(), failed]);
    latencies.push(performance.now() - t);
    await closed(socket);
  }
  return latencies;
}
// #endregion tcp

export interface LoadResult {
  /** Answers (DNS) or 2xx responses (HTTP) per second of the run. */
  perSecond: number;
  completed: number;
  /** DNS: no answer within the timeout. HTTP: a status other than 2xx, or a broken connection. */
  failed: number;
}

/** One server's load runs: what they got, and the CPU the server spent on them. */
export interface ServerLoad extends LoadResult {
  /** CPU seconds, user and system, over the runs; and the runs' seconds. */
  cpuSeconds: number;
  seconds: number;
}

/** How long a DNS query may go unanswered before it counts as lost: dnsperf's -t is 5 s. */
const DNS_TIMEOUT_MS = 1_000;
/** How often unanswered queries are looked for. */
const DNS_SWEEP_MS = 100;
/** A receive buffer for a burst of 100 answers and more, well over Linux's 208 KiB default. */
const UDP_BUFFER_BYTES = 4 * 1024 * 1024;

// #region dnsLoad
/**
 * dnsperf's way, in Node: A queries for `names` in turn from one UDP socket, `inFlight` at a time,
 * each answer (or each loss after 1 s) sending the next, for `seconds`; then the stragglers get
 * their timeout. IDs run 0..65535 in turn: with 100 in flight an ID is reused only after 65,436
 * others, long after its query has been answered or lost.
 */
export async function dnsLoad(options: {
  address: string;
  port: number;
  names: string[];
  seconds: number;
  inFlight: number;
}): Promise<LoadResult> {
  const queries = options.names.map((name) =>
    Buffer.from(encodeQuery({ id: 0, name, type: RRType.A })),
  );
  const sentAt = new Float64Array(65_536);
  let nextId = 0;
  let nextName = 0;
  let outstanding = 0;
  let completed = 0;
  let failed = 0;
  let sending = true;
  const socket = createSocket({ type: "udp4", recvBufferSize: UDP_BUFFER_BYTES });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  let allDone = () => {};
  const done = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const sendOne = () => {
    if (!sending) {
      if (outstanding === 0) allDone();
      return;
    }
    const id = nextId;
    nextId = (nextId + 1) & 0xffff;
    const query = queries[nextName] as Buffer;
    nextName = (nextName + 1) % queries.length;
    query.writeUInt16BE(id, 0);
    sentAt[id] = performance.now();
    outstanding++;
    socket.send(query, options.port, options.address);
  };
  socket.on("message", (answer: Buffer) => {
    const id = answer.readUInt16BE(0);
    if (sentAt[id] === 0) return;
    sentAt[id] = 0;
    outstanding--;
    completed++;
    sendOne();
  });
  const sweep = setInterval(() => {
    const now = performance.now();
    for (let id = 0; id < sentAt.length; id++) {
      const t = sentAt[id] as number;
      if (t !== 0 && now - t > DNS_TIMEOUT_MS) {
        sentAt[id] = 0;
        outstanding--;
        failed++;
        sendOne();
      }
    }
  }, DNS_SWEEP_MS);
  const started = performance.now();
  for (let i = 0; i < options.inFlight; i++) sendOne();
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  const seconds = (performance.now() - started) / 1000;
  const answered = completed;
  sending = false;
  if (outstanding === 0) allDone();
  await done;
  clearInterval(sweep);
  await new Promise<void>((resolve) => socket.close(resolve));
  return { perSecond: answered / seconds, completed: answered, failed };
}
// #endregion dnsLoad

// #region httpLoad
/**
 * wrk's way, in Node: `connections` keep-alive connections, each sending its next GET as soon as
 * the last response has ended, the requests' Host and path taken from `targets` in turn, for
 * `seconds`.
 */
export async function httpLoad(options: {
  address: string;
  port: number;
  targets: { host: string; path: string }[];
  seconds: number;
  connections: number;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  let next = 0;
  let completed = 0;
  let failed = 0;
  const started = performance.now();
  const until = started + options.seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const target = options.targets[next] as { host: string; path: string };
      next = (next + 1) % options.targets.length;
      const req = request(
        {
          host: options.address,
          port: options.port,
          path: target.path,
          headers: { host: target.host },
          agent,
        },
        (res) => {
          res.resume();
          res.once("end", () => {
            if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300)
              completed++;
            else failed++;
            resolve();
          });
        },
      );
      req.once("error", () => {
        failed++;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { perSecond: completed / seconds, completed, failed };
}
// #endregion httpLoad
