/**
 * What a container is given — environment, volumes, DNS, expanded command — and what the kubelet says
 * when it cannot be given it: on the process runtime (the container prints what it sees) and on
 * the fake runtime with a fake clock (CreateContainerConfigError, FailedMount, the events).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import type { CoreEvent } from "../client/events.ts";
import { builtinType } from "../client/factory.ts";
import { eventually } from "../controllers/testing.ts";
import { FakeRuntime } from "../runtime/fake/runtime.ts";
import { NodeImageStore } from "../runtime/images/store.ts";
import { ProcessRuntime } from "../runtime/process/runtime.ts";
import { killAndRemove, temporaryRoot } from "../runtime/process/testing.ts";
import { FakeClock } from "../util/clock.ts";
import { Kubelet } from "./kubelet.ts";
import {
  advanceUntil,
  type KubeletTestCluster,
  podOn,
  startKubeletTestCluster,
} from "./testing.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("a container's environment and volumes", () => {
  let cluster: KubeletTestCluster | undefined;
  let root = "";
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    if (root) await killAndRemove(root);
    root = "";
    await cluster?.close();
    cluster = undefined;
  });

  const createConfig = async (c: KubeletTestCluster) => {
    await c.admin.resource(builtinType("configmaps"), "default").create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings" },
      data: { LEVEL: "debug", "app.yaml": "greeting: hello\n" },
    });
  };

  it("on the process runtime: env from every source, $(VAR) in args, files from volumes", async () => {
    cluster = await startKubeletTestCluster();
    root = await temporaryRoot("kubelet-config");
    const runtime = new ProcessRuntime({
      root: join(root, "node"),
      images: new NodeImageStore({ root: join(root, "images") }),
    });
    const kubelet = new Kubelet({
      client: cluster.node,
      nodeName: "node-1",
      address: "127.1.0.1",
      runtime,
      rootDir: join(root, "kubelet"),
      podCIDR: "127.128.9.0/24",
      relistPeriodMs: 200,
      dns: {
        clusterDNS: ["127.96.0.10"],
        port: 1053,
        hostResolvConf: "nameserver 192.0.2.53\nsearch example.org\n",
      },
    });
    stops.push(
      () => runtime.close(),
      () => kubelet.stop(),
    );
    await kubelet.start();
    await createConfig(cluster);
    await cluster.admin.resource(builtinType("secrets"), "default").create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "creds" },
      data: { password: b64("s3cret") },
    });
    const script = [
      'echo "level=$LEVEL pod=$POD_NAME ip=$MY_IP node=$NODE pw=$PASSWORD"',
      'echo "arg=$1"',
      "cat $TINYKUBE_ROOT/etc/app/app.yaml",
      "cat $TINYKUBE_ROOT/etc/secret/password; echo",
      "echo written > $TINYKUBE_ROOT/scratch/out && cat $TINYKUBE_ROOT/scratch/out",
      'echo "dns=$TINYKUBE_DNS_SERVERS search=$TINYKUBE_DNS_SEARCH options=$TINYKUBE_DNS_OPTIONS"',
      "cat $TINYKUBE_ROOT/etc/resolv.conf",
    ].join("; ");
    await cluster.pods.create(
      podOn(
        "node-1",
        "show",
        [
          {
            name: "show",
            image: "busybox:1.36",
            command: ["sh", "-c", script, "sh"],
            args: ["$(LEVEL)-$(POD_NAME)"],
            env: [
              { name: "LEVEL", valueFrom: { configMapKeyRef: { name: "settings", key: "LEVEL" } } },
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "MY_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
              { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
              { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
            ],
            volumeMounts: [
              { name: "app", mountPath: "/etc/app" },
              { name: "secret", mountPath: "/etc/secret" },
              { name: "scratch", mountPath: "/scratch" },
            ],
          },
        ],
        {
          restartPolicy: "Never",
          volumes: [
            {
              name: "app",
              configMap: { name: "settings", items: [{ key: "app.yaml", path: "app.yaml" }] },
            },
            { name: "secret", secret: { secretName: "creds" } },
            { name: "scratch", emptyDir: {} },
          ],
        },
      ),
    );
    const c = cluster;
    const pod = (await eventually(
      () => c.getPod("show"),
      (p) => p?.status?.phase === "Succeeded" || p?.status?.phase === "Failed",
      "show finished",
      30_000,
    )) as Pod;
    const uid = pod.metadata.uid as string;
    const log = await readFile(
      join(root, "kubelet", "pods", `default_show_${uid}`, "show", "0.log"),
      "utf8",
    );
    const lines = log
      .trimEnd()
      .split("\n")
      .map((l) => l.split(" ").slice(3).join(" "));
    expect(pod.status?.phase, lines.join("\n")).toBe("Succeeded");
    expect(lines).toEqual([
      `level=debug pod=show ip=${pod.status?.podIP} node=node-1 pw=s3cret`,
      "arg=debug-show",
      "greeting: hello",
      "s3cret",
      "written",
      "dns=127.96.0.10:1053 search=default.svc.cluster.local svc.cluster.local cluster.local example.org options=ndots:5",
      // The sandbox's resolv.conf, as the kubelet's ClusterFirst policy makes it.
      "search default.svc.cluster.local svc.cluster.local cluster.local example.org",
      "nameserver 127.96.0.10",
      "options ndots:5",
    ]);
  });

  const setUpFake = async () => {
    cluster = await startKubeletTestCluster();
    root = await temporaryRoot("kubelet-config-fake");
    const clock = new FakeClock(Date.parse("2026-11-27T10:00:00Z"));
    const runtime = new FakeRuntime({ clock });
    const kubelet = new Kubelet({
      client: cluster.node,
      nodeName: "node-1",
      address: "127.1.0.1",
      runtime,
      rootDir: root,
      clock,
      podCIDR: "10.244.1.0/24",
    });
    stops.push(
      () => runtime.close(),
      () => kubelet.stop(),
    );
    await kubelet.start();
    const c = cluster;
    const events = async (name: string) =>
      (await c.admin.resource<CoreEvent>(builtinType("events"), "default").list()).items.filter(
        (e) => e.involvedObject.name === name,
      );
    const waitFor = (name: string, check: (pod: Pod) => boolean, what: string) =>
      advanceUntil(
        clock,
        async () => {
          const pod = await c.getPod(name);
          return pod && check(pod) ? pod : undefined;
        },
        `${name}: ${what}`,
      );
    return { c, clock, events, waitFor };
  };

  const waitingOf = (pod: Pod) =>
    (pod.status?.containerStatuses?.[0] as { state?: { waiting?: Record<string, string> } })?.state
      ?.waiting;

  it("a missing ConfigMap key source: CreateContainerConfigError, until the ConfigMap exists", async () => {
    const { c, events, waitFor } = await setUpFake();
    await c.pods.create(
      podOn("node-1", "needs-config", [
        {
          name: "app",
          image: "tinykube/hello:1.0",
          env: [{ name: "L", valueFrom: { configMapKeyRef: { name: "settings", key: "LEVEL" } } }],
        },
      ]),
    );
    const pod = await waitFor(
      "needs-config",
      (p) => waitingOf(p)?.reason === "CreateContainerConfigError",
      "CreateContainerConfigError",
    );
    expect(waitingOf(pod)?.message).toBe('configmap "settings" not found');
    expect(pod.status?.phase).toBe("Pending");
    await eventually(
      () => events("needs-config"),
      (list) =>
        list.some(
          (e) => e.reason === "Failed" && e.message === 'Error: configmap "settings" not found',
        ),
      "the Failed event",
    );

    await createConfig(c);
    await waitFor(
      "needs-config",
      (p) => p.status?.phase === "Running",
      "Running once the ConfigMap exists",
    );
    await eventually(
      () => events("needs-config"),
      (list) =>
        ["Pulling", "Pulled", "Created", "Started"].every((r) => list.some((e) => e.reason === r)),
      "Pulling, Pulled, Created and Started events",
    );
  });

  it("a missing ConfigMap volume: FailedMount and ContainerCreating, until the ConfigMap exists", async () => {
    const { c, events, waitFor } = await setUpFake();
    await c.pods.create(
      podOn(
        "node-1",
        "needs-volume",
        [
          {
            name: "app",
            image: "tinykube/hello:1.0",
            volumeMounts: [{ name: "cfg", mountPath: "/cfg" }],
          },
        ],
        { volumes: [{ name: "cfg", configMap: { name: "settings" } }] },
      ),
    );
    const failed = await eventually(
      () => events("needs-volume"),
      (list) => list.some((e) => e.reason === "FailedMount"),
      "the FailedMount event",
    );
    expect(failed.find((e) => e.reason === "FailedMount")?.message).toBe(
      'MountVolume.SetUp failed for volume "cfg" : configmap "settings" not found',
    );
    const pod = (await c.getPod("needs-volume")) as Pod;
    expect(pod.status?.phase ?? "Pending").toBe("Pending");
    const status = pod.status?.containerStatuses?.[0] as { state?: unknown } | undefined;
    // Either no status written yet, or the container waiting in ContainerCreating.
    const state = (status?.state ?? { waiting: { reason: "ContainerCreating" } }) as object;
    expect(state).toEqual({
      waiting: { reason: "ContainerCreating" },
    });

    await createConfig(c);
    await waitFor(
      "needs-volume",
      (p) => p.status?.phase === "Running",
      "Running once the ConfigMap exists",
    );
  });
});
