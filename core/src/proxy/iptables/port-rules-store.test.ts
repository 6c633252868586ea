import { describe, expect, it } from "vitest";
import { PortRulesStore, type StoredRules } from "./port-rules-store.ts";

function entry(serviceKey: string, port: string, top = 1): StoredRules {
  const key = `${serviceKey}:${port}/TCP`;
  const natTopRules = Array.from({ length: top }, (_, i) => `-A KUBE-SERVICES ${key} ${i}`);
  return {
    key,
    serviceKey,
    filterRules: [`-A KUBE-SERVICES filter ${key}`],
    natTopRules,
    natChains: [],
    natRules: [],
    filterText: `-A KUBE-SERVICES filter ${key}\n`,
    natTopText: `${natTopRules.join("\n")}\n`,
    chainsText: "",
    natRulesText: "",
  };
}

describe("PortRulesStore", () => {
  it("orders by Service then port, so ns/svc1 sorts before ns/svc10", () => {
    const store = new PortRulesStore();
    store.set(entry("ns/svc10", "a"));
    store.set(entry("ns/svc1", "b"));
    store.set(entry("ns/svc1", "a"));
    expect(store.ordered().map((e) => e.key)).toEqual([
      "ns/svc1:a/TCP",
      "ns/svc1:b/TCP",
      "ns/svc10:a/TCP",
    ]);
  });

  it("re-joins a replaced port's block and keeps counts in step", () => {
    const store = new PortRulesStore();
    for (let i = 0; i < 300; i++) store.set(entry(`ns/s${String(i).padStart(3, "0")}`, "p"));
    expect(store.natTopText().split("\n")).toHaveLength(301);
    store.set(entry("ns/s150", "p", 3));
    const lines = store.natTopText().trimEnd().split("\n");
    expect(lines).toHaveLength(302);
    expect(lines.slice(150, 153)).toEqual([
      "-A KUBE-SERVICES ns/s150:p/TCP 0",
      "-A KUBE-SERVICES ns/s150:p/TCP 1",
      "-A KUBE-SERVICES ns/s150:p/TCP 2",
    ]);
    expect(store.natRules).toBe(302);
    store.delete("ns/s000:p/TCP");
    expect(store.natTopText().trimEnd().split("\n")).toHaveLength(301);
    expect([store.size, store.filterRules, store.natRules]).toEqual([299, 299, 301]);
    expect(store.keysOfService("ns/s150")).toEqual(["ns/s150:p/TCP"]);
  });
});
