/**
 * Mirror pods: how a static pod shows in the API — pkg/kubelet/pod/mirror_client.go, the mirror
 * bookkeeping of pod_manager.go, and the mirror step of SyncPod and HandlePodCleanups
 * (kubelet.go, kubelet_pods.go).
 *
 * A static pod comes from a file, so the API server does not know it. The kubelet therefore
 * creates a copy in the API — the mirror pod — so that `kubectl get pods` lists it and the
 * scheduler counts what it uses. The mirror pod is a read-only reflection:
 * - Same name and namespace as the static pod, but its own UID (the API server assigns one, as
 *   for every object). The kubelet pairs the two by full name (`<name>_<namespace>`), never by
 *   UID, and never runs a mirror pod: its containers are the static pod's.
 * - Annotation kubernetes.io/config.mirror = the static pod's config.hash. A mirror whose hash
 *   differs is stale (the file changed); one being deleted (a user ran `kubectl delete`) is
 *   deleted at once (grace 0, UID precondition) and created again — deleting a mirror pod never
 *   stops the static pod.
 * - An ownerReference to the Node (apiVersion v1, kind Node, its UID, controller: true), as
 *   kubelets set it since the MirrorPodNodeRestriction change: NodeRestriction admission accepts
 *   a node's pod only with it, and the garbage collector removes the mirrors of a deleted Node.
 * - The kubelet writes the static pod's status to it (the status manager translates the UID).
 *
 * Guarantees:
 * - Every call here logs its failure and returns: an API server that cannot be reached never
 *   keeps a static pod from running, which is what static pods are for.
 * - No mirror pod is created while the Node is unknown or being deleted (SyncPod checks GetNode).
 */
import type { Node, Pod } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import { isAlreadyExists, isConflict, isNotFound, type RestClient } from "../client/rest.ts";
import { messageOf } from "../util/errors.ts";
import { CONFIG_HASH_ANNOTATION, CONFIG_SOURCE_ANNOTATION } from "./static-pods.ts";

/** v1.MirrorPodAnnotationKey (kubetypes.ConfigMirrorAnnotationKey). */
export const CONFIG_MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
/** kubetypes.ApiserverSource: the source of every pod that is not static. */
const API_SOURCE = "api";

