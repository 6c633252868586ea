/**
 * The busybox image's stub resolver (core/images/busybox/resolver.mjs) as pure functions: the
 * names glibc's search walk asks, the error it reports when all fail, and where the settings come
 * from. The image's code is plain JavaScript, so it is imported at run time and typed here.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_REGISTRY_DIR } from "./registry.ts";

interface Server {
  host: string;
  port: number;
}
interface Config {
  servers: Server[];
  search: string[];
  ndots: number;
  timeout: number;
  attempts: number;
  source: string;
}
type Answer = { addresses: string[] } | { failure: string };
interface ResolverModule {
  candidates(name: string, config: { search: string[]; ndots: number }): { name: string }[];
  lookup(
    name: string,
    config: Config,
    ask: (name: string) => Promise<Answer>,
  ): Promise<{ name: string; addresses: string[] }>;
  resolverConfig(env: Record<string, string>, read: (file: string) => string | undefined): Config;
  LookupError: new (...args: never[]) => Error & { failure: string };
}

const SEARCH = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"];
let resolver: ResolverModule;

beforeAll(async () => {
  resolver = (await import(
    join(DEFAULT_REGISTRY_DIR, "busybox", "resolver.mjs")
  )) as ResolverModule;
});

const tried = (name: string, ndots: number, search = SEARCH) =>
  resolver.candidates(name, { search, ndots }).map((c) => c.name);

describe("candidates: glibc's search order", () => {
  it("ndots 5: names with fewer dots go through the search list first, then as they are", () => {
    expect(tried("web", 5)).toEqual([
      "web.default.svc.cluster.local",
      "web.svc.cluster.local",
      "web.cluster.local",
      "web",
    ]);
    expect(tried("web.default", 5)).toEqual([
      "web.default.default.svc.cluster.local",
      "web.default.svc.cluster.local",
      "web.default.cluster.local",
      "web.default",
    ]);
    expect(tried("example.com", 5)).toEqual([
      "example.com.default.svc.cluster.local",
      "example.com.svc.cluster.local",
      "example.com.cluster.local",
      "example.com",
    ]);
  });

  it("a name ending in a dot is absolute: asked once, without the dot", () => {
    expect(tried("web.default.svc.cluster.local.", 5)).toEqual(["web.default.svc.cluster.local"]);
    expect(tried("web.default.svc.cluster.local.", 1)).toEqual(["web.default.svc.cluster.local"]);
  });

  it("ndots 1: a name with a dot is asked as it is first, then with each search domain", () => {
    expect(tried("web", 1)).toEqual([
      "web.default.svc.cluster.local",
      "web.svc.cluster.local",
      "web.cluster.local",
      "web",
    ]);
    expect(tried("web.default", 1)).toEqual([
      "web.default",
      "web.default.default.svc.cluster.local",
      "web.default.svc.cluster.local",
      "web.default.cluster.local",
    ]);
    expect(tried("example.com", 1)).toEqual([
      "example.com",
      "example.com.default.svc.cluster.local",
      "example.com.svc.cluster.local",
      "example.com.cluster.local",
    ]);
  });

  it("a search domain of '.' is the name as it is, not asked a second time", () => {
    expect(tried("web", 5, ["default.svc.cluster.local", "."])).toEqual([
      "web.default.svc.cluster.local",
      "web",
    ]);
    expect(tried("web", 5, [])).toEqual(["web"]);
  });
});

describe("lookup: the walk and the error it ends with", () => {
  const config = (ndots: number): Config => ({
    servers: [{ host: "127.96.0.10", port: 53 }],
    search: SEARCH,
    ndots,
    timeout: 5,
    attempts: 2,
    source: "test",
  });
  /** Answers from `table` (name → address or failure), NXDOMAIN otherwise; records each name. */
  function fakeServer(table: Record<string, string>) {
    const asked: string[] = [];
    const ask = async (name: string): Promise<Answer> => {
      asked.push(name);
      const entry = table[name] ?? "NXDOMAIN";
      return /^\d/.test(entry) ? { addresses: [entry] } : { failure: entry };
    };
    return { asked, ask };
  }
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.unreachable("the lookup should have failed"),
      (error: Error & { failure: string }) => {
        expect(error).toBeInstanceOf(resolver.LookupError);
        return error.failure;
      },
    );

  it("stops at the first name with an address, and says which it was", async () => {
    const { asked, ask } = fakeServer({ "web.default.svc.cluster.local": "127.96.0.20" });
    expect(await resolver.lookup("web.default", config(5), ask)).toEqual({
      name: "web.default.svc.cluster.local",
      addresses: ["127.96.0.20"],
    });
    expect(asked).toEqual([
      "web.default.default.svc.cluster.local",
      "web.default.svc.cluster.local",
    ]);
  });

  it("reports the last name's failure when all are NXDOMAIN, else NODATA, else SERVFAIL from the search", async () => {
    expect(await failureOf(resolver.lookup("nosuch", config(5), fakeServer({}).ask))).toBe(
      "NXDOMAIN",
    );
    const someNodata = fakeServer({ "nosuch.svc.cluster.local": "NODATA", nosuch: "SERVFAIL" });
    expect(await failureOf(resolver.lookup("nosuch", config(5), someNodata.ask))).toBe("NODATA");
    const someServfail = fakeServer({ "nosuch.cluster.local": "SERVFAIL" });
    expect(await failureOf(resolver.lookup("nosuch", config(5), someServfail.ask))).toBe(
      "SERVFAIL",
    );
    expect(someServfail.asked).toHaveLength(4);
  });

  it("a name tried as it is first reports that try's failure", async () => {
    const { ask } = fakeServer({ "a.b": "REFUSED" });
    expect(await failureOf(resolver.lookup("a.b", config(1), ask))).toBe("REFUSED");
  });

  it("a timeout skips the rest of the search list but not the name as it is; a refused connection ends it", async () => {
    const timeout = fakeServer({ "web.default.svc.cluster.local": "TIMEOUT" });
    expect(await failureOf(resolver.lookup("web", config(5), timeout.ask))).toBe("NXDOMAIN");
    expect(timeout.asked).toEqual(["web.default.svc.cluster.local", "web"]);
    const refused = fakeServer({ "web.default.svc.cluster.local": "CONNREFUSED" });
    expect(await failureOf(resolver.lookup("web", config(5), refused.ask))).toBe("CONNREFUSED");
    expect(refused.asked).toEqual(["web.default.svc.cluster.local"]);
  });

  it("answers an IP address with itself, asking nothing", async () => {
    const { asked, ask } = fakeServer({});
    expect(await resolver.lookup("127.0.0.1", config(5), ask)).toEqual({
      name: "127.0.0.1",
      addresses: ["127.0.0.1"],
    });
    expect(asked).toEqual([]);
  });
});

