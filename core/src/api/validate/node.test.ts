import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, type Json, updateErrors } from "./testing.ts";

const node: KubeObject = {
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "node-1" },
  spec: {
    podCIDR: "127.128.1.0/24",
    podCIDRs: ["127.128.1.0/24"],
    taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }],
  },
  status: {
    capacity: { cpu: "4", memory: "8Gi", pods: "110" },
    addresses: [{ type: "InternalIP", address: "127.1.0.1" }],
  },
};

describe("Node validation", () => {
  it("accepts a valid node", () => {
    expect(createErrors(node)).toEqual([]);
  });

  it.each<[string, (n: Json) => void, string[]]>([
    [
      "a taint without an effect (reported under metadata.taints, as Kubernetes does)",
      (n) => delete n.spec.taints[0].effect,
      ["metadata.taints[0].effect: Required value"],
    ],
    [
      "two taints with one key and effect",
      (n) => n.spec.taints.push({ key: "dedicated", value: "cpu", effect: "NoSchedule" }),
      [
        'metadata.taints[1]: Duplicate value: {"key":"dedicated","value":"cpu","effect":"NoSchedule"}: taints must be unique by key and effect pair',
      ],
    ],
    [
      "a negative capacity",
      (n) => (n.status.capacity.cpu = "-1"),
      // allocatable was defaulted from capacity, so it is wrong too
      [
        'status.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0',
        'status.allocatable.cpu: Invalid value: "-1": must be greater than or equal to 0',
      ],
    ],
    [
      "a fractional pod count",
      (n) => (n.status.allocatable = { pods: "1.5" }),
      ['status.allocatable.pods: Invalid value: "1500m": must be an integer'],
    ],
    [
      "a pod CIDR that is not a CIDR",
      (n) => (n.spec.podCIDRs = ["127.128.1.0"]),
      [
        'spec.podCIDRs[0]: Invalid value: "127.128.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      ],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(node, edit))).toEqual(expected);
  });

  it("on update, pod CIDRs stay once assigned and addresses are unique", () => {
    expect(
      updateErrors(
        edited(node, (n) => (n.spec.unschedulable = true)),
        node,
      ),
    ).toEqual([]);
    expect(
      updateErrors(
        edited(node, (n) => (n.spec.podCIDRs = ["127.128.2.0/24"])),
        node,
      ),
    ).toEqual([
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    ]);
    const twice = edited(node, (n) =>
      n.status.addresses.push({ type: "InternalIP", address: "127.1.0.1" }),
    );
    expect(updateErrors(twice, node)).toEqual([
      'status.addresses[1]: Duplicate value: {"type":"InternalIP","address":"127.1.0.1"}',
    ]);
  });
});
