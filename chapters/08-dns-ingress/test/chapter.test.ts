import { describe, expect, it } from "vitest";
import { runChapter } from "../src/chapter.ts";

describe("chapter 8 shows what its page says", () => {
  it("resolves Services by name through the search path, then routes two hosts through an Ingress", async () => {
    const lines: string[] = [];
    const facts = await runChapter((line) => lines.push(line));
    const svc = (name: string) => `${name}.default.svc.cluster.local`;
    const dashed = (ip: string) => ip.replaceAll(".", "-");

    // 1. The pod's resolver configuration, as the kubelet wrote it through the runtime.
    expect(facts.resolvConf).toBe(
      "search default.svc.cluster.local svc.cluster.local cluster.local\n" +
        "nameserver 127.96.8.10\n" +
        "options ndots:5\n",
    );
    expect(facts.dnsEnv).toEqual({
      TINYKUBE_DNS_SERVERS: expect.stringMatching(/^127\.96\.8\.10:\d+$/),
      TINYKUBE_DNS_SEARCH: "default.svc.cluster.local svc.cluster.local cluster.local",
      TINYKUBE_DNS_OPTIONS: "ndots:5",
    });

    // 2. The search path: the names sent, in order, with their answers.
    const walk = (name: string) => {
      const w = facts.walks.find((x) => x.name === name);
      return w?.queries.map((q) => `${q.name} ${q.rcode}`);
    };
    expect(walk("web")).toEqual([`${svc("web")} NOERROR`]);
    expect(facts.walks[0]?.answer).toEqual(["127.96.8.20"]);
    expect(walk("web-pods.default")).toEqual([
      "web-pods.default.default.svc.cluster.local NXDOMAIN",
      `${svc("web-pods")} NOERROR`,
    ]);
    expect(walk("example.com")).toEqual([
      "example.com.default.svc.cluster.local NXDOMAIN",
      "example.com.svc.cluster.local NXDOMAIN",
      "example.com.cluster.local NXDOMAIN",
      "example.com SERVFAIL",
    ]);
    expect(walk(svc("web"))).toHaveLength(4);
    expect(walk(`${svc("web")}.`)).toEqual([`${svc("web")} NOERROR`]);

    // 3. Each kind of record.
    const webIPs = [...facts.webIPs].sort();
    const first = facts.webIPs[0] as string;
    const record = (key: string) => facts.records[key];
    expect(record(`A ${svc("web")}`)).toEqual({
      rcode: "NOERROR",
      answers: ["127.96.8.20"],
      authority: [],
    });
    expect(record(`A ${svc("web-pods")}`)?.answers.sort()).toEqual(webIPs);
    expect(record(`SRV _http._tcp.${svc("web")}`)?.answers).toEqual([`0 100 80 ${svc("web")}.`]);
    expect(record(`SRV _http._tcp.${svc("web-pods")}`)?.answers.sort()).toEqual(
      webIPs.map((ip) => `0 50 8080 ${dashed(ip)}.${svc("web-pods")}.`),
    );
    expect(record(`A ${dashed(first)}.default.pod.cluster.local`)?.answers).toEqual([first]);
    expect(record("PTR 20.8.96.127.in-addr.arpa")?.answers).toEqual([`${svc("web")}.`]);
    expect(
      record(`PTR ${first.split(".").reverse().join(".")}.in-addr.arpa`)?.answers.sort(),
    ).toEqual([`${dashed(first)}.${svc("web")}.`, `${dashed(first)}.${svc("web-pods")}.`].sort());
    expect(record(`A ${svc("nope")}`)).toEqual({
      rcode: "NXDOMAIN",
      answers: [],
      authority: ["SOA"],
    });
    expect(record(`AAAA ${svc("web")}`)).toEqual({
      rcode: "NOERROR",
      answers: [],
      authority: ["SOA"],
    });

    // 4. Scaling web to 3: the headless answer follows the EndpointSlice.
    expect(facts.headlessAfterScale).toHaveLength(3);
    expect(facts.headlessAfterScale).toEqual(expect.arrayContaining(webIPs));

    // 5. The Ingress: status, host routing with round robin, path rules, 404s, TLS, 503.
    expect(facts.ingressAddress).toBe("127.1.8.100");
    const [a, b, c, d] = facts.aExampleAnsweredBy;
    expect(new Set([a, b, c]).size, "three requests reach the three web pods").toBe(3);
    expect(d, "the fourth comes round to the first").toBe(a);
    expect(facts.bExampleApi).toMatchObject({
      pod: expect.stringMatching(/^api-/),
      path: "/api/users?id=7",
      host: "b.example",
      "x-forwarded-host": "b.example",
      "x-forwarded-proto": "http",
    });
    expect(facts.statuses).toEqual({
      "b.example/api": 200,
      "b.example/api/": 200,
      "b.example/apix": 404,
      "b.example/": 404,
      "c.example/": 404,
    });
    expect(facts.tls.aExample).toEqual({ subject: "a.example", authorized: true });
    expect(facts.tls.bExample.subject).toBe("Kubernetes Ingress Controller Fake Certificate");
    expect(facts.afterScaleToZero.status).toBe(503);

    // The narration says what happened, in order.
    const text = lines.join("\n");
    const at = (needle: string) => {
      const i = text.indexOf(needle);
      expect(i, `the narration says ${JSON.stringify(needle)}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(at("[dns] serving cluster.local on 127.96.8.10:")).toBeLessThan(
      at("--cluster-dns=127.96.8.10"),
    );
    expect(at("options ndots:5")).toBeLessThan(at("[ingress] serving Ingresses: default/site"));
    expect(at("[ingress] backend default/api:http: no endpoints")).toBeLessThan(
      at("503 Service Temporarily Unavailable"),
    );
  });
});
