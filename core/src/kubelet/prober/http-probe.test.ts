/**
 * The HTTP probe against real servers on 127.0.0.1: status codes, Kubernetes' headers, Go's error
 * messages, redirects, the body limit, HTTPS without verification, and the timeout on a fake clock.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Container } from "../../api/types.ts";
import { FakeClock, realClock } from "../../util/clock.ts";
import {
  canonicalHeaderKey,
  httpProbe,
  MAX_BODY_BYTES,
  newRequestForHTTPGetAction,
} from "./http-probe.ts";
import type { HTTPGetAction } from "./spec.ts";
import { closedPort, eventually, serveHttp, type TestServer } from "./testing.ts";

const container: Container = { name: "web", ports: [{ name: "http", containerPort: 8080 }] };
const servers: TestServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serve(...args: Parameters<typeof serveHttp>): Promise<TestServer> {
  const server = await serveHttp(...args);
  servers.push(server);
  return server;
}

const probe = (action: HTTPGetAction, timeoutMs = 5000, clock = realClock) =>
  httpProbe(newRequestForHTTPGetAction(action, container, "127.0.0.1"), timeoutMs, clock);

describe("newRequestForHTTPGetAction", () => {
  it("builds scheme://host:port/path, host defaulting to the pod IP, the port by name", () => {
    const named = newRequestForHTTPGetAction(
      { port: "http", path: "/healthz?verbose=1" },
      container,
      "10.244.1.7",
    );
    expect(named.href).toBe("http://10.244.1.7:8080/healthz?verbose=1");
    expect(named.host, "Go's Host names the port").toBe("10.244.1.7:8080");
    const https = newRequestForHTTPGetAction(
      { port: 443, scheme: "HTTPS", host: "example.test", path: "ready" },
      container,
      "10.244.1.7",
    );
    expect(https.href, "as Go prints it: the port named").toBe("https://example.test:443/ready");
    expect(https.host).toBe("example.test:443");
    expect(() => newRequestForHTTPGetAction({ port: "metrics" }, container, "10.0.0.1")).toThrow(
      'strconv.Atoi: parsing "metrics": invalid syntax',
    );
  });

  it("adds User-Agent kube-probe/1.35 and Accept */* unless the spec sets them", () => {
    const plain = newRequestForHTTPGetAction({ port: 80 }, container, "10.0.0.1");
    expect([...plain.headers]).toEqual([
      ["User-Agent", ["kube-probe/1.35"]],
      ["Accept", ["*/*"]],
    ]);
    const custom = newRequestForHTTPGetAction(
      {
        port: 80,
        httpHeaders: [
          { name: "x-probe", value: "a" },
          { name: "X-Probe", value: "b" },
          { name: "user-agent", value: "mine" },
          { name: "Accept", value: "" },
          { name: "host", value: "app.example" },
        ],
      },
      container,
      "10.0.0.1",
    );
    expect([...custom.headers], "canonical names; an empty Accept removes it").toEqual([
      ["X-Probe", ["a", "b"]],
      ["User-Agent", ["mine"]],
    ]);
    expect(custom.host, "a Host header becomes the request's Host").toBe("app.example");
  });

  it("canonicalHeaderKey is Go's", () => {
    expect(canonicalHeaderKey("x-custom-HEADER")).toBe("X-Custom-Header");
    expect(canonicalHeaderKey("has space")).toBe("has space");
  });
});

describe("httpProbe", () => {
  it("2xx is success with the body; 3xx not followed is a warning; 4xx and 5xx fail by status alone", async () => {
    const server = await serve((request, response) => {
      const status = Number(request.url?.slice(1));
      response.writeHead(status);
      response.end(`body of ${status}`);
    });
    const at = (status: number) => probe({ port: server.port, path: `/${status}` });
    expect(await at(200)).toEqual({ result: "success", output: "body of 200" });
    expect(await at(204)).toMatchObject({ result: "success" });
    expect(await at(399)).toEqual({
      result: "warning",
      output: "Probe terminated redirects, Response body: body of 399",
    });
    expect(await at(400)).toEqual({
      result: "failure",
      output: "HTTP probe failed with statuscode: 400",
    });
    expect(await at(500)).toEqual({
      result: "failure",
      output: "HTTP probe failed with statuscode: 500",
    });
  });

  it("sends Kubernetes' headers, the spec's headers and its Host", async () => {
    const server = await serve((_, response) => response.end("ok"));
    await probe({ port: server.port, path: "/x", httpHeaders: [{ name: "X-Token", value: "t" }] });
    await probe({ port: server.port, httpHeaders: [{ name: "Host", value: "app.example" }] });
    const [first, second] = server.requests;
    expect(first?.headers["user-agent"]).toBe("kube-probe/1.35");
    expect(first?.headers.accept).toBe("*/*");
    expect(first?.headers["x-token"]).toBe("t");
    expect(first?.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(first?.headers["accept-encoding"], "compression is off").toBeUndefined();
    expect(first?.headers.connection, "no keep-alive").toBe("close");
    expect(second?.headers.host).toBe("app.example");
  });

  it("connection refused is a failure with Go's message", async () => {
    const port = await closedPort();
    expect(await probe({ port, path: "/healthz" })).toEqual({
      result: "failure",
      output: `Get "http://127.0.0.1:${port}/healthz": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  it("an answer slower than the timeout is a failure when the clock reaches it", async () => {
    const server = await serve(() => undefined); // never answers
    const clock = new FakeClock();
    let outcome: unknown;
    probe({ port: server.port, path: "/slow" }, 1000, clock).then((o) => {
      outcome = o;
    });
    await eventually(() => server.requests.length === 1, "the request to arrive");
    clock.advance(999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcome, "at 999 ms").toBeUndefined();
    clock.advance(1);
    await eventually(() => outcome !== undefined, "the probe to give up");
    expect(outcome).toEqual({
      result: "failure",
      output: `Get "http://127.0.0.1:${server.port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
  });

  it("follows a redirect on the same host; stops after 10 requests", async () => {
    const server = await serve((request, response) => {
      if (request.url === "/old") response.writeHead(302, { Location: "/new" }).end();
      else if (request.url === "/new") response.end("moved here");
      else response.writeHead(301, { Location: "/loop" }).end();
    });
    expect(await probe({ port: server.port, path: "/old" })).toEqual({
      result: "success",
      output: "moved here",
    });
    expect(await probe({ port: server.port, path: "/loop" })).toEqual({
      result: "failure",
      output: 'Get "/loop": stopped after 10 redirects',
    });
    expect(server.requests.length, "2 for /old, then 10 for /loop").toBe(12);
  });

  it("does not follow a redirect to another host: the 3xx is a success with a warning", async () => {
    const server = await serve((_, response) =>
      response.writeHead(302, { Location: "http://127.0.0.2:1/elsewhere" }).end("see there"),
    );
    expect(await probe({ port: server.port })).toEqual({
      result: "warning",
      output: "Probe terminated redirects, Response body: see there",
    });
    expect(server.requests).toHaveLength(1);
  });

  it("reads at most 10 KiB of the body", async () => {
    const server = await serve((_, response) => response.end("x".repeat(3 * MAX_BODY_BYTES)));
    const outcome = await probe({ port: server.port });
    expect(outcome.result).toBe("success");
    expect(outcome.output.length).toBe(MAX_BODY_BYTES);
  });

  it("HTTPS: a self-signed certificate is not verified", async () => {
    const server = await serve((_, response) => response.end("secure"), { tls: true });
    expect(await probe({ port: server.port, scheme: "HTTPS" })).toEqual({
      result: "success",
      output: "secure",
    });
  });
});
