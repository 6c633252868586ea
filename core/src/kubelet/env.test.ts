import { describe, expect, it } from "vitest";
import type { Container, Pod } from "../api/types.ts";
import {
  ContainerConfigError,
  type EnvInput,
  expand,
  expandContainerCommand,
  makeEnvironment,
  serviceEnvironment,
} from "./env.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function input(container: Partial<Container>, extra: Partial<EnvInput> = {}): EnvInput {
  const c = { name: "app", image: "tinykube/hello", ...container } as Container;
  const pod = {
    metadata: {
      name: "web-1",
      namespace: "shop",
      uid: "u-1",
      labels: { app: "web" },
      annotations: { team: "blue" },
    },
    spec: { nodeName: "node-1", serviceAccountName: "default", containers: [c] },
  } as unknown as Pod;
  return {
    pod,
    container: c,
    podIP: "127.128.1.5",
    hostIP: "127.1.0.1",
    objects: {
      configMap: async (ns, name) =>
        ns === "shop" && name === "settings"
          ? { data: { LEVEL: "debug", COLOR: "red" } }
          : undefined,
      secret: async (ns, name) =>
        ns === "shop" && name === "creds" ? { data: { password: b64("s3cret") } } : undefined,
    },
    services: [],
    nodeAllocatable: { cpu: "4", memory: "8Gi" },
    ...extra,
  };
}

describe("expand", () => {
  const lookup = (name: string) => ({ A: "1", B: "two" })[name];
  it.each([
    ["x-$(A)-$(B)", "x-1-two"],
    ["$(MISSING) stays", "$(MISSING) stays"],
    ["$$(A) is escaped", "$(A) is escaped"],
    ["cost: $$5", "cost: $5"],
    ["unclosed $(A", "unclosed $(A"],
    ["lone $ at the end $", "lone $ at the end $"],
    ["$x is not a reference", "$x is not a reference"],
  ])("%s → %s", (text, want) => {
    expect(expand(text, lookup)).toBe(want);
  });
});

