import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, type Json, updateErrors } from "./testing.ts";

const pod: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "default" },
  spec: {
    containers: [
      {
        name: "web",
        image: "nginx:1.27",
        ports: [{ containerPort: 80, name: "http" }],
        env: [
          { name: "MODE", value: "prod" },
          { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        ],
        resources: { requests: { cpu: "100m" }, limits: { cpu: "500m", memory: "128Mi" } },
        volumeMounts: [{ name: "data", mountPath: "/data" }],
        livenessProbe: { httpGet: { port: "http" } },
      },
    ],
    volumes: [{ name: "data", emptyDir: {} }],
  },
};

const DNS_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe("Pod create validation", () => {
  it("accepts a valid pod", () => {
    expect(createErrors(pod)).toEqual([]);
  });

  it.each<[string, (p: Json) => void, string[]]>([
    ["no containers", (p) => (p.spec.containers = []), ["spec.containers: Required value"]],
    [
      "a container name that is not a DNS label",
      (p) => (p.spec.containers[0].name = "Web"),
      [`spec.containers[0].name: Invalid value: "Web": ${DNS_LABEL}`],
    ],
    [
      "two containers with one name",
      (p) => p.spec.containers.push({ name: "web", image: "busybox" }),
      ['spec.containers[1].name: Duplicate value: "web"'],
    ],
    [
      "no image",
      (p) => delete p.spec.containers[0].image,
      ["spec.containers[0].image: Required value"],
    ],
    [
      "an image with spaces around it",
      (p) => (p.spec.containers[0].image = " nginx"),
      [
        'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace',
      ],
    ],
    [
      "port 0",
      (p) => (p.spec.containers[0].ports[0].containerPort = 0),
      ["spec.containers[0].ports[0].containerPort: Required value"],
    ],
    [
      "port 70000",
      (p) => (p.spec.containers[0].ports[0].containerPort = 70000),
      [
        "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
      ],
    ],
    [
      "a protocol that is not TCP, UDP or SCTP",
      (p) => (p.spec.containers[0].ports[0].protocol = "HTTP"),
      [
        'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      ],
    ],
    [
      "two ports with one name",
      (p) => p.spec.containers[0].ports.push({ containerPort: 81, name: "http" }),
      ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ],
    [
      "a port name that is a number",
      (p) => (p.spec.containers[0].ports[0].name = "8080"),
      [
        'spec.containers[0].ports[0].name: Invalid value: "8080": must contain at least one letter (a-z)',
      ],
    ],
    [
      "one hostPort twice in a pod",
      (p) => {
        p.spec.containers[0].ports[0].hostPort = 8080;
        p.spec.containers.push({
          name: "side",
          image: "busybox",
          ports: [{ containerPort: 81, hostPort: 8080 }],
        });
      },
      ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
    ],
    [
      "an env name with '='",
      (p) => (p.spec.containers[0].env[0].name = "A=B"),
      [
        `spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
      ],
    ],
    [
      "an env var with a value and a valueFrom",
      (p) => (p.spec.containers[0].env[1].value = "x"),
      [
        'spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      ],
    ],
    [
      "a fieldRef to a field the kubelet cannot fill in",
      (p) => (p.spec.containers[0].env[1].valueFrom.fieldRef.fieldPath = "status.phase"),
      [
        'spec.containers[0].env[1].valueFrom.fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      ],
    ],
    [
      "requests above limits",
      (p) => (p.spec.containers[0].resources.requests.cpu = "2"),
      [
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 500m',
      ],
    ],
    [
      "a resource that is not a container resource",
      (p) => (p.spec.containers[0].resources.limits.pods = "1"),
      // A pod requests what it limits, so the bad name shows up twice.
      [
        'spec.containers[0].resources.limits[pods]: Invalid value: "pods": must be a standard resource for containers',
        'spec.containers[0].resources.requests[pods]: Invalid value: "pods": must be a standard resource for containers',
      ],
    ],
    [
      "an extended resource requested but not limited",
      (p) => (p.spec.containers[0].resources.requests["example.com/gpu"] = "1"),
      [
        "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources",
      ],
    ],
    [
      "a restartPolicy outside the enum",
      (p) => (p.spec.restartPolicy = "Sometimes"),
      [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      ],
    ],
    [
      "two volumes with one name",
      (p) => p.spec.volumes.push({ name: "data", emptyDir: {} }),
      ['spec.volumes[1].name: Duplicate value: "data"'],
    ],
    [
      "a volume with two sources",
      (p) => (p.spec.volumes[0].configMap = { name: "cfg" }),
      // An invalid volume is not mountable either, as in Kubernetes.
      [
        "spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type",
        'spec.containers[0].volumeMounts[0].name: Not found: "data"',
      ],
    ],
    [
      "a mount of a volume the pod does not have",
      (p) => (p.spec.containers[0].volumeMounts[0].name = "cache"),
      ['spec.containers[0].volumeMounts[0].name: Not found: "cache"'],
    ],
    [
      "two mounts at one path",
      (p) => p.spec.containers[0].volumeMounts.push({ name: "data", mountPath: "/data" }),
      ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique'],
    ],
    [
      "a subPath that climbs out of the volume",
      (p) => (p.spec.containers[0].volumeMounts[0].subPath = "../etc"),
      ["spec.containers[0].volumeMounts.subPath: Invalid value: \"../etc\": must not contain '..'"],
    ],
    [
      "a liveness probe that needs two successes",
      (p) => (p.spec.containers[0].livenessProbe.successThreshold = 2),
      ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"],
    ],
    [
      "a probe that probes nothing",
      (p) => (p.spec.containers[0].readinessProbe = { periodSeconds: 5 }),
      ["spec.containers[0].readinessProbe: Required value: must specify a handler type"],
    ],
    [
      "a toleration with no key and operator Equal",
      (p) => (p.spec.tolerations = [{ value: "x", effect: "NoSchedule" }]),
      [
        'spec.tolerations[0].operator: Invalid value: "": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      ],
    ],
    [
      "an activeDeadlineSeconds of 0",
      (p) => (p.spec.activeDeadlineSeconds = 0),
      ["spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"],
    ],
    [
      "ephemeral containers on create",
      (p) => (p.spec.ephemeralContainers = [{ name: "debug", image: "busybox" }]),
      ["spec.ephemeralContainers: Forbidden: cannot be set on create"],
    ],
    [
      "an init container with a liveness probe",
      (p) =>
        (p.spec.initContainers = [
          { name: "init", image: "busybox", livenessProbe: { exec: { command: ["true"] } } },
        ]),
      [
        "spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
      ],
    ],
    [
      "an init container named like a container",
      (p) => (p.spec.initContainers = [{ name: "web", image: "busybox" }]),
      ['spec.initContainers[0].name: Duplicate value: "web"'],
    ],
    ["no namespace", (p) => delete p.metadata.namespace, ["metadata.namespace: Required value"]],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(pod, edit))).toEqual(expected);
  });

  it("accepts two ports with the same number and protocol (Kubernetes only warns)", () => {
    const p = edited(pod, (c) => c.spec.containers[0].ports.push({ containerPort: 80 }));
    expect(createErrors(p)).toEqual([]);
  });

  it("accepts relaxed environment variable names", () => {
    const p = edited(pod, (c) => (c.spec.containers[0].env[0].name = "1st-setting.x"));
    expect(createErrors(p)).toEqual([]);
  });

  it("accepts a sidecar init container with probes", () => {
    const p = edited(pod, (c) => {
      c.spec.initContainers = [
        {
          name: "proxy",
          image: "envoy",
          restartPolicy: "Always",
          readinessProbe: { tcpSocket: { port: 9901 } },
        },
      ];
    });
    expect(createErrors(p)).toEqual([]);
  });
});

describe("Pod update validation", () => {
  const stored = edited(pod, (p) => {
    p.spec.tolerations = [
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ];
  });

  it("allows changing an image, adding a toleration, setting a deadline", () => {
    const next = edited(stored, (p) => {
      p.spec.containers[0].image = "nginx:1.28";
      p.spec.tolerations.push({ key: "gpu", operator: "Exists" });
      p.spec.activeDeadlineSeconds = 60;
    });
    expect(updateErrors(next, stored)).toEqual([]);
  });

  it("allows changing a toleration's tolerationSeconds", () => {
    const next = edited(stored, (p) => (p.spec.tolerations[0].tolerationSeconds = 30));
    expect(updateErrors(next, stored)).toEqual([]);
  });

  it("forbids any other change to the spec, and says which fields may change", () => {
    const next = edited(stored, (p) => (p.spec.containers[0].ports[0].containerPort = 8080));
    const [message, ...rest] = updateErrors(next, stored);
    expect(rest).toEqual([]);
    expect(message?.split("\n")).toEqual([
      "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
      "- spec.containers[0].ports[0].containerPort: 80",
      "+ spec.containers[0].ports[0].containerPort: 8080",
    ]);
  });

  it.each<[string, (p: Json) => void, string[]]>([
    [
      "adding a container",
      (p) => p.spec.containers.push({ name: "side", image: "busybox" }),
      ["spec.containers: Forbidden: pod updates may not add or remove containers"],
    ],
    [
      "changing an existing toleration",
      (p) => (p.spec.tolerations[0].effect = "NoSchedule"),
      [
        "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
        "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds",
      ],
    ],
    [
      "renaming the pod",
      (p) => (p.metadata.name = "web2"),
      ['metadata.name: Invalid value: "web2": field is immutable'],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(updateErrors(edited(stored, edit), stored)).toEqual(expected);
  });

  it("lets a deadline shrink but not grow", () => {
    const withDeadline = edited(stored, (p) => (p.spec.activeDeadlineSeconds = 60));
    expect(
      updateErrors(
        edited(withDeadline, (p) => (p.spec.activeDeadlineSeconds = 30)),
        withDeadline,
      ),
    ).toEqual([]);
    expect(
      updateErrors(
        edited(withDeadline, (p) => (p.spec.activeDeadlineSeconds = 90)),
        withDeadline,
      ),
    ).toEqual([
      "spec.activeDeadlineSeconds: Invalid value: 90: must be less than or equal to previous value",
    ]);
  });
});