describe("resolverConfig: where the settings come from", () => {
  const files = (table: Record<string, string>) => (file: string) => table[file];
  const podResolvConf = `search ${SEARCH.join(" ")}\nnameserver 127.96.0.10\noptions ndots:5\n`;

  it("prefers the kubelet's TINYKUBE_DNS_* variables, whose servers carry a port", () => {
    const config = resolver.resolverConfig(
      {
        TINYKUBE_DNS_SERVERS: "127.96.0.10:1053 [::1]:53",
        TINYKUBE_DNS_SEARCH: SEARCH.join(" "),
        TINYKUBE_DNS_OPTIONS: "ndots:5",
        TINYKUBE_ROOT: "/c/root",
      },
      files({ "/c/root/etc/resolv.conf": "nameserver 9.9.9.9\n" }),
    );
    expect(config).toEqual({
      servers: [
        { host: "127.96.0.10", port: 1053 },
        { host: "::1", port: 53 },
      ],
      search: SEARCH,
      ndots: 5,
      timeout: 5,
      attempts: 2,
      source: "TINYKUBE_DNS_SERVERS",
    });
  });

  it("then reads $TINYKUBE_ROOT/etc/resolv.conf, then /etc/resolv.conf, with port 53", () => {
    const pod = resolver.resolverConfig(
      { TINYKUBE_ROOT: "/c/root" },
      files({ "/c/root/etc/resolv.conf": podResolvConf, "/etc/resolv.conf": "nameserver 1.1.1.1" }),
    );
    expect(pod).toMatchObject({
      servers: [{ host: "127.96.0.10", port: 53 }],
      search: SEARCH,
      ndots: 5,
      source: "/c/root/etc/resolv.conf",
    });
    const host = resolver.resolverConfig(
      { TINYKUBE_ROOT: "/c/root" },
      files({ "/etc/resolv.conf": "domain corp.example\nnameserver 1.1.1.1\n" }),
    );
    expect(host).toMatchObject({
      servers: [{ host: "1.1.1.1", port: 53 }],
      search: ["corp.example"],
      ndots: 1,
      source: "/etc/resolv.conf",
    });
  });

  it("keeps glibc's limits and defaults: 3 servers, 127.0.0.1 for none, capped options", () => {
    const many = resolver.resolverConfig(
      {
        TINYKUBE_DNS_SERVERS: "1.0.0.1 1.0.0.2 1.0.0.3 1.0.0.4",
        TINYKUBE_DNS_OPTIONS: "ndots:20 timeout:60 attempts:9",
      },
      files({}),
    );
    expect(many.servers.map((s) => s.host)).toEqual(["1.0.0.1", "1.0.0.2", "1.0.0.3"]);
    expect([many.ndots, many.timeout, many.attempts]).toEqual([15, 30, 5]);
    const none = resolver.resolverConfig({}, files({}));
    expect(none).toMatchObject({ servers: [{ host: "127.0.0.1", port: 53 }], source: "none" });
  });

  it("lets LOCALDOMAIN replace the search list and RES_OPTIONS add options, as glibc does", () => {
    const config = resolver.resolverConfig(
      { LOCALDOMAIN: "a.example b.example", RES_OPTIONS: "ndots:2" },
      files({ "/etc/resolv.conf": podResolvConf }),
    );
    expect(config).toMatchObject({ search: ["a.example", "b.example"], ndots: 2 });
  });
});
