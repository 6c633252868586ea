/**
 * Test helpers for the prober: real servers on 127.0.0.1 with an ephemeral port, a port nothing
 * listens on, and a throwaway self-signed certificate for HTTPS (made for these tests only; the
 * prober does not verify certificates, so it needs no trust).
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";

const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgrYaXWXYzcXpIBbRm
xCOIbnsisPhcfjjFtHGwtoRyYXyhRANCAAQ5iUgbsKoiqaxl6ukDyI1DhGCFzAU0
iCbrF/1xoYrfIM9zxwU08/xG5NynG9RNeTQzRTLs4lIL9FZtBoEBjUal
-----END PRIVATE KEY-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBkzCCATmgAwIBAgIUHV0ZjPrc0UTx8U7cOCGQOJmu16wwCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTdGlueWt1YmUgcHJvYmUgdGVzdDAgFw0yNjExMjcwODE0MzZa
GA8yMTI2MTEwMzA4MTQzNlowHjEcMBoGA1UEAwwTdGlueWt1YmUgcHJvYmUgdGVz
dDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDmJSBuwqiKprGXq6QPIjUOEYIXM
BTSIJusX/XGhit8gz3PHBTTz/Ebk3Kcb1E15NDNFMuziUgv0Vm0GgQGNRqWjUzBR
MB0GA1UdDgQWBBRzIG1OQ4P2ad8CiMmutXM8mqKKZjAfBgNVHSMEGDAWgBRzIG1O
Q4P2ad8CiMmutXM8mqKKZjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
MEUCIGSpToOfg1jEIMoYVEKB7lmqOeVH5kW3tzWOAIo/NsbgAiEA48wGk9NRizdc
TpMq/jzkop5M0biZkd0GRBv133RnB4U=
-----END CERTIFICATE-----
`;

export interface TestServer {
  port: number;
  /** Every request it received, in order. */
  requests: IncomingMessage[];
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** An HTTP (or, with `tls`, HTTPS) server on 127.0.0.1 with an ephemeral port. */
export async function serveHttp(handler: Handler, { tls = false } = {}): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const onRequest: Handler = (request, response) => {
    requests.push(request);
    handler(request, response);
  };
  const server = tls
    ? createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }, onRequest)
    : createHttpServer(onRequest);
  const port = await listen(server);
  return {
    port,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP server on 127.0.0.1 that accepts and holds connections; `accepted` counts them. */
export async function serveTcp(): Promise<{
  port: number;
  accepted: () => number;
  close(): Promise<void>;
}> {
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => undefined);
  });
  const port = await listen(server);
  return {
    port,
    accepted: () => sockets.length,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 nothing listens on: one the kernel just handed out, then closed. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("no TCP address"));
      else resolve(address.port);
    });
  });
}

/** Resolves once `check` holds, giving real I/O a chance between checks; throws after `ms`. */
export async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
