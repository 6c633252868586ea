import { describe, expect, it } from "vitest";
import type { Toleration } from "../../../api/types.ts";
import { CycleState } from "../../framework/types.ts";
import { makeNode, makeNodeInfo, makePod } from "../testing-nodes.ts";
import { ERR_REASON_UNSCHEDULABLE, nodeUnschedulable } from "./node-unschedulable.ts";

const KEY = "node.kubernetes.io/unschedulable";

describe("NodeUnschedulable filter", () => {
  const cases: {
    name: string;
    unschedulable?: boolean;
    tolerations?: Toleration[];
    code: string;
  }[] = [
    { name: "a schedulable node fits", unschedulable: false, code: "Success" },
    { name: "a node without the field fits", code: "Success" },
    {
      name: "a cordoned node rejects a plain pod",
      unschedulable: true,
      code: "UnschedulableAndUnresolvable",
    },
    {
      name: "Exists on the key, NoSchedule, is tolerated (what DaemonSet pods carry)",
      unschedulable: true,
      tolerations: [{ key: KEY, operator: "Exists", effect: "NoSchedule" }],
      code: "Success",
    },
    {
      name: "an empty key with Exists tolerates everything",
      unschedulable: true,
      tolerations: [{ operator: "Exists" }],
      code: "Success",
    },
    {
      name: "the key with effect NoExecute does not cover NoSchedule",
      unschedulable: true,
      tolerations: [{ key: KEY, operator: "Exists", effect: "NoExecute" }],
      code: "UnschedulableAndUnresolvable",
    },
    {
      name: "Equal with a value does not match the taint's empty value",
      unschedulable: true,
      tolerations: [{ key: KEY, operator: "Equal", value: "true" }],
      code: "UnschedulableAndUnresolvable",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const node = makeNode(
        "n",
        c.unschedulable === undefined ? {} : { unschedulable: c.unschedulable },
      );
      const pod = makePod("p", c.tolerations ? { tolerations: c.tolerations } : {});
      const s = nodeUnschedulable.filter(new CycleState(), pod, makeNodeInfo(node));
      expect(s.code).toBe(c.code);
      expect(s.reasons).toEqual(c.code === "Success" ? [] : [ERR_REASON_UNSCHEDULABLE]);
    });
  }

  it("uses Kubernetes' name and reason", () => {
    expect(nodeUnschedulable.name).toBe("NodeUnschedulable");
    expect(ERR_REASON_UNSCHEDULABLE).toBe("node(s) were unschedulable");
  });
});
