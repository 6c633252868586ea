import { createServer, get, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { KubeList } from "../../api/object.ts";
import { sendJsonList } from "./respond.ts";

const podList = (count: number): KubeList => ({
  apiVersion: "v1",
  kind: "PodList",
  metadata: { resourceVersion: "42" },
  items: Array.from({ length: count }, (_, i) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `pod-${i}`, namespace: "default", labels: { app: "web", 'quote"': "\n" } },
    spec: { containers: [{ name: "app", image: "nginx" }] },
  })),
});

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

/** A server whose every request is answered with `list`; `finished` settles when sendJsonList does. */
async function serve(list: KubeList): Promise<{ port: number; finished: Promise<void> }> {
  let finish: (done: Promise<void>) => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = (done) => resolve(done);
  });
  server = createServer((_req, res) => finish(sendJsonList(res, 200, list)));
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, finished };
}

function fetchList(port: number): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ res, body: Buffer.concat(chunks).toString("utf8") }));
    }).on("error", reject);
  });
}

describe("sendJsonList", () => {
  it.each([0, 1, 500, 501, 1000, 2345])(
    "%i items: exactly JSON.stringify's bytes",
    async (count) => {
      const list = podList(count);
      const { port, finished } = await serve(list);
      const { res, body } = await fetchList(port);
      await finished;
      expect(body).toBe(JSON.stringify(list));
      expect(res.headers["content-type"]).toBe("application/json");
    },
  );

  it("stops when the client goes away mid-list", async () => {
    const { port, finished } = await serve(podList(200_000));
    await new Promise<void>((resolve) => {
      const req = get({ host: "127.0.0.1", port, path: "/" }, (res) => {
        // Read one chunk, then hang up with the rest of the list still to send.
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      // Destroying our own request is the point: its "socket hang up" is expected.
      req.on("error", () => {});
      req.on("close", resolve);
    });
    await expect(finished).resolves.toBeUndefined();
  });
});
