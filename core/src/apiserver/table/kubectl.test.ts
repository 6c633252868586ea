/**
 * The tables as a user sees them: a small HTTP server answers kubectl's discovery and list
 * requests with toTable / crdTable, and real `kubectl get` prints them. The expected text is
 * what kubectl 1.32 prints against a real cluster holding the same objects.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeList, KubeObject } from "../../api/object.ts";
import { runKubectl } from "../../testing/kubectl.ts";
import { type CustomResourceColumnDefinition, crdTable } from "./crd.ts";
import type { KindKey } from "./printer.ts";
import { parseIncludeObject, type TableVersion, toTable } from "./table.ts";
import { ago, NOW } from "./testing.ts";

// --- objects ------------------------------------------------------------------------------

const meta = (
  name: string,
  namespace: string | undefined,
  created: string,
  extra: Record<string, unknown> = {},
) => ({
  name,
  ...(namespace ? { namespace } : {}),
  uid: `uid-${name}`,
  resourceVersion: "100",
  creationTimestamp: ago(created),
  ...extra,
});

const running = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ready: true,
  started: true,
  restartCount: 0,
  state: { running: { startedAt: ago("1h") } },
  ...extra,
});

function pod(
  name: string,
  namespace: string,
  created: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  extra = {},
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(name, namespace, created, {
      labels: { app: name.split("-")[0] as string },
      ...extra,
    }),
    spec: { containers: [{ name: "app", image: "hello" }], ...spec },
    status,
  };
}

const pods: KubeObject[] = [
  pod(
    "web-7c9f8d-abcde",
    "default",
    "3d4h",
    { nodeName: "node-1" },
    {
      phase: "Running",
      podIP: "127.128.1.5",
      podIPs: [{ ip: "127.128.1.5" }],
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [running("app")],
    },
  ),
  pod(
    "api-5d6f7-xyz12",
    "default",
    "25m",
    { nodeName: "node-2" },
    {
      phase: "Running",
      podIP: "127.128.2.9",
      podIPs: [{ ip: "127.128.2.9" }],
      containerStatuses: [
        {
          name: "app",
          ready: false,
          restartCount: 3,
          state: { waiting: { reason: "CrashLoopBackOff" } },
          lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago("2m5s") } },
        },
      ],
    },
  ),
  pod(
    "db-0",
    "default",
    "90s",
    {
      nodeName: "node-1",
      initContainers: [
        { name: "migrate", image: "hello" },
        { name: "seed", image: "hello" },
      ],
      readinessGates: [{ conditionType: "example.com/primary" }],
    },
    {
      phase: "Pending",
      conditions: [{ type: "Initialized", status: "False" }],
      initContainerStatuses: [
        running("migrate", { ready: false }),
        {
          name: "seed",
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: "PodInitializing" } },
        },
      ],
      containerStatuses: [
        {
          name: "app",
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: "PodInitializing" } },
        },
      ],
    },
  ),
  pod(
    "report-28391",
    "default",
    "5h",
    { nodeName: "node-2" },
    {
      phase: "Succeeded",
      podIP: "127.128.2.4",
      containerStatuses: [
        {
          name: "app",
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: "Completed", finishedAt: ago("4h") } },
        },
      ],
    },
  ),
  pod(
    "old-6b5c4-qwert",
    "default",
    "2d",
    { nodeName: "node-1" },
    {
      phase: "Running",
      podIP: "127.128.1.8",
      containerStatuses: [running("app")],
    },
    { deletionTimestamp: ago("10s") },
  ),
  pod(
    "big-1",
    "default",
    "40s",
    {},
    {
      phase: "Pending",
      nominatedNodeName: "node-3",
      conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
    },
  ),
  pod(
    "coredns-1",
    "kube-system",
    "400d",
    { nodeName: "node-1" },
    {
      phase: "Running",
      podIP: "127.128.1.2",
      containerStatuses: [running("app")],
    },
  ),
];

const node = (
  name: string,
  created: string,
  ready: string,
  labels: Record<string, string>,
  spec: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: meta(name, undefined, created, { labels }),
  spec,
  status: {
    conditions: [{ type: "Ready", status: ready }],
    addresses: [{ type: "InternalIP", address: `127.1.0.${name.at(-1)}` }],
    nodeInfo: {
      kubeletVersion: "v1.32.0",
      osImage: "Debian GNU/Linux 12 (bookworm)",
      kernelVersion: "6.1.0-18-amd64",
      containerRuntimeVersion: "tinykube://0.1.0",
    },
  },
});

const nodes = [
  node("node-1", "3d5h", "True", { "node-role.kubernetes.io/control-plane": "" }),
  node("node-2", "3d5h", "Unknown", {}),
  node("node-3", "50m", "True", { "node-role.kubernetes.io/worker": "" }, { unschedulable: true }),
];

const services: KubeObject[] = [
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta("kubernetes", "default", "3d5h"),
    spec: {
      type: "ClusterIP",
      clusterIP: "127.96.0.1",
      clusterIPs: ["127.96.0.1"],
      ports: [{ name: "https", port: 443, protocol: "TCP" }],
    },
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta("web", "default", "3d4h"),
    spec: {
      type: "NodePort",
      clusterIPs: ["127.96.0.77"],
      ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }],
      selector: { app: "web" },
    },
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta("shop", "default", "7m"),
    spec: {
      type: "LoadBalancer",
      clusterIPs: ["127.96.0.90"],
      ports: [{ port: 443, nodePort: 31443, protocol: "TCP" }],
      selector: { app: "shop" },
    },
  },
];

const deployments: KubeObject[] = [
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta("web", "default", "3d4h"),
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: {
        spec: {
          containers: [
            { name: "app", image: "hello:1.0" },
            { name: "log", image: "busybox" },
          ],
        },
      },
    },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  },
];

const events: KubeObject[] = [
  {
    apiVersion: "v1",
    kind: "Event",
    metadata: meta("api-5d6f7-xyz12.17f1a", "default", "20m"),
    involvedObject: {
      kind: "Pod",
      name: "api-5d6f7-xyz12",
      namespace: "default",
      fieldPath: "spec.containers{app}",
    },
    reason: "BackOff",
    message: "Back-off restarting failed container app in pod api-5d6f7-xyz12_default(uid-api)",
    source: { component: "kubelet", host: "node-2" },
    firstTimestamp: ago("20m"),
    lastTimestamp: ago("2m5s"),
    count: 12,
    type: "Warning",
  },
];

const clusterRoles: KubeObject[] = [
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "view", creationTimestamp: "2026-01-01T09:15:00Z" },
  },
];

const widgetColumns: CustomResourceColumnDefinition[] = [
  { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
  { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: "Image", type: "string", jsonPath: ".spec.image", priority: 1 },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

const widgets: KubeObject[] = [
  {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: meta("blue", "default", "3m10s"),
    spec: { replicas: 2, image: "shop:1.2" },
    status: { conditions: [{ type: "Ready", status: "True" }] },
  },
  {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: meta("green", "default", "8s"),
    spec: {},
  },
];

// --- the server ----------------------------------------------------------------------------

interface Resource {
  name: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  items: KubeObject[];
  /** A built-in kind's printer; custom resources use `columns` instead. */
  key?: KindKey;
  columns?: CustomResourceColumnDefinition[];
}

