import { describe, expect, it } from "vitest";
import { CycleState } from "../../framework/types.ts";
import { makeNode, makeNodeInfo, makePod } from "../testing-nodes.ts";
import { ERR_REASON, type HostPort, hostPortsOf, nodePorts } from "./node-ports.ts";

type Port = { hostPort: number; hostIP?: string; protocol?: string };

describe("NodePorts", () => {
  const cases: { name: string; used: Port[]; wanted: Port[]; code: string }[] = [
    {
      name: "a free port fits",
      used: [{ hostPort: 8080 }],
      wanted: [{ hostPort: 8081 }],
      code: "Success",
    },
    {
      name: "the same port on 0.0.0.0 conflicts",
      used: [{ hostPort: 8080 }],
      wanted: [{ hostPort: 8080 }],
      code: "Unschedulable",
    },
    {
      name: "a different protocol on the same port fits",
      used: [{ hostPort: 53, protocol: "UDP" }],
      wanted: [{ hostPort: 53, protocol: "TCP" }],
      code: "Success",
    },
    {
      name: "two specific IPs share a port",
      used: [{ hostPort: 80, hostIP: "10.0.0.1" }],
      wanted: [{ hostPort: 80, hostIP: "10.0.0.2" }],
      code: "Success",
    },
    {
      name: "the same specific IP conflicts",
      used: [{ hostPort: 80, hostIP: "10.0.0.1" }],
      wanted: [{ hostPort: 80, hostIP: "10.0.0.1" }],
      code: "Unschedulable",
    },
    {
      name: "wanting 0.0.0.0 conflicts with a port bound on one IP",
      used: [{ hostPort: 80, hostIP: "10.0.0.1" }],
      wanted: [{ hostPort: 80 }],
      code: "Unschedulable",
    },
    {
      name: "wanting one IP conflicts with the port bound on 0.0.0.0",
      used: [{ hostPort: 80 }],
      wanted: [{ hostPort: 80, hostIP: "10.0.0.1" }],
      code: "Unschedulable",
    },
    {
      name: "one conflicting port among several is enough",
      used: [{ hostPort: 9000 }],
      wanted: [{ hostPort: 8000 }, { hostPort: 9000 }],
      code: "Unschedulable",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const existing = makePod("existing", { hostPorts: c.used });
      const info = makeNodeInfo(makeNode("n"), [existing]);
      const pod = makePod("p", { hostPorts: c.wanted });
      const state = new CycleState();
      expect(nodePorts.preFilter(state, pod).status.code).toBe("Success");
      const s = nodePorts.filter(state, pod, info);
      expect({ code: s.code, reasons: s.reasons }).toEqual({
        code: c.code,
        reasons: c.code === "Success" ? [] : [ERR_REASON],
      });
    });
  }

  it("PreFilter says Skip for a pod without host ports", () => {
    const pod = makePod("p", {});
    expect(nodePorts.preFilter(new CycleState(), pod).status.code).toBe("Skip");
  });

  it("Filter without PreFilter is an Error, not a silent fit", () => {
    const s = nodePorts.filter(new CycleState(), makePod("p"), makeNodeInfo(makeNode("n")));
    expect(s.code).toBe("Error");
  });

  it("collects sidecar host ports, skips plain init containers and containerPort-only ports", () => {
    const pod = makePod("p", {
      hostPorts: [{ hostPort: 80 }],
      initContainers: [
        { name: "sidecar", restartPolicy: "Always", ports: [{ containerPort: 9, hostPort: 9100 }] },
        { name: "init", ports: [{ containerPort: 1, hostPort: 1000 }] },
      ],
    });
    (pod.spec.containers[0]?.ports ?? []).push({ containerPort: 8080 });
    const expected: HostPort[] = [
      { protocol: "TCP", ip: "0.0.0.0", port: 9100 },
      { protocol: "TCP", ip: "0.0.0.0", port: 80 },
    ];
    expect(hostPortsOf(pod)).toEqual(expected);
  });

  it("is named NodePorts", () => expect(nodePorts.name).toBe("NodePorts"));
});
