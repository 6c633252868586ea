/**
 * NodeRestriction, its pod-creation part — kube-apiserver's
 * plugin/pkg/admission/noderestriction/admission.go (admitPodCreate).
 *
 * RBAC lets every kubelet (group system:nodes) create pods, because a kubelet must create the
 * mirror pods of its static pods. This plugin narrows that to exactly those: a request from a
 * node `system:node:<name>` (in system:nodes) may create a pod only if
 * 1. it carries the annotation kubernetes.io/config.mirror (it is a mirror pod);
 * 2. its spec.nodeName is that node;
 * 3. it has exactly one ownerReference: apiVersion v1, kind Node, that node's name, controller
 *    true, no blockOwnerDeletion, and the Node's current UID (a Node deleted and registered again
 *    does not inherit the old one's mirror pods);
 * 4. it names no service account, Secret, ConfigMap, ClusterTrustBundle or PersistentVolumeClaim —
 *    a compromised node must not get at API objects by creating a pod that mounts them.
 * Kubernetes runs it in the mutating phase (it implements Admit), right after ServiceAccount.
 *
 * Not here: the rest of NodeRestriction (a node may change only its own Node, Lease and pod
 * statuses, delete only pods bound to it, ...). tinykube admits no DELETE requests, and it has
 * no Node authorizer either, so those limits are not enforced (see rbac/bootstrap.ts).
 */
import { BUILTIN_TYPES, type ResourceType } from "../../api/scheme.ts";
import type { Pod } from "../../api/types.ts";
import { NODES_GROUP } from "../authn.ts";
import { forbidden } from "../errors.ts";
import type { AdmissionRequest } from "../server.ts";
import type { AdmissionPlugin } from "./chain.ts";
import { MIRROR_POD_ANNOTATION, podConfigMapNames, podSecretNames } from "./pod-references.ts";

const nodes = BUILTIN_TYPES.find((t) => t.group === "" && t.resource === "nodes") as ResourceType;
/** nodeidentifier's prefix: a node's user name is system:node:<node name>. */
const NODE_USER_PREFIX = "system:node:";

/** NodeIdentity: the node a request comes from, or undefined when it is not from a node. */
export function nodeIdentity(user: AdmissionRequest["user"]): string | undefined {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return;
  return user.username.slice(NODE_USER_PREFIX.length);
}

// #region nodeRestriction
export const nodeRestriction: AdmissionPlugin = {
  name: "NodeRestriction",
  async mutate(request) {
    const { type, operation, subresource } = request;
    if (type.group !== "" || type.kind !== "Pod" || operation !== "CREATE" || subresource) return;
    const node = nodeIdentity(request.user);
    if (node === undefined) return;
    const pod = request.object as Pod;
    const refuse = (reason: string) =>
      forbidden(`pods "${pod.metadata.name}" is forbidden: ${reason}`, type, pod.metadata.name);
    if (node === "") throw refuse(`could not determine node from user "${request.user.username}"`);

    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] === undefined) {
      throw refuse(
        `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`,
      );
    }
    if (pod.spec.nodeName !== node)
      throw refuse(`node "${node}" can only create pods with spec.nodeName set to itself`);
    const owners = pod.metadata.ownerReferences ?? [];
    if (owners.length > 1)
      throw refuse(
        `node "${node}" can only create pods with a single owner reference set to itself`,
      );
    const [owner] = owners;
    if (owner?.apiVersion !== "v1" || owner.kind !== "Node" || owner.name !== node)
      throw refuse(`node "${node}" can only create pods with an owner reference set to itself`);
    if (owner.controller !== true) {
      throw refuse(
        `node "${node}" can only create pods with a controller owner reference set to itself`,
      );
    }
    if (owner.blockOwnerDeletion === true)
      throw refuse(`node "${node}" must not set blockOwnerDeletion on an owner reference`);
    // A Node that does not exist answers NotFound, as the plugin returns the lister's error.
    const current = await request.server.registry(nodes).getCached(undefined, node);
    if (owner.uid !== current.metadata.uid) {
      // Kubernetes' wording, which calls the owner reference's UID "expected".
      throw refuse(`node ${node} UID mismatch: expected ${owner.uid} got ${current.metadata.uid}`);
    }

    const spec = pod.spec;
    if (spec.serviceAccountName)
      throw refuse(`node "${node}" can not create pods that reference a service account`);
    if (podSecretNames(spec).length > 0)
      throw refuse(`node "${node}" can not create pods that reference secrets`);
    if (podConfigMapNames(spec).length > 0)
      throw refuse(`node "${node}" can not create pods that reference configmaps`);
    const volumes = (spec.volumes ?? []) as {
      projected?: { sources?: { clusterTrustBundle?: unknown }[] };
      persistentVolumeClaim?: unknown;
    }[];
    if (volumes.some((v) => v.projected?.sources?.some((s) => s.clusterTrustBundle)))
      throw refuse(`node "${node}" can not create pods that reference clustertrustbundles`);
    if (volumes.some((v) => v.persistentVolumeClaim))
      throw refuse(`node "${node}" can not create pods that reference persistentvolumeclaims`);
  },
};
// #endregion nodeRestriction
