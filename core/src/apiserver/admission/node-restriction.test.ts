/**
 * Mirror pods at the API server, over HTTPS: a kubelet (system:node:<name>) may create only
 * mirror pods bound to itself and owned by its current Node, naming no API objects
 * (NodeRestriction); and ServiceAccount admission leaves any mirror pod's spec alone but refuses
 * one that names a service account or a Secret, whoever creates it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject, OwnerReference } from "../../api/object.ts";
import { startTestApiServer, type TestApiServer } from "../../testing/cluster.ts";

const PODS = "/api/v1/namespaces/default/pods";
const NODE_1 = "system:node:node-1";

let api: TestApiServer;
let nodeUid = "";
beforeAll(async () => {
  api = await startTestApiServer({ nodes: ["node-1", "node-2"] });
  const res = await api.request("POST", "/api/v1/nodes", {
    user: NODE_1,
    body: { apiVersion: "v1", kind: "Node", metadata: { name: "node-1" } },
  });
  expect(res.status, res.text).toBe(201);
  nodeUid = res.json<KubeObject>().metadata.uid as string;
});
afterAll(async () => {
  await api?.stop();
});

interface TestPod {
  apiVersion: "v1";
  kind: "Pod";
  metadata: {
    name: string;
    annotations: Record<string, string>;
    ownerReferences?: Partial<OwnerReference>[];
  };
  spec: {
    nodeName: string;
    serviceAccountName?: string;
    containers: { name: string; image: string; env?: unknown[] }[];
    volumes?: unknown[];
  };
}
const owner = (pod: TestPod) => pod.metadata.ownerReferences?.[0] as Partial<OwnerReference>;

/** A mirror pod as node-1's kubelet makes it; `change` edits it before it is sent. */
function mirror(name: string, change: (pod: TestPod) => void = () => {}): TestPod {
  const pod: TestPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      annotations: { "kubernetes.io/config.mirror": "abc", "kubernetes.io/config.hash": "abc" },
      ownerReferences: [
        { apiVersion: "v1", kind: "Node", name: "node-1", uid: nodeUid, controller: true },
      ],
    },
    spec: { nodeName: "node-1", containers: [{ name: "c", image: "tinykube/hello:1.0" }] },
  };
  change(pod);
  return pod;
}

async function create(pod: object, user = NODE_1) {
  const res = await api.request("POST", PODS, { user, body: pod });
  return { status: res.status, message: res.json<{ message?: string }>().message, res };
}

describe("NodeRestriction: pods a kubelet creates", () => {
  it("accepts its own mirror pod, and leaves the spec as sent (no service account defaulted)", async () => {
    const { status, res } = await create(mirror("static-web-node-1"));
    expect(status, res.text).toBe(201);
    const spec = res.json<{ spec: { serviceAccountName?: string } }>().spec;
    expect(spec.serviceAccountName).toBeUndefined();
  });

  it.each([
    [
      "a pod that is not a mirror pod",
      (p: TestPod) => {
        delete p.metadata.annotations["kubernetes.io/config.mirror"];
      },
      'pod does not have "kubernetes.io/config.mirror" annotation, node "node-1" can only create mirror pods',
    ],
    [
      "a mirror pod bound to another node",
      (p: TestPod) => {
        p.spec.nodeName = "node-2";
      },
      'node "node-1" can only create pods with spec.nodeName set to itself',
    ],
    [
      "no owner reference",
      (p: TestPod) => {
        delete p.metadata.ownerReferences;
      },
      'node "node-1" can only create pods with an owner reference set to itself',
    ],
    [
      "an owner reference that is not a controller",
      (p: TestPod) => {
        delete owner(p).controller;
      },
      'node "node-1" can only create pods with a controller owner reference set to itself',
    ],
    [
      "blockOwnerDeletion",
      (p: TestPod) => {
        owner(p).blockOwnerDeletion = true;
      },
      'node "node-1" must not set blockOwnerDeletion on an owner reference',
    ],
    [
      "a stale Node UID",
      (p: TestPod) => {
        owner(p).uid = "0000";
      },
      "node node-1 UID mismatch: expected 0000 got",
    ],
    [
      "a service account",
      (p: TestPod) => {
        p.spec.serviceAccountName = "default";
      },
      'node "node-1" can not create pods that reference a service account',
    ],
    [
      "a Secret in an env var",
      (p: TestPod) => {
        (p.spec.containers[0] as TestPod["spec"]["containers"][0]).env = [
          { name: "PW", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
        ];
      },
      'node "node-1" can not create pods that reference secrets',
    ],
    [
      "a ConfigMap volume",
      (p: TestPod) => {
        p.spec.volumes = [{ name: "conf", configMap: { name: "settings" } }];
      },
      'node "node-1" can not create pods that reference configmaps',
    ],
  ])("refuses %s", async (_, change, message) => {
    const name = `bad-${Math.random().toString(36).slice(2, 8)}`;
    const { status, message: got } = await create(mirror(name, change));
    expect(status).toBe(403);
    expect(got).toContain(`pods "${name}" is forbidden: ${message}`);
  });

  it("answers NotFound for a node that has not registered", async () => {
    const pod = mirror("from-node-2", (p) => {
      p.spec.nodeName = "node-2";
      owner(p).name = "node-2";
    });
    const { status, message } = await create(pod, "system:node:node-2");
    expect(status).toBe(404);
    expect(message).toBe('nodes "node-2" not found');
  });
});

describe("ServiceAccount admission and mirror pods", () => {
  it("refuses a mirror pod naming a Secret, even from the admin", async () => {
    const { status, message } = await create(
      mirror("admin-mirror", (p) => {
        p.spec.volumes = [{ name: "s", secret: { secretName: "db" } }];
      }),
      "admin",
    );
    expect(status).toBe(403);
    expect(message).toBe(
      'pods "admin-mirror" is forbidden: a mirror pod may not reference secrets',
    );
  });

  it("still gives an ordinary pod the default service account", async () => {
    const { status, res } = await create(
      { apiVersion: "v1", kind: "Pod", metadata: { name: "plain" }, spec: mirror("x").spec },
      "admin",
    );
    expect(status, res.text).toBe(201);
    expect(res.json<{ spec: { serviceAccountName?: string } }>().spec.serviceAccountName).toBe(
      "default",
    );
  });
});
