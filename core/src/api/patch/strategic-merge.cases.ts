/**
 * Strategic merge patch cases, one behaviour each. Every expected result and error message was
 * checked against kubectl 1.32's own implementation (`kubectl patch --local --type strategic`),
 * except where a case says otherwise; kubectl shows raw intermediate values (nulls and directives
 * inside values copied from the patch) that the API server drops when it decodes the result, and
 * the comparison ignored those.
 */
import type { KubeObject } from "../object.ts";

export interface StrategicMergeCase {
  name: string;
  kindKey: string;
  object: KubeObject;
  patch: unknown;
  expected?: unknown;
  error?: { code: number; message: string };
}

const deployment = (
  spec: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", ...metadata },
  spec,
});
const containers = (...list: unknown[]) => deployment({ template: { spec: { containers: list } } });
const templateSpec = (spec: Record<string, unknown>) => ({ spec: { template: { spec } } });
const c = (name: string, more: Record<string, unknown> = {}) => ({ name, ...more });

export const strategicMergeCases: StrategicMergeCase[] = [
  {
    name: "null deletes a map key; maps merge recursively",
    kindKey: "Deployment.apps",
    object: deployment({ replicas: 1 }, { labels: { app: "web", tier: "x" } }),
    patch: { metadata: { labels: { tier: null, track: "stable" } }, spec: { paused: true } },
    expected: deployment(
      { replicas: 1, paused: true },
      { labels: { app: "web", track: "stable" } },
    ),
  },
  {
    name: "containers merge by name, in place",
    kindKey: "Deployment.apps",
    object: containers(c("a", { image: "a:1" }), c("b", { image: "b:1", args: ["x"] })),
    patch: templateSpec({ containers: [c("b", { image: "b:2" })] }),
    expected: containers(c("a", { image: "a:1" }), c("b", { image: "b:2", args: ["x"] })),
  },
  {
    name: "a new element lands after the patched element before it",
    kindKey: "Deployment.apps",
    object: containers(c("a"), c("b"), c("c")),
    patch: templateSpec({ containers: [c("b", { image: "b:2" }), c("d")] }),
    expected: containers(c("a"), c("b", { image: "b:2" }), c("d"), c("c")),
  },
  {
    name: "a new element with nothing before it in the patch lands first",
    kindKey: "Deployment.apps",
    object: containers(c("a"), c("b")),
    patch: templateSpec({ containers: [c("d")] }),
    expected: containers(c("d"), c("a"), c("b")),
  },
  {
    name: "$patch: delete removes the element with that key",
    kindKey: "Deployment.apps",
    object: containers(c("a"), c("b"), c("c")),
    patch: templateSpec({ containers: [{ name: "b", $patch: "delete" }] }),
    expected: containers(c("a"), c("c")),
  },
  {
    name: "$patch: delete without the merge key is refused",
    kindKey: "Deployment.apps",
    object: containers(c("a")),
    patch: templateSpec({ containers: [{ $patch: "delete" }] }),
    error: {
      code: 500,
      message: "map: map[$patch:delete] does not contain declared merge key: name",
    },
  },
  {
    name: "a patch element without the merge key is refused",
    kindKey: "Deployment.apps",
    object: containers(c("a")),
    patch: templateSpec({ containers: [{ image: "q" }] }),
    error: { code: 500, message: "map: map[image:q] does not contain declared merge key: name" },
  },
  {
    name: "$patch: replace in a list makes the other elements the whole list",
    kindKey: "Deployment.apps",
    object: containers(c("a"), c("b")),
    patch: templateSpec({ containers: [c("z", { image: "n" }), { $patch: "replace" }] }),
    expected: containers(c("z", { image: "n" })),
  },
  {
    name: "$patch: merge in a list is refused",
    kindKey: "Deployment.apps",
    object: containers(c("a")),
    patch: templateSpec({ containers: [{ name: "a", $patch: "merge" }] }),
    error: { code: 500, message: "merging lists cannot yet be specified in the patch" },
  },
  {
    name: "an unknown list directive is refused",
    kindKey: "Deployment.apps",
    object: containers(c("a")),
    patch: templateSpec({ containers: [{ name: "a", $patch: "bogus" }] }),
    error: { code: 500, message: "unknown patch type: bogus in map: map[$patch:bogus name:a]" },
  },
  {
    name: "$patch: replace on a map replaces it",
    kindKey: "Deployment.apps",
    object: deployment({ selector: { matchLabels: { app: "web" }, matchExpressions: [] } }),
    patch: { spec: { selector: { $patch: "replace", matchLabels: { app: "api" } } } },
    expected: deployment({ selector: { matchLabels: { app: "api" } } }),
  },
  {
    name: "$patch: delete on a map leaves it empty",
    kindKey: "Deployment.apps",
    object: deployment({ replicas: 2, selector: { matchLabels: { app: "web" } } }),
    patch: { spec: { selector: { $patch: "delete" } } },
    expected: deployment({ replicas: 2, selector: {} }),
  },
  {
    name: "$patch: delete on a missing map adds nothing",
    kindKey: "Deployment.apps",
    object: deployment({ replicas: 2 }),
    patch: { spec: { strategy: { $patch: "delete" } } },
    expected: deployment({ replicas: 2 }),
  },
  {
    name: "$patch: merge on a map is refused",
    kindKey: "Deployment.apps",
    object: deployment({ replicas: 1 }),
    patch: { spec: { $patch: "merge", replicas: 2 } },
    error: { code: 500, message: "unknown patch type: merge in map: map[$patch:merge replicas:2]" },
  },
  {
    name: "$setElementOrder orders the list",
    kindKey: "Deployment.apps",
    object: containers(c("a"), c("b"), c("c")),
    patch: templateSpec({
      "$setElementOrder/containers": [{ name: "c" }, { name: "b" }, { name: "a" }],
    }),
    expected: containers(c("c"), c("b"), c("a")),
  },
  {
    name: "$setElementOrder with changes: server-only elements keep their place",
    kindKey: "Deployment.apps",
    object: containers(c("a"), c("b"), c("c")),
    patch: templateSpec({
      "$setElementOrder/containers": [{ name: "c" }, { name: "a" }],
      containers: [c("c", { image: "C" }), c("a", { image: "A" })],
    }),
    expected: containers(c("b"), c("c", { image: "C" }), c("a", { image: "A" })),
  },
  {
    name: "a deletion shifts Go's backing array, and $setElementOrder sees it",
    kindKey: "Deployment.apps",
    object: containers(c("a"), c("d"), c("c")),
    patch: templateSpec({
      "$setElementOrder/containers": [{ name: "a" }, { name: "b" }],
      containers: [c("b"), { name: "d", $patch: "delete" }],
    }),
    expected: containers(c("a"), c("c"), c("b")),
  },
  {
    name: "the patch list must follow $setElementOrder",
    kindKey: "Deployment.apps",
    object: containers(c("a"), c("c")),
    patch: templateSpec({
      "$setElementOrder/containers": [{ name: "c" }, { name: "a" }],
      containers: [c("a", { image: "A" }), c("c", { image: "C" })],
    }),
    error: {
      code: 500,
      message:
        "The order in patch list:\n[map[image:A name:a] map[image:C name:c]]\n doesn't match $setElementOrder list:\n[map[name:c] map[name:a]]\n",
    },
  },
  {
    name: "$setElementOrder must be a list",
    kindKey: "Deployment.apps",
    object: containers(c("a")),
    patch: templateSpec({ "$setElementOrder/containers": "x" }),
    error: { code: 500, message: "expected a []interface {}, but received a string" },
  },
  {
    name: "a $setElementOrder without a list name is a bad request",
    kindKey: "Deployment.apps",
    object: containers(c("a")),
    patch: templateSpec({ $setElementOrderX: [] }),
    error: { code: 400, message: "invalid patch format of setElementOrder list" },
  },
  {
    name: "finalizers merge as a set",
    kindKey: "ConfigMap",
    object: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", finalizers: ["a", "b"] },
    },
    patch: { metadata: { finalizers: ["b", "c"] } },
    expected: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", finalizers: ["a", "b", "c"] },
    },
  },
  {
    name: "$deleteFromPrimitiveList removes values from a set",
    kindKey: "ConfigMap",
    object: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", finalizers: ["a", "b", "c"] },
    },
    patch: { metadata: { "$deleteFromPrimitiveList/finalizers": ["b", "z"] } },
    expected: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", finalizers: ["a", "c"] },
    },
  },
  {
    name: "$setElementOrder orders a set, then deletions apply",
    kindKey: "ConfigMap",
    object: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", finalizers: ["a", "b", "x"] },
    },
    patch: {
      metadata: {
        "$deleteFromPrimitiveList/finalizers": ["a"],
        "$setElementOrder/finalizers": ["c", "b"],
        finalizers: ["c"],
      },
    },
    expected: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", finalizers: ["c", "b", "x"] },
    },
  },
  {
    name: "a $deleteFromPrimitiveList without a list name is a bad request",
    kindKey: "ConfigMap",
    object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", finalizers: ["a"] } },
    patch: { metadata: { $deleteFromPrimitiveList: [] } },
    error: { code: 400, message: "invalid patch format of primitive list" },
  },
  {
    name: "$retainKeys drops the members it does not list",
    kindKey: "Deployment.apps",
    object: deployment({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } }),
    patch: { spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: null } } },
    expected: deployment({ strategy: { type: "Recreate" } }),
  },
  {
    name: "$retainKeys must list every member the patch sets",
    kindKey: "Deployment.apps",
    object: deployment({ replicas: 1 }),
    patch: { spec: { $retainKeys: ["replicas"], paused: true } },
    error: { code: 400, message: "invalid patch format of retainKeys" },
  },
  {
    name: "$retainKeys must be a list",
    kindKey: "Deployment.apps",
    object: deployment({ replicas: 1 }),
    patch: { spec: { $retainKeys: "x" } },
    error: { code: 400, message: "invalid patch format of retainKeys" },
  },
  {
    name: "$retainKeys inside a list element: a volume changes its source",
    kindKey: "Deployment.apps",
    object: deployment({
      template: {
        spec: {
          volumes: [
            { name: "data", emptyDir: {} },
            { name: "x", emptyDir: {} },
          ],
        },
      },
    }),
    patch: templateSpec({
      volumes: [
        {
          $retainKeys: ["name", "hostPath"],
          name: "data",
          hostPath: { path: "/d" },
          emptyDir: null,
        },
      ],
    }),
    expected: deployment({
      template: {
        spec: {
          volumes: [
            { name: "data", hostPath: { path: "/d" } },
            { name: "x", emptyDir: {} },
          ],
        },
      },
    }),
  },
  {
    name: "env merges by name inside a container",
    kindKey: "Deployment.apps",
    object: containers(
      c("a", {
        env: [
          { name: "X", value: "1" },
          { name: "Y", value: "2" },
        ],
      }),
    ),
    patch: templateSpec({
      containers: [
        c("a", {
          env: [
            { name: "Y", value: "3" },
            { name: "X", $patch: "delete" },
          ],
        }),
      ],
    }),
    expected: containers(c("a", { env: [{ name: "Y", value: "3" }] })),
  },
  {
    name: "container ports merge by containerPort, a number",
    kindKey: "Deployment.apps",
    object: containers(
      c("a", { ports: [{ containerPort: 80, name: "http" }, { containerPort: 443 }] }),
    ),
    patch: templateSpec({
      containers: [c("a", { ports: [{ containerPort: 443, name: "https" }] })],
    }),
    expected: containers(
      c("a", {
        ports: [
          { containerPort: 80, name: "http" },
          { containerPort: 443, name: "https" },
        ],
      }),
    ),
  },
  {
    name: "args are atomic: the patch replaces the list",
    kindKey: "Deployment.apps",
    object: containers(c("a", { args: ["x", "y"] })),
    patch: templateSpec({ containers: [c("a", { args: ["z"] })] }),
    expected: containers(c("a", { args: ["z"] })),
  },
  {
    name: "tolerations are atomic: the patch replaces the list",
    kindKey: "Pod",
    object: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: {
        tolerations: [
          { key: "a", operator: "Exists" },
          { key: "b", operator: "Exists" },
        ],
      },
    },
    patch: { spec: { tolerations: [{ key: "c", operator: "Exists" }] } },
    expected: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { tolerations: [{ key: "c", operator: "Exists" }] },
    },
  },
  {
    name: "Service ports merge by port",
    kindKey: "Service",
    object: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 9090 }] },
    },
    patch: { spec: { ports: [{ port: 80, targetPort: 9000 }] } },
    expected: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: { ports: [{ port: 80, targetPort: 9000 }, { port: 9090 }] },
    },
  },
  {
    name: "Node conditions merge by type",
    kindKey: "Node",
    object: {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "n" },
      status: {
        conditions: [
          { type: "Ready", status: "False" },
          { type: "DiskPressure", status: "False" },
        ],
      },
    },
    patch: { status: { conditions: [{ type: "Ready", status: "True" }] } },
    expected: {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "n" },
      status: {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "DiskPressure", status: "False" },
        ],
      },
    },
  },
  {
    name: "ownerReferences merge by uid",
    kindKey: "ConfigMap",
    object: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "c",
        ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "1" }],
      },
    },
    patch: {
      metadata: { ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "q", uid: "2" }] },
    },
    expected: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "c",
        ownerReferences: [
          { apiVersion: "v1", kind: "Pod", name: "q", uid: "2" },
          { apiVersion: "v1", kind: "Pod", name: "p", uid: "1" },
        ],
      },
    },
  },
  {
    name: "values copied from the patch lose their nulls",
    kindKey: "Deployment.apps",
    object: containers(c("a")),
    patch: templateSpec({
      containers: [c("a"), c("n", { image: "n", command: null })],
      securityContext: { runAsUser: 1, runAsGroup: null },
    }),
    expected: deployment({
      template: {
        spec: { containers: [c("a"), c("n", { image: "n" })], securityContext: { runAsUser: 1 } },
      },
    }),
  },
  {
    name: "a value of another kind replaces the live one",
    kindKey: "Deployment.apps",
    object: containers(c("a")),
    patch: templateSpec({ containers: "notalist" }),
    expected: deployment({ template: { spec: { containers: "notalist" } } }),
  },
  {
    name: "list elements of different kinds are refused",
    kindKey: "Deployment.apps",
    object: containers(c("a", { env: [{ name: "A" }] })),
    patch: templateSpec({ containers: [c("a", { env: [{ name: "B" }, "x"] })] }),
    error: {
      code: 500,
      message: "list element types are not identical: [[map[name:A]] [map[name:B] x]]",
    },
  },
  {
    name: "a list of lists is refused as invalid",
    kindKey: "ConfigMap",
    object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", finalizers: [] } },
    patch: { metadata: { finalizers: [["x"]] } },
    error: { code: 422, message: "lists of lists are not supported" },
  },
];