const groups: Record<string, Resource[]> = {
  v1: [
    { name: "pods", kind: "Pod", namespaced: true, shortNames: ["po"], items: pods, key: "/Pod" },
    {
      name: "nodes",
      kind: "Node",
      namespaced: false,
      shortNames: ["no"],
      items: nodes,
      key: "/Node",
    },
    {
      name: "services",
      kind: "Service",
      namespaced: true,
      shortNames: ["svc"],
      items: services,
      key: "/Service",
    },
    {
      name: "events",
      kind: "Event",
      namespaced: true,
      shortNames: ["ev"],
      items: events,
      key: "/Event",
    },
  ],
  "apps/v1": [
    {
      name: "deployments",
      kind: "Deployment",
      namespaced: true,
      shortNames: ["deploy"],
      items: deployments,
      key: "apps/Deployment",
    },
  ],
  "rbac.authorization.k8s.io/v1": [
    {
      name: "clusterroles",
      kind: "ClusterRole",
      namespaced: false,
      items: clusterRoles,
      key: "rbac.authorization.k8s.io/ClusterRole",
    },
  ],
  "example.com/v1": [
    { name: "widgets", kind: "Widget", namespaced: true, items: widgets, columns: widgetColumns },
  ],
};

function discovery(path: string): unknown {
  if (path === "/api")
    return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
  if (path === "/apis") {
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: Object.keys(groups)
        .filter((gv) => gv.includes("/"))
        .map((gv) => {
          const [name, version] = gv.split("/") as [string, string];
          const v = { groupVersion: gv, version };
          return { name, versions: [v], preferredVersion: v };
        }),
    };
  }
  const gv = path === "/api/v1" ? "v1" : path.replace(/^\/apis\//, "");
  const resources = groups[gv];
  if (!resources) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: gv,
    resources: resources.map((r) => ({
      name: r.name,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ["get", "list", "watch"],
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    })),
  };
}

