import { describe, expect, it } from "vitest";
import type { JsonObject } from "./fields.ts";
import { applyPodDefaults, applyPodTemplateSpecDefaults } from "./pod.ts";

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary paths of defaulted JSON
type Loose = any;
const pod = (spec: JsonObject): Loose =>
  applyPodDefaults({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec });
const container = (c: JsonObject = {}) =>
  pod({ containers: [{ name: "c", image: "busybox:1.36", ...c }] }).spec.containers[0];

describe("Pod defaults", () => {
  it("fills the pod spec as `kubectl get pod -o yaml` shows it", () => {
    const p = pod({ containers: [{ name: "c", image: "busybox" }] });
    expect(p.spec).toEqual({
      containers: [
        {
          name: "c",
          image: "busybox",
          imagePullPolicy: "Always",
          resources: {},
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
        },
      ],
      dnsPolicy: "ClusterFirst",
      enableServiceLinks: true,
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      securityContext: {},
      terminationGracePeriodSeconds: 30,
    });
  });

  it("keeps every value the user set", () => {
    const p = pod({
      containers: [
        {
          name: "c",
          image: "busybox",
          imagePullPolicy: "Never",
          terminationMessagePolicy: "FallbackToLogsOnError",
        },
      ],
      restartPolicy: "Never",
      dnsPolicy: "Default",
      terminationGracePeriodSeconds: 0,
      enableServiceLinks: false,
      securityContext: { runAsUser: 1000 },
    });
    expect(p.spec).toMatchObject({
      restartPolicy: "Never",
      dnsPolicy: "Default",
      terminationGracePeriodSeconds: 0,
      enableServiceLinks: false,
      securityContext: { runAsUser: 1000 },
    });
    expect(p.spec.containers[0]).toMatchObject({
      imagePullPolicy: "Never",
      terminationMessagePolicy: "FallbackToLogsOnError",
    });
  });

  it("ports are TCP unless they say otherwise", () => {
    expect(
      container({ ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }] }).ports,
    ).toEqual([
      { containerPort: 80, protocol: "TCP" },
      { containerPort: 53, protocol: "UDP" },
    ]);
  });

  it("probes get timeout 1, period 10, success 1, failure 3, and httpGet path / over HTTP", () => {
    const c = container({
      livenessProbe: { httpGet: { port: 8080 } },
      readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5, timeoutSeconds: 0 },
      startupProbe: { grpc: { port: 9000 } },
    });
    expect(c.livenessProbe).toEqual({
      httpGet: { port: 8080, path: "/", scheme: "HTTP" },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c.readinessProbe).toMatchObject({ periodSeconds: 5, timeoutSeconds: 1 });
    expect(c.startupProbe.grpc).toEqual({ port: 9000, service: "" });
  });

  it("a fieldRef without apiVersion means v1", () => {
    const c = container({
      env: [{ name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
    });
    expect(c.env[0].valueFrom.fieldRef).toEqual({ apiVersion: "v1", fieldPath: "metadata.name" });
  });

  it("a pod (not a template) requests what it limits, unless it asks for something else", () => {
    const c = container({
      resources: { limits: { cpu: "1", memory: "256Mi" }, requests: { cpu: "100m" } },
    });
    expect(c.resources).toEqual({
      limits: { cpu: "1", memory: "256Mi" },
      requests: { cpu: "100m", memory: "256Mi" },
    });
  });

  it("quantities come back canonical and rounded up to milli-units", () => {
    const c = container({
      resources: { requests: { cpu: 0.5, memory: "1024Mi", "ephemeral-storage": "1n" } },
    });
    expect(c.resources.requests).toEqual({ cpu: "500m", memory: "1Gi", "ephemeral-storage": "1m" });
  });

  it("volumes: no source means emptyDir; file modes are 0644; tokens live an hour", () => {
    const p = pod({
      containers: [{ name: "c", image: "x" }],
      volumes: [
        { name: "scratch" },
        { name: "cfg", configMap: { name: "cfg" } },
        { name: "sec", secret: { secretName: "s", defaultMode: 0o400 } },
        { name: "host", hostPath: { path: "/var/log" } },
        { name: "api", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } },
      ],
    });
    expect(p.spec.volumes).toEqual([
      { name: "scratch", emptyDir: {} },
      { name: "cfg", configMap: { name: "cfg", defaultMode: 420 } },
      { name: "sec", secret: { secretName: "s", defaultMode: 0o400 } },
      { name: "host", hostPath: { path: "/var/log", type: "" } },
      {
        name: "api",
        projected: {
          defaultMode: 420,
          sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }],
        },
      },
    ]);
  });

  it("a hostNetwork pod's containerPorts are also its hostPorts", () => {
    const p = pod({
      hostNetwork: true,
      containers: [{ name: "c", image: "x", ports: [{ containerPort: 8080 }] }],
    });
    expect(p.spec.containers[0].ports[0]).toEqual({
      containerPort: 8080,
      hostPort: 8080,
      protocol: "TCP",
    });
  });

  it("leaves values of the wrong type alone for validation to report", () => {
    const p = pod({ containers: "not a list", restartPolicy: 7, volumes: [null, 3] });
    expect(p.spec.containers).toBe("not a list");
    expect(p.spec.restartPolicy).toBe(7);
    expect(p.spec.volumes).toEqual([null, 3]);
  });
});

describe("pod template defaults", () => {
  it("skip what only a Pod gets", () => {
    const t = applyPodTemplateSpecDefaults({
      spec: { containers: [{ name: "c", image: "x", resources: { limits: { cpu: "1" } } }] },
    });
    const spec = t.spec as JsonObject;
    expect(spec.enableServiceLinks).toBeUndefined();
    expect(spec.restartPolicy).toBe("Always");
  });
});
