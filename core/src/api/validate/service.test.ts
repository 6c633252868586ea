import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, type Json, updateErrors } from "./testing.ts";

const service: KubeObject = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web", namespace: "default" },
  spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
};

/** As the registry stores it: a cluster IP allocated and mirrored into clusterIPs. */
const stored = edited(service, (s) => {
  s.spec.clusterIP = "10.96.0.10";
  s.spec.clusterIPs = ["10.96.0.10"];
});

describe("Service validation", () => {
  it("accepts valid services of each type", () => {
    expect(createErrors(service)).toEqual([]);
    expect(createErrors(edited(service, (s) => (s.spec.type = "NodePort")))).toEqual([]);
    expect(createErrors(edited(service, (s) => (s.spec.clusterIP = "None")))).toEqual([]);
    expect(
      createErrors({ ...service, spec: { type: "ExternalName", externalName: "db.example.com." } }),
    ).toEqual([]);
  });

  it.each<[string, (s: Json) => void, string[]]>([
    ["no ports", (s) => (s.spec.ports = []), ["spec.ports: Required value"]],
    [
      "a name that is not a DNS-1035 label",
      (s) => (s.metadata.name = "1web"),
      [
        "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    [
      "port 0",
      (s) => (s.spec.ports[0].port = 0),
      ["spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"],
    ],
    [
      "two ports, one unnamed",
      (s) => s.spec.ports.push({ port: 443 }),
      ["spec.ports[1].name: Required value"],
    ],
    [
      "a protocol outside the enum",
      (s) => (s.spec.ports[0].protocol = "HTTP"),
      ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      "the same port and protocol twice",
      (s) => s.spec.ports.push({ name: "again", port: 80 }),
      ['spec.ports[1]: Duplicate value: {"protocol":"TCP","port":80}'],
    ],
    [
      "a type outside the enum",
      (s) => (s.spec.type = "Mesh"),
      [
        'spec.type: Unsupported value: "Mesh": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      ],
    ],
    [
      "a nodePort on a ClusterIP service",
      (s) => (s.spec.ports[0].nodePort = 30080),
      ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ],
    [
      "an invalid label in the selector",
      (s) => (s.spec.selector = { app: "web app" }),
      [
        "spec.selector: Invalid value: \"web app\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    [
      "an ExternalName service without a name to point at",
      (s) => {
        s.spec = { type: "ExternalName" };
      },
      ["spec.externalName: Required value"],
    ],
    [
      "a headless NodePort service",
      (s) => {
        s.spec.type = "NodePort";
        s.spec.clusterIP = "None";
      },
      [
        "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services",
      ],
    ],
    [
      "an externalTrafficPolicy on a ClusterIP service",
      (s) => (s.spec.externalTrafficPolicy = "Local"),
      [
        'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
      ],
    ],
    [
      "a ClientIP affinity longer than a day",
      (s) => {
        s.spec.sessionAffinity = "ClientIP";
        s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 90000 } };
      },
      [
        "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must be greater than 0 and less than 86400",
      ],
    ],
    [
      "an invalid cluster IP",
      (s) => (s.spec.clusterIP = "10.96.0.300"),
      [
        'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      ],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(service, edit))).toEqual(expected);
  });

  it("on update, the cluster IP never changes", () => {
    expect(
      updateErrors(
        edited(stored, (s) => (s.spec.ports[0].port = 8080)),
        stored,
      ),
    ).toEqual([]);
    const moved = edited(stored, (s) => {
      s.spec.clusterIP = "10.96.0.11";
      s.spec.clusterIPs = ["10.96.0.11"];
    });
    expect(updateErrors(moved, stored)).toEqual([
      'spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set',
    ]);
  });
});