/** /api/v1/pods, /api/v1/namespaces/default/pods, /apis/apps/v1/namespaces/x/deployments. */
function collection(
  path: string,
): { gv: string; resource: Resource; namespace?: string } | undefined {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)$/.exec(path);
  if (!m) return undefined;
  const gv = (m[1] ?? m[2]) as string;
  const resource = groups[gv]?.find((r) => r.name === m[4]);
  return resource ? { gv, resource, ...(m[3] ? { namespace: m[3] } : {}) } : undefined;
}

const NOT_FOUND = {
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  reason: "NotFound",
  code: 404,
};

/** The status code and JSON body for one request. */
function respond(req: IncomingMessage): [number, unknown] {
  const url = new URL(req.url ?? "/", "http://localhost");
  const found = discovery(url.pathname);
  if (found) return [200, found];
  const target = collection(url.pathname);
  if (!target) return [404, NOT_FOUND];
  const { gv, resource, namespace } = target;
  const list: KubeList = {
    apiVersion: gv,
    kind: `${resource.kind}List`,
    metadata: { resourceVersion: "100" },
    items: resource.items.filter(
      (o) => namespace === undefined || o.metadata.namespace === namespace,
    ),
  };
  const asTable = /as=Table;v=(v1|v1beta1);g=meta\.k8s\.io/.exec(req.headers.accept ?? "");
  if (!asTable) return [200, list];
  const options = {
    now: NOW,
    tableVersion: asTable[1] as TableVersion,
    includeObject: parseIncludeObject(url.searchParams.get("includeObject")),
  };
  const table = resource.columns
    ? crdTable(resource.columns, list, options)
    : toTable(list, resource.key as KindKey, options);
  return [200, table];
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const [code, body] = respond(req);
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

// --- kubectl ------------------------------------------------------------------------------

let server: Server;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  dir = await mkdtemp(join(tmpdir(), "tinykube-table-"));
  kubeconfig = join(dir, "kubeconfig");
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "t", cluster: { server: `http://127.0.0.1:${port}` } }],
      users: [{ name: "t", user: {} }],
      contexts: [{ name: "t", context: { cluster: "t", user: "t", namespace: "default" } }],
      "current-context": "t",
    }),
  );
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function kubectl(...args: string[]): Promise<string> {
  const result = await runKubectl(args, { kubeconfig });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
}

/** Lines as kubectl prints them, for readable expectations. */
const lines = (...rows: string[]) => `${rows.join("\n")}\n`;

