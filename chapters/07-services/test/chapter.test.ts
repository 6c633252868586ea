import { clusterPolicyChain, endpointChain, externalChain } from "@tinykube/core/proxy";
import { describe, expect, it } from "vitest";
import {
  CLIENTS,
  CLUSTER_IP,
  NODE_PORT,
  PORT_NAME,
  runChapter,
  SERVICE_PORT,
} from "../src/chapter.ts";

/** How many times each name occurs. */
const tally = (names: string[]) => {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return counts;
};

describe("chapter 7 shows what its page says", () => {
  it("a Service's endpoints, kube-proxy's round-robin, readiness, affinity, a NodePort and the iptables rules", async () => {
    const lines: string[] = [];
    const facts = await runChapter((line) => lines.push(line));
    const text = lines.join("\n");

    // 1. The slice: one, managed by the endpointslice controller, listing the 3 Ready pods on the
    //    container port the Service's targetPort names; the Endpoints object agrees.
    expect(facts.pods).toHaveLength(3);
    for (const p of facts.pods) expect(["node-1", "node-2"]).toContain(p.node);
    for (const p of facts.pods) expect(p.ip).toMatch(/^127\.207\.[01]\.\d+$/);
    expect(facts.slice.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(facts.slice.labels).toMatchObject({
      "kubernetes.io/service-name": "web",
      "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    });
    expect(facts.slice.ready).toBe(3);
    expect(facts.slice.port).toMatchObject({ name: "http", port: 8080, protocol: "TCP" });
    expect(facts.endpointsAddresses).toBe(3);

    // 2. Round-robin: 6 new connections, 3 endpoints → each pod twice, in a repeating order.
    const three = facts.pods.map((p) => p.name).sort();
    expect([...new Set(facts.roundRobin)].sort()).toEqual(three);
    expect(facts.roundRobin.slice(3)).toEqual(facts.roundRobin.slice(0, 3));
    expect(Object.values(facts.counted)).toEqual([2, 2, 2]);

    // 3. Scaled to 5: 10 connections reach all 5 pods, twice each.
    expect(facts.scaled.pods).toHaveLength(5);
    expect([...tally(facts.scaled.answers).entries()].sort()).toEqual(
      [...facts.scaled.pods].sort().map((p) => [p, 2]),
    );

    // 4. The unready pod stays listed, not ready and not serving, gets nothing, and runs on.
    expect(facts.unready.condition).toEqual({ ready: false, serving: false, terminating: false });
    expect(facts.unready.answers).not.toContain(facts.unready.pod);
    expect(new Set(facts.unready.answers).size).toBe(4);
    expect(facts.unready.restartCount).toBe(0);

    // 5. ClientIP affinity: each client always reaches one pod, the two clients different ones
    //    (each new client takes the next turn), never the unready one.
    expect(facts.affinity.timeoutSeconds).toBe(10800);
    const [a, b] = CLIENTS.map((c) => facts.affinity.byClient[c] as string[]);
    expect(new Set(a).size).toBe(1);
    expect(new Set(b).size).toBe(1);
    expect(a?.[0]).not.toBe(b?.[0]);
    expect([a?.[0], b?.[0]]).not.toContain(facts.unready.pod);

    // 6. The NodePort answers on both nodes' addresses.
    expect(Object.keys(facts.nodePort).sort()).toEqual(["127.1.7.1", "127.1.7.2"]);
    for (const pod of Object.values(facts.nodePort)) {
      expect(facts.scaled.pods).toContain(pod);
      expect(pod).not.toBe(facts.unready.pod);
    }

    // 7. The rules: chains named as kube-proxy hashes them, the cluster IP and NodePort captured,
    //    4 endpoints with Kubernetes' probabilities (%0.10f), affinity checks, DNAT to each.
    const svc = clusterPolicyChain(PORT_NAME, "tcp");
    const ext = externalChain(PORT_NAME, "tcp");
    expect(svc).toBe("KUBE-SVC-CDGGSHYLG3RE2FKL");
    expect(ext).toBe("KUBE-EXT-CDGGSHYLG3RE2FKL");
    expect(facts.rules.svcChain).toBe(svc);
    const rotation = facts.rules.rotation;
    expect(rotation).toHaveLength(4);
    expect(rotation).not.toContain(`${facts.unready.ip}:8080`);
    expect(facts.rules.sepChains).toEqual(
      rotation.map((hp) => endpointChain(PORT_NAME, "tcp", hp)),
    );
    const rules = facts.rules.lines;
    expect(rules).toContain(
      `-A KUBE-SERVICES -m comment --comment "${PORT_NAME} cluster IP" -m tcp -p tcp -d ${CLUSTER_IP} --dport ${SERVICE_PORT} -j ${svc}`,
    );
    expect(rules).toContain(
      `-A KUBE-NODEPORTS -m comment --comment ${PORT_NAME} -m tcp -p tcp --dport ${NODE_PORT} -j ${ext}`,
    );
    expect(rules).toContain(`-A ${ext} -j ${svc}`);
    expect(facts.rules.probabilities).toEqual(["0.2500000000", "0.3333333333", "0.5000000000"]);
    const svcRules = rules.filter((l) => l.startsWith(`-A ${svc} `));
    expect(svcRules.filter((l) => l.includes("--rcheck --seconds 10800 --reap"))).toHaveLength(4);
    expect(svcRules.at(-1)).not.toContain("--probability");
    for (const [i, sep] of facts.rules.sepChains.entries()) {
      expect(rules).toContain(
        `-A ${sep} -m comment --comment ${PORT_NAME} -m recent --name ${sep} --set -m tcp -p tcp -j DNAT --to-destination ${rotation[i]}`,
      );
    }

    // The narration follows the story in order.
    const at = (needle: string) => {
      const i = text.indexOf(needle);
      expect(i, `the narration says ${JSON.stringify(needle)}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(at("[you] kubectl create service web")).toBeLessThan(
      at("[observer] EndpointSlice web-"),
    );
    expect(at("kubectl scale deployment web --replicas=5")).toBeLessThan(at("/fail-ready"));
    expect(at("sessionAffinity ClientIP")).toBeLessThan(at(`nodePort ${NODE_PORT}`));
    expect(at(`nodePort ${NODE_PORT}`)).toBeLessThan(at(`:${svc} - [0:0]`));
  });
});