describe("makeEnvironment", () => {
  it("resolves values, the downward API, config maps and secrets, in order", async () => {
    const env = await makeEnvironment(
      input({
        envFrom: [{ configMapRef: { name: "settings" }, prefix: "CFG_" }],
        env: [
          { name: "GREETING", value: "hello $(POD_NAME)" }, // POD_NAME is not defined yet
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "WHO", value: "$(POD_NAME) in $(CFG_LEVEL)" },
          { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "HOST", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
          { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          {
            name: "TEAM",
            valueFrom: { fieldRef: { fieldPath: "metadata.annotations['team']" } },
          },
          {
            name: "LEVEL",
            valueFrom: { configMapKeyRef: { name: "settings", key: "LEVEL" } },
          },
          { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
          { name: "EMPTY", value: "" },
        ],
      }),
    );
    expect(Object.fromEntries(env)).toEqual({
      CFG_LEVEL: "debug",
      CFG_COLOR: "red",
      GREETING: "hello $(POD_NAME)",
      POD_NAME: "web-1",
      WHO: "web-1 in debug",
      NS: "shop",
      IP: "127.128.1.5",
      HOST: "127.1.0.1",
      NODE: "node-1",
      APP: "web",
      TEAM: "blue",
      LEVEL: "debug",
      PASSWORD: "s3cret",
      EMPTY: "",
    });
  });

  it("lets env override envFrom, and a later envFrom source override an earlier one", async () => {
    const env = await makeEnvironment(
      input({
        envFrom: [{ configMapRef: { name: "settings" } }, { secretRef: { name: "creds" } }],
        env: [{ name: "COLOR", value: "blue" }],
      }),
    );
    expect(env.get("COLOR")).toBe("blue");
    expect(env.get("LEVEL")).toBe("debug");
    expect(env.get("password")).toBe("s3cret");
  });

  it.each([
    [
      "a missing config map",
      { valueFrom: { configMapKeyRef: { name: "nope", key: "K" } } },
      'configmap "nope" not found',
    ],
    [
      "a missing secret",
      { valueFrom: { secretKeyRef: { name: "nope", key: "K" } } },
      'secret "nope" not found',
    ],
    [
      "a missing config map key",
      { valueFrom: { configMapKeyRef: { name: "settings", key: "NOPE" } } },
      "couldn't find key NOPE in ConfigMap shop/settings",
    ],
    [
      "a missing secret key",
      { valueFrom: { secretKeyRef: { name: "creds", key: "NOPE" } } },
      "couldn't find key NOPE in Secret shop/creds",
    ],
    [
      "an unknown field path",
      { valueFrom: { fieldRef: { fieldPath: "spec.bogus" } } },
      "unsupported fieldPath: spec.bogus",
    ],
  ])("fails on %s with the kubelet's message", async (_, source, message) => {
    const attempt = makeEnvironment(input({ env: [{ name: "X", ...source }] }));
    await expect(attempt).rejects.toThrow(ContainerConfigError);
    await expect(attempt).rejects.toThrow(message);
  });

  it("skips what an optional reference does not find", async () => {
    const env = await makeEnvironment(
      input({
        envFrom: [{ configMapRef: { name: "nope", optional: true } }],
        env: [
          { name: "A", valueFrom: { configMapKeyRef: { name: "nope", key: "K", optional: true } } },
          {
            name: "B",
            valueFrom: { secretKeyRef: { name: "creds", key: "NOPE", optional: true } },
          },
          { name: "C", value: "kept" },
        ],
      }),
    );
    expect(Object.fromEntries(env)).toEqual({ C: "kept" });
  });

  it("fetches each object once, however many references name it", async () => {
    let gets = 0;
    const base = input({
      env: [
        { name: "A", valueFrom: { configMapKeyRef: { name: "settings", key: "LEVEL" } } },
        { name: "B", valueFrom: { configMapKeyRef: { name: "settings", key: "COLOR" } } },
      ],
      envFrom: [{ configMapRef: { name: "settings" } }],
    });
    const env = await makeEnvironment({
      ...base,
      objects: {
        ...base.objects,
        configMap: async (ns, name) => {
          gets++;
          return base.objects.configMap(ns, name);
        },
      },
    });
    expect(env.get("B")).toBe("red");
    expect(gets).toBe(1);
  });

  it.each([
    ["limits.cpu", "1", "250m", undefined, "1"],
    ["limits.cpu", "1m", "250m", undefined, "250"],
    ["limits.memory", "1Mi", undefined, "64Mi", "64"],
    ["limits.memory", "1", undefined, "1Ki", "1024"],
    ["requests.cpu", "1m", "100m", undefined, "100"],
  ])("resourceFieldRef %s divisor %s → rounds up", async (resource, divisor, cpu, memory, want) => {
    const amounts = { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
    const env = await makeEnvironment(
      input({
        resources: { limits: amounts, requests: amounts },
        env: [{ name: "R", valueFrom: { resourceFieldRef: { resource, divisor } } }],
      }),
    );
    expect(env.get("R")).toBe(want);
  });

  it("reports the node's allocatable for a limit the container does not set", async () => {
    const env = await makeEnvironment(
      input({
        env: [
          { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
          {
            name: "MEM",
            valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Gi" } },
          },
        ],
      }),
    );
    expect(env.get("CPU")).toBe("4");
    expect(env.get("MEM")).toBe("8");
  });

  it("adds service links after the container's own variables, which win", async () => {
    const services = [
      {
        metadata: { name: "kubernetes", namespace: "default" },
        spec: { clusterIP: "127.96.0.1", ports: [{ name: "https", port: 443 }] },
      },
      {
        metadata: { name: "web-api", namespace: "shop" },
        spec: { clusterIP: "127.96.0.20", ports: [{ port: 80, protocol: "TCP" }] },
      },
    ];
    const env = await makeEnvironment(
      input(
        {
          env: [
            { name: "WEB_API_SERVICE_PORT", value: "mine" },
            { name: "K", value: "$(KUBERNETES_SERVICE_HOST)" },
          ],
        },
        { services },
      ),
    );
    expect(env.get("KUBERNETES_SERVICE_HOST")).toBe("127.96.0.1");
    expect(env.get("K")).toBe("127.96.0.1");
    expect(env.get("WEB_API_SERVICE_HOST")).toBe("127.96.0.20");
    expect(env.get("WEB_API_SERVICE_PORT")).toBe("mine");
  });
});

describe("serviceEnvironment", () => {
  const services = [
    {
      metadata: { name: "kubernetes", namespace: "default" },
      spec: { clusterIP: "127.96.0.1", ports: [{ name: "https", port: 443, protocol: "TCP" }] },
    },
    {
      metadata: { name: "db.main", namespace: "shop" },
      spec: {
        clusterIP: "127.96.0.9",
        ports: [
          { name: "sql", port: 5432, protocol: "TCP" },
          { name: "stats", port: 9000, protocol: "UDP" },
        ],
      },
    },
    { metadata: { name: "headless", namespace: "shop" }, spec: { clusterIP: "None", ports: [] } },
    { metadata: { name: "other", namespace: "elsewhere" }, spec: { clusterIP: "127.96.0.3" } },
  ];

  it("gives the kubernetes Service and the namespace's Services, as envvars.FromServices", () => {
    expect(Object.fromEntries(serviceEnvironment(services, "shop", true))).toEqual({
      KUBERNETES_SERVICE_HOST: "127.96.0.1",
      KUBERNETES_SERVICE_PORT: "443",
      KUBERNETES_SERVICE_PORT_HTTPS: "443",
      KUBERNETES_PORT: "tcp://127.96.0.1:443",
      KUBERNETES_PORT_443_TCP: "tcp://127.96.0.1:443",
      KUBERNETES_PORT_443_TCP_PROTO: "tcp",
      KUBERNETES_PORT_443_TCP_PORT: "443",
      KUBERNETES_PORT_443_TCP_ADDR: "127.96.0.1",
      DB_MAIN_SERVICE_HOST: "127.96.0.9",
      DB_MAIN_SERVICE_PORT: "5432",
      DB_MAIN_SERVICE_PORT_SQL: "5432",
      DB_MAIN_SERVICE_PORT_STATS: "9000",
      DB_MAIN_PORT: "tcp://127.96.0.9:5432",
      DB_MAIN_PORT_5432_TCP: "tcp://127.96.0.9:5432",
      DB_MAIN_PORT_5432_TCP_PROTO: "tcp",
      DB_MAIN_PORT_5432_TCP_PORT: "5432",
      DB_MAIN_PORT_5432_TCP_ADDR: "127.96.0.9",
      DB_MAIN_PORT_9000_UDP: "udp://127.96.0.9:9000",
      DB_MAIN_PORT_9000_UDP_PROTO: "udp",
      DB_MAIN_PORT_9000_UDP_PORT: "9000",
      DB_MAIN_PORT_9000_UDP_ADDR: "127.96.0.9",
    });
  });

  it("keeps only the kubernetes Service when enableServiceLinks is false", () => {
    const names = [...serviceEnvironment(services, "shop", false).keys()];
    expect(names.every((n) => n.startsWith("KUBERNETES_"))).toBe(true);
    expect(names).toContain("KUBERNETES_SERVICE_HOST");
  });
});

describe("expandContainerCommand", () => {
  it("expands command and args against the finished environment", () => {
    const env = new Map([["PORT", "9000"]]);
    const out = expandContainerCommand(
      { name: "c", command: ["serve", "--port=$(PORT)"], args: ["$(NOPE)", "$$(PORT)"] },
      env,
    );
    expect(out).toEqual({ command: ["serve", "--port=9000"], args: ["$(NOPE)", "$(PORT)"] });
  });
});
