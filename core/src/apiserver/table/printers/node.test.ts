import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { ago, cellsOf, columnNames } from "../testing.ts";
import { nodeRoles } from "./node.ts";

function node(
  name: string,
  opts: {
    ready?: string;
    unschedulable?: boolean;
    labels?: Record<string, string>;
    addresses?: { type: string; address: string }[];
    nodeInfo?: Record<string, string>;
  } = {},
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      creationTimestamp: ago("3d4h"),
      ...(opts.labels ? { labels: opts.labels } : {}),
    },
    spec: opts.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: [
        { type: "MemoryPressure", status: "False" },
        ...(opts.ready ? [{ type: "Ready", status: opts.ready }] : []),
      ],
      ...(opts.addresses ? { addresses: opts.addresses } : {}),
      nodeInfo: opts.nodeInfo ?? { kubeletVersion: "v1.32.0" },
    },
  };
}

describe("node columns", () => {
  it("are Kubernetes' columns", () => {
    expect(columnNames("/Node")).toEqual([
      "Name",
      "Status",
      "Roles",
      "Age",
      "Version",
      "Internal-IP",
      "External-IP",
      "OS-Image",
      "Kernel-Version",
      "Container-Runtime",
    ]);
  });
});

describe("node STATUS", () => {
  it.each([
    ["Ready", { ready: "True" }],
    ["NotReady", { ready: "False" }],
    ["NotReady", { ready: "Unknown" }], // the node controller sets Unknown when the kubelet stops reporting
    ["Unknown", {}],
    ["Ready,SchedulingDisabled", { ready: "True", unschedulable: true }],
    ["NotReady,SchedulingDisabled", { ready: "False", unschedulable: true }],
  ])("%s", (status, opts) => {
    expect(cellsOf("/Node", node("n", opts))[1]).toBe(status);
  });
});

describe("node ROLES", () => {
  it.each([
    [{}, "<none>"],
    [{ "node-role.kubernetes.io/control-plane": "" }, "control-plane"],
    [
      { "node-role.kubernetes.io/worker": "true", "node-role.kubernetes.io/control-plane": "" },
      "control-plane,worker",
    ],
    [{ "kubernetes.io/role": "master" }, "master"],
    [{ "kubernetes.io/role": "" }, "<none>"],
    [{ "node-role.kubernetes.io/": "" }, "<none>"],
    [{ "node-role.kubernetes.io/infra": "", "kubernetes.io/role": "infra" }, "infra"],
  ])("%o is %s", (labels, roles) => {
    expect(cellsOf("/Node", node("n", { ready: "True", labels }))[2]).toBe(roles);
  });

  it("are sorted and unique", () => {
    expect(
      nodeRoles({
        "node-role.kubernetes.io/b": "",
        "node-role.kubernetes.io/a": "",
        "kubernetes.io/role": "b",
      }),
    ).toEqual(["a", "b"]);
  });
});

describe("node cells", () => {
  it("show age and kubelet version, and with -o wide addresses and system info", () => {
    const n = node("node-1", {
      ready: "True",
      addresses: [
        { type: "Hostname", address: "node-1" },
        { type: "InternalIP", address: "127.1.0.1" },
      ],
      nodeInfo: {
        kubeletVersion: "v1.32.0",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        kernelVersion: "6.1.0-18-amd64",
        containerRuntimeVersion: "tinykube://0.1.0",
      },
    });
    expect(cellsOf("/Node", n)).toEqual([
      "node-1",
      "Ready",
      "<none>",
      "3d4h",
      "v1.32.0",
      "127.1.0.1",
      "<none>",
      "Debian GNU/Linux 12 (bookworm)",
      "6.1.0-18-amd64",
      "tinykube://0.1.0",
    ]);
    expect(cellsOf("/Node", n, { wide: false })).toEqual([
      "node-1",
      "Ready",
      "<none>",
      "3d4h",
      "v1.32.0",
    ]);
  });

  it("print <unknown> for system info a kubelet has not reported", () => {
    expect(cellsOf("/Node", node("n", { nodeInfo: {} })).slice(4)).toEqual([
      "",
      "<none>",
      "<none>",
      "<unknown>",
      "<unknown>",
      "<unknown>",
    ]);
  });
});
