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
      (n) => {
        n.spec.podCIDR = "127.128.1.0";
        n.spec.podCIDRs = ["127.128.1.0"];
      },
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
        edited(node, (n) => {
          n.spec.podCIDR = "127.128.2.0/24";
          n.spec.podCIDRs = ["127.128.2.0/24"];
        }),
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

  describe("pod CIDRs: set once, by the node IPAM controller, then fixed", () => {
    const unassigned = edited(node, (n) => {
      delete n.spec.podCIDR;
      delete n.spec.podCIDRs;
    });
    const FIXED =
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid';

    it.each<[string, (n: Json) => void]>([
      [
        "both fields, as the controller's patch sets them",
        (n) => {
          n.spec.podCIDR = "127.128.1.0/24";
          n.spec.podCIDRs = ["127.128.1.0/24"];
        },
      ],
      [
        "only the old single field (conversion fills in the list)",
        (n) => (n.spec.podCIDR = "127.128.1.0/24"),
      ],
      ["only the list", (n) => (n.spec.podCIDRs = ["127.128.1.0/24"])],
    ])("may be assigned from none: %s", (_, edit) => {
      expect(updateErrors(edited(unassigned, edit), unassigned)).toEqual([]);
    });

    it("must be valid when assigned on update, as on create", () => {
      expect(
        updateErrors(
          edited(unassigned, (n) => (n.spec.podCIDR = "127.128.1.0")),
          unassigned,
        ),
      ).toEqual([
        'spec.podCIDRs[0]: Invalid value: "127.128.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      ]);
    });

    it.each<[string, (n: Json) => void, string[]]>([
      [
        "changing only podCIDR (the older field wins)",
        (n) => (n.spec.podCIDR = "127.128.2.0/24"),
        [FIXED],
      ],
      [
        "clearing both",
        (n) => {
          delete n.spec.podCIDR;
          delete n.spec.podCIDRs;
        },
        [FIXED],
      ],
      ["adding a second family", (n) => n.spec.podCIDRs.push("fd00:0:0:1::/64"), [FIXED]],
      // podCIDR still names podCIDRs[0]: the list is unchanged.
      ["clearing only podCIDR", (n) => delete n.spec.podCIDR, []],
      // Conversion keeps podCIDR ([127.128.1.0/24]) when the two differ: nothing changed.
      ["changing only the list", (n) => (n.spec.podCIDRs = ["127.128.2.0/24"]), []],
    ])("once assigned, refuses or ignores %s", (_, edit, expected) => {
      expect(updateErrors(edited(node, edit), node)).toEqual(expected);
    });

    it("reports each changed entry of a dual-stack pair", () => {
      const dual = edited(node, (n) => n.spec.podCIDRs.push("fd00:0:0:1::/64"));
      expect(
        updateErrors(
          edited(dual, (n) => {
            n.spec.podCIDR = "127.128.2.0/24";
            n.spec.podCIDRs = ["127.128.2.0/24", "fd00:0:0:2::/64"];
          }),
          dual,
        ),
      ).toEqual([FIXED, FIXED]);
    });
  });
});