/** kubecontainer.GetPodFullName: how the kubelet pairs a static pod with its mirror. */
export function podFullName(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}`;
}

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined;
}

/** kubetypes.IsStaticPod: from a source other than the API server. */
export function isStaticPod(pod: Pod): boolean {
  const source = pod.metadata.annotations?.[CONFIG_SOURCE_ANNOTATION];
  return source !== undefined && source !== API_SOURCE;
}

/** IsMirrorPodOf: same full name, and the mirror carries the static pod's current hash. */
export function isMirrorPodOf(mirror: Pod, pod: Pod): boolean {
  const hash = mirror.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION];
  return (
    podFullName(mirror) === podFullName(pod) &&
    hash !== undefined &&
    hash === pod.metadata.annotations?.[CONFIG_HASH_ANNOTATION]
  );
}

// #region mirrorPodOf
/** The object CreateMirrorPod sends: the static pod, its hash as config.mirror, owned by the Node. */
export function mirrorPodOf(pod: Pod, node: Node): Pod {
  const annotations = pod.metadata.annotations ?? {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      ...(pod.metadata.labels ? { labels: { ...pod.metadata.labels } } : {}),
      annotations: {
        ...annotations,
        [CONFIG_MIRROR_ANNOTATION]: annotations[CONFIG_HASH_ANNOTATION] as string,
      },
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "Node",
          name: node.metadata.name as string,
          uid: node.metadata.uid as string,
          controller: true,
        },
      ],
    },
    spec: structuredClone(pod.spec),
  };
}
// #endregion mirrorPodOf

export interface MirrorPodsOptions {
  /** As system:node:<nodeName>. */
  client: RestClient;
  /** The Node as the kubelet's informer has it, if it has it yet. */
  node: () => Node | undefined;
  log: (line: string) => void;
}

/** The mirror pods of one node, as its pod informer shows them, and the calls that keep them. */
export class MirrorPods {
  /** Mirror pods by full name (mirrorPodByFullName): the informer's latest copy of each. */
  private readonly byFullName = new Map<string, Pod>();

  constructor(private readonly options: MirrorPodsOptions) {}

  /** A mirror pod the informer added or updated. */
  observe(mirror: Pod): void {
    this.byFullName.set(podFullName(mirror), mirror);
  }

  /** A mirror pod the informer saw deleted; a newer one of the same name is kept. */
  forget(mirror: Pod): void {
    const fullName = podFullName(mirror);
    if (this.byFullName.get(fullName)?.metadata.uid === mirror.metadata.uid) {
      this.byFullName.delete(fullName);
    }
  }

  /** Where the static pod's status goes: its mirror, if current and not being deleted. */
  statusTarget(pod: Pod): Pod | undefined {
    const mirror = this.byFullName.get(podFullName(pod));
    if (!mirror || mirror.metadata.deletionTimestamp || !isMirrorPodOf(mirror, pod)) return;
    return mirror;
  }

  // #region syncMirrorPod
  /**
   * SyncPod's mirror step for a static pod:
   * 1. a mirror that is being deleted, or stale, is deleted (grace 0, its UID as precondition);
   * 2. if there is none now, one is created — once the Node is known and not being deleted.
   */
  async sync(pod: Pod): Promise<void> {
    const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const mirror = this.byFullName.get(podFullName(pod));
    let deleted = false;
    if (mirror && (mirror.metadata.deletionTimestamp || !isMirrorPodOf(mirror, pod))) {
      this.options.log(
        `mirror pod ${name} (uid ${mirror.metadata.uid}) is ${mirror.metadata.deletionTimestamp ? "being deleted" : "outdated"}: deleting it`,
      );
      deleted = await this.delete(mirror);
    }
    if (mirror && !deleted) return;
    const node = this.options.node();
    if (!node || node.metadata.deletionTimestamp) return; // no Node (yet): nothing to own it
    try {
      await this.pods(pod).create(mirrorPodOf(pod, node));
      this.options.log(`created mirror pod ${name} for static pod ${pod.metadata.uid}`);
    } catch (error) {
      // One already there is the informer's to show us; stale or not, the next sync decides.
      if (!isAlreadyExists(error))
        this.options.log(`failed creating a mirror pod for ${name}: ${messageOf(error)}`);
    }
  }
  // #endregion syncMirrorPod

  /**
   * DeleteMirrorPod: grace 0, only if the UID still matches; false when it was gone already or
   * replaced (NotFound, Conflict) or the API did not answer.
   */
  async delete(mirror: Pod): Promise<boolean> {
    const name = `${mirror.metadata.namespace}/${mirror.metadata.name}`;
    try {
      await this.pods(mirror).delete(mirror.metadata.name as string, {
        gracePeriodSeconds: 0,
        preconditions: { uid: mirror.metadata.uid as string },
      });
      this.options.log(`deleted mirror pod ${name} (uid ${mirror.metadata.uid})`);
      return true;
    } catch (error) {
      if (!isNotFound(error) && !isConflict(error))
        this.options.log(`failed deleting mirror pod ${name}: ${messageOf(error)}`);
      return false;
    }
  }

  /**
   * deleteOrphanedMirrorPods (HandlePodCleanups): deletes every mirror pod whose full name no
   * static pod has — its file was removed, maybe while the kubelet was down. `staticFullNames`
   * must include static pods still being torn down: their mirrors go when they are gone.
   */
  async deleteOrphans(staticFullNames: ReadonlySet<string>): Promise<void> {
    for (const [fullName, mirror] of [...this.byFullName]) {
      if (!staticFullNames.has(fullName)) await this.delete(mirror);
    }
  }

  private pods(pod: Pod) {
    return this.options.client.resource<Pod>(builtinType("pods"), pod.metadata.namespace);
  }
}
