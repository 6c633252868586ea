/**
 * The resources whose registry rules differ from the default: pods (status on create, graceful
 * deletion), namespaces (phase and the "kubernetes" finalizer), Services (service/strategy.ts),
 * and a few that allow a PUT to create. Everything else uses defaultStrategy.
 */

import { applyNamespaceDefaults } from "../../api/defaults/index.ts";
import type { KubeObject } from "../../api/object.ts";
import type { ResourceType } from "../../api/scheme.ts";
import { metaTime } from "../../api/time.ts";
import { serviceStrategy } from "./service/strategy.ts";
import { defaultStrategy, type Strategy } from "./strategy.ts";

interface PodLike {
  spec?: { nodeName?: string; terminationGracePeriodSeconds?: number };
  status?: { phase?: string };
}

/** Kubernetes' default terminationGracePeriodSeconds. */
const DEFAULT_POD_GRACE_SECONDS = 30;

export function strategyFor(type: ResourceType): Strategy {
  const key = `${type.group}/${type.kind}`;
  switch (key) {
    case "/Pod":
      return defaultStrategy(type, {
        returnDeletedObject: true,
        prepareForCreate(pod) {
          // A new pod is Pending until the kubelet says otherwise.
          pod.status = { phase: "Pending" };
          // A gated pod says why it waits (applySchedulingGatedCondition); kubectl shows
          // SchedulingGated from this condition.
          const gates = (pod as KubeObject & { spec?: { schedulingGates?: unknown[] } }).spec
            ?.schedulingGates;
          if (gates && gates.length > 0) {
            (pod.status as { conditions?: unknown[] }).conditions = [
              {
                type: "PodScheduled",
                status: "False",
                reason: "SchedulingGated",
                message: "Scheduling is blocked due to non-empty scheduling gates",
                lastProbeTime: null,
                lastTransitionTime: metaTime(Date.now()),
              },
            ];
          }
        },
        // #region podGracePeriod
        /**
         * A pod on a node gets its grace period: the kubelet stops its containers (SIGTERM, wait,
         * SIGKILL), then deletes it for good with grace 0. A pod on no node, or already finished,
         * has nobody to wait for, so it goes at once.
         */
        gracePeriod(object, requested) {
          const pod = object as KubeObject & PodLike;
          if (!pod.spec?.nodeName) return 0;
          if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return 0;
          return requested ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE_SECONDS;
        },
        // #endregion podGracePeriod
      });
    case "/Node":
      // The kubelet registers its node with its status (capacity, addresses): keep it.
      return defaultStrategy(type, { prepareForCreate() {} });
    case "/ServiceAccount":
      return defaultStrategy(type, { returnDeletedObject: true });
    case "/Service":
      // Without allocators: start.ts gives the API server's Service registry its allocators.
      return serviceStrategy(type);
    case "/Namespace":
      return defaultStrategy(type, {
        returnDeletedObject: true,
        prepareForCreate(ns) {
          // The namespace controller removes "kubernetes" once the namespace is empty.
          ns.spec = { finalizers: ["kubernetes"] };
          ns.status = { phase: "Active" };
          applyNamespaceDefaults(ns);
        },
        // #region namespaceDeletion
        /**
         * A deleted namespace turns Terminating and stays until the namespace controller has
         * deleted everything in it and removed "kubernetes" from spec.finalizers (through the
         * finalize subresource); only then does the registry remove the namespace itself.
         */
        ownFinalizers: (ns) => (ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [],
        markDeleting(ns) {
          ns.status = { ...(ns.status as object), phase: "Terminating" };
        },
        // #endregion namespaceDeletion
      });
    case "/Endpoints":
    case "coordination.k8s.io/Lease":
    case "/Event":
      // A PUT of a missing object creates it, as Kubernetes allows for these.
      return defaultStrategy(type, { allowCreateOnUpdate: true });
    default:
      return defaultStrategy(type);
  }
}
