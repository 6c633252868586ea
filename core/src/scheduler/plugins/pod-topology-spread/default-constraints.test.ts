import { describe, expect, it } from "vitest";
import { labelSelectorToString, matchesLabels } from "../../../api/labels.ts";
import type { OwnerReference } from "../../../api/object.ts";
import type { LabelSelectorSpec } from "../../../api/types.ts";
import { labeledPod } from "../testing-pods.ts";
import { defaultSelector, type GroupListers } from "./default-constraints.ts";

const owner = (
  apiVersion: string,
  kind: string,
  name: string,
  controller = true,
): OwnerReference => ({
  apiVersion,
  kind,
  name,
  uid: `uid-${name}`,
  controller,
});

const listers = (
  services: (Record<string, string> | undefined)[],
  controllers: {
    rc?: Record<string, string>;
    rs?: LabelSelectorSpec;
    ss?: LabelSelectorSpec;
  } = {},
): GroupListers => ({
  serviceSelectors: (ns) => (ns === "default" ? services : []),
  replicationControllerSelector: (_ns, name) => (name === "rc" ? controllers.rc : undefined),
  replicaSetSelector: (_ns, name) => (name === "web-7d4" ? controllers.rs : undefined),
  statefulSetSelector: (_ns, name) => (name === "db" ? controllers.ss : undefined),
});

const webPod = (owners: OwnerReference[] = []) => {
  const pod = labeledPod("p", { labels: { app: "web", tier: "fe", "pod-template-hash": "7d4" } });
  pod.metadata.ownerReferences = owners;
  return pod;
};

describe("defaultSelector (the pod's group)", () => {
  const cases = [
    { name: "nothing selects the pod: empty", pod: webPod(), listers: listers([]), want: "" },
    {
      name: "a Service that selects the pod",
      pod: webPod(),
      listers: listers([{ app: "web" }]),
      want: "app=web",
    },
    {
      name: "a Service that does not select it, and one without a selector, add nothing",
      pod: webPod(),
      listers: listers([{ app: "db" }, undefined]),
      want: "",
    },
    {
      name: "several Services' selectors are merged",
      pod: webPod(),
      listers: listers([{ app: "web" }, { tier: "fe" }]),
      want: "app=web,tier=fe",
    },
    {
      name: "the controlling ReplicaSet's requirements are appended (the doc comment's example)",
      pod: webPod([owner("apps/v1", "ReplicaSet", "web-7d4")]),
      listers: listers([{ app: "web" }], {
        rs: { matchLabels: { app: "web", "pod-template-hash": "7d4" } },
      }),
      want: "app=web,app=web,pod-template-hash=7d4",
    },
    {
      name: "a ReplicationController's selector map is merged into the Services'",
      pod: webPod([owner("v1", "ReplicationController", "rc")]),
      listers: listers([{ app: "web" }], { rc: { app: "web", tier: "fe" } }),
      want: "app=web,tier=fe",
    },
    {
      name: "a StatefulSet's selector",
      pod: webPod([owner("apps/v1", "StatefulSet", "db")]),
      listers: listers([], { ss: { matchExpressions: [{ key: "tier", operator: "Exists" }] } }),
      want: "tier",
    },
    {
      name: "an owner that is not the controller is not the group",
      pod: webPod([owner("apps/v1", "ReplicaSet", "web-7d4", false)]),
      listers: listers([], { rs: { matchLabels: { app: "web" } } }),
      want: "",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const selector = defaultSelector(c.pod, c.listers);
      expect(labelSelectorToString(selector)).toBe(c.want);
      expect(matchesLabels(selector, c.pod.metadata.labels), "the pod is in its own group").toBe(
        true,
      );
    });
  }
});