describe("kubectl get prints the server's tables", () => {
  it("pods: READY, STATUS and RESTARTS summarize the containers", async () => {
    expect(await kubectl("get", "pods")).toBe(
      lines(
        "NAME               READY   STATUS             RESTARTS       AGE",
        "web-7c9f8d-abcde   1/1     Running            0              3d4h",
        "api-5d6f7-xyz12    0/1     CrashLoopBackOff   3 (2m5s ago)   25m",
        "db-0               0/1     Init:0/2           0              90s",
        "report-28391       0/1     Completed          0              5h",
        "old-6b5c4-qwert    1/1     Terminating        0              2d",
        "big-1              0/1     Pending            0              40s",
      ),
    );
  });

  it("pods -o wide: the priority-1 columns the server always sent", async () => {
    expect(await kubectl("get", "pods", "-o", "wide")).toBe(
      lines(
        "NAME               READY   STATUS             RESTARTS       AGE    IP            NODE     NOMINATED NODE   READINESS GATES",
        "web-7c9f8d-abcde   1/1     Running            0              3d4h   127.128.1.5   node-1   <none>           <none>",
        "api-5d6f7-xyz12    0/1     CrashLoopBackOff   3 (2m5s ago)   25m    127.128.2.9   node-2   <none>           <none>",
        "db-0               0/1     Init:0/2           0              90s    <none>        node-1   <none>           0/1",
        "report-28391       0/1     Completed          0              5h     127.128.2.4   node-2   <none>           <none>",
        "old-6b5c4-qwert    1/1     Terminating        0              2d     127.128.1.8   node-1   <none>           <none>",
        "big-1              0/1     Pending            0              40s    <none>        <none>   node-3           <none>",
      ),
    );
  });

  it("pods -A --show-labels: namespace and labels come from each row's object metadata", async () => {
    expect(await kubectl("get", "pods", "-A", "--show-labels")).toBe(
      lines(
        "NAMESPACE     NAME               READY   STATUS             RESTARTS       AGE    LABELS",
        "default       web-7c9f8d-abcde   1/1     Running            0              3d4h   app=web",
        "default       api-5d6f7-xyz12    0/1     CrashLoopBackOff   3 (2m5s ago)   25m    app=api",
        "default       db-0               0/1     Init:0/2           0              90s    app=db",
        "default       report-28391       0/1     Completed          0              5h     app=report",
        "default       old-6b5c4-qwert    1/1     Terminating        0              2d     app=old",
        "default       big-1              0/1     Pending            0              40s    app=big",
        "kube-system   coredns-1          1/1     Running            0              400d   app=coredns",
      ),
    );
  });

  it("nodes, plain and wide", async () => {
    expect(await kubectl("get", "nodes")).toBe(
      lines(
        "NAME     STATUS                     ROLES           AGE    VERSION",
        "node-1   Ready                      control-plane   3d5h   v1.32.0",
        "node-2   NotReady                   <none>          3d5h   v1.32.0",
        "node-3   Ready,SchedulingDisabled   worker          50m    v1.32.0",
      ),
    );
    expect(await kubectl("get", "nodes", "-o", "wide")).toBe(
      lines(
        "NAME     STATUS                     ROLES           AGE    VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                         KERNEL-VERSION   CONTAINER-RUNTIME",
        "node-1   Ready                      control-plane   3d5h   v1.32.0   127.1.0.1     <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-18-amd64   tinykube://0.1.0",
        "node-2   NotReady                   <none>          3d5h   v1.32.0   127.1.0.2     <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-18-amd64   tinykube://0.1.0",
        "node-3   Ready,SchedulingDisabled   worker          50m    v1.32.0   127.1.0.3     <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-18-amd64   tinykube://0.1.0",
      ),
    );
  });

  it("services and deployments, wide", async () => {
    expect(await kubectl("get", "svc", "-o", "wide")).toBe(
      lines(
        "NAME         TYPE           CLUSTER-IP    EXTERNAL-IP   PORT(S)         AGE    SELECTOR",
        "kubernetes   ClusterIP      127.96.0.1    <none>        443/TCP         3d5h   <none>",
        "web          NodePort       127.96.0.77   <none>        80:30080/TCP    3d4h   app=web",
        "shop         LoadBalancer   127.96.0.90   <pending>     443:31443/TCP   7m     app=shop",
      ),
    );
    expect(await kubectl("get", "deploy", "-o", "wide")).toBe(
      lines(
        "NAME   READY   UP-TO-DATE   AVAILABLE   AGE    CONTAINERS   IMAGES              SELECTOR",
        "web    2/3     3            2           3d4h   app,log      hello:1.0,busybox   app=web",
      ),
    );
  });

  it("events, plain and wide", async () => {
    expect(await kubectl("get", "events")).toBe(
      lines(
        "LAST SEEN   TYPE      REASON    OBJECT                MESSAGE",
        "2m5s        Warning   BackOff   pod/api-5d6f7-xyz12   Back-off restarting failed container app in pod api-5d6f7-xyz12_default(uid-api)",
      ),
    );
    expect(await kubectl("get", "events", "-o", "wide")).toBe(
      lines(
        "LAST SEEN   TYPE      REASON    OBJECT                SUBOBJECT              SOURCE            MESSAGE                                                                            FIRST SEEN   COUNT   NAME",
        "2m5s        Warning   BackOff   pod/api-5d6f7-xyz12   spec.containers{app}   kubelet, node-2   Back-off restarting failed container app in pod api-5d6f7-xyz12_default(uid-api)   20m          12      api-5d6f7-xyz12.17f1a",
      ),
    );
  });

  it("a kind without a printer: NAME and CREATED AT", async () => {
    expect(await kubectl("get", "clusterroles")).toBe(
      lines("NAME   CREATED AT", "view   2026-01-01T09:15:00Z"),
    );
  });

  it("custom resources: printer columns, a missing value printed empty", async () => {
    expect(await kubectl("get", "widgets")).toBe(
      lines(
        "NAME    REPLICAS   READY   AGE",
        "blue    2          True    3m10s",
        "green                      8s",
      ),
    );
    expect(await kubectl("get", "widgets", "-o", "wide")).toBe(
      lines(
        "NAME    REPLICAS   READY   IMAGE      AGE",
        "blue    2          True    shop:1.2   3m10s",
        "green                                 8s",
      ),
    );
  });
});
