/**
 * One request to a Service, as a client outside the cluster makes it: a new TCP connection each
 * time (no keep-alive), so that kube-proxy chooses an endpoint for every request — the userspace
 * proxy, like iptables and IPVS modes, balances connections, not requests.
 */
import { request } from "node:http";

export interface Answer {
  /** The pod that answered, from tinykube/hello's "Hello from <pod> in <ns> at <ip> (...)". */
  pod: string;
  ip: string;
}

export interface AskOptions {
  host: string;
  port: number;
  path?: string;
  /**
   * The client's address: any 127.0.0.0/8 address is this machine's, so two "clients" can be
   * told apart by source address, which is all ClientIP affinity looks at.
   */
  localAddress?: string;
}

export function ask(options: AskOptions): Promise<Answer> {
  return get(options).then((body) => {
    const m = /^Hello from (\S+) in \S+ at (\S+) /.exec(body);
    if (!m) throw new Error(`expected "Hello from <pod> in <namespace> at <ip> ...", got ${body}`);
    return { pod: m[1] as string, ip: m[2] as string };
  });
}

/** GET on a new connection; resolves with the body, rejects on a reset or a non-200 status. */
export function get({ host, port, path = "/", localAddress }: AskOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`GET http://${host}:${port}${path}: ${res.statusCode} ${body}`));
      });
    });
    req.setTimeout(5_000, () =>
      req.destroy(new Error(`GET http://${host}:${port}${path}: timeout`)),
    );
    req.on("error", reject);
    req.end();
  });
}
