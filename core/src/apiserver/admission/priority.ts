/**
 * Priority: a pod's priority comes from its PriorityClass, never from the pod's author —
 * kube-apiserver's plugin/pkg/admission/priority/admission.go.
 *
 * Guarantees:
 * - Mutating, on pod create: spec.priorityClassName resolves to spec.priority and, when the
 *   class sets one, spec.preemptionPolicy. No class named: the globalDefault class (named into
 *   spec.priorityClassName), or priority 0 when there is none
 *   (DefaultPriorityWhenNoDefaultClassExists).
 * - An unknown class is refused: `no PriorityClass with name X was found`.
 * - A pod may carry spec.priority or spec.preemptionPolicy only if they agree with what the class
 *   gives (so re-applying a pod read back from the API works); otherwise it is refused.
 * - On pod update the priority cannot be dropped: a missing one is copied from the old pod.
 * - Validating, on PriorityClass create/update: at most one class is globalDefault. Two racing
 *   creates may still both land; the lowest value then wins, as Kubernetes resolves it.
 * Subresources (binding, status) are not touched.
 */
import type { KubeObject } from "../../api/object.ts";
import { BUILTIN_TYPES, groupResource, type ResourceType } from "../../api/scheme.ts";
import { forbidden } from "../errors.ts";
import type { AdmissionRequest } from "../server.ts";
import type { AdmissionPlugin } from "./chain.ts";

const priorityClasses = BUILTIN_TYPES.find(
  (t) => t.group === "scheduling.k8s.io" && t.resource === "priorityclasses",
) as ResourceType;

interface PriorityClassLike extends KubeObject {
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

interface PodSpecLike {
  priorityClassName?: string;
  priority?: number;
  preemptionPolicy?: string;
}

/** scheduling.DefaultPriorityWhenNoDefaultClassExists. */
const DEFAULT_PRIORITY = 0;

/** getDefaultPriorityClass: the globalDefault class, the lowest value if a race left several. */
async function defaultClass(request: AdmissionRequest): Promise<PriorityClassLike | undefined> {
  const all = (await request.server
    .registry(priorityClasses)
    .listCached(undefined)) as PriorityClassLike[];
  let found: PriorityClassLike | undefined;
  for (const pc of all) {
    if (pc.globalDefault && (!found || (found.value ?? 0) > (pc.value ?? 0))) found = pc;
  }
  return found;
}

function refuse(request: AdmissionRequest, why: string): never {
  const { type, object } = request;
  const name = object.metadata.name ?? "";
  const target = name ? `${groupResource(type)} "${name}"` : groupResource(type);
  throw forbidden(`${target} is forbidden: ${why}`, type, object.metadata.name);
}

// #region admitPod
async function admitPod(request: AdmissionRequest): Promise<void> {
  const spec = request.object.spec as PodSpecLike;
  if (request.operation === "UPDATE") {
    const old = (request.oldObject?.spec ?? {}) as PodSpecLike;
    if (spec.priority === undefined && old.priority !== undefined) spec.priority = old.priority;
    if (spec.preemptionPolicy === undefined && old.preemptionPolicy !== undefined)
      spec.preemptionPolicy = old.preemptionPolicy;
    return;
  }
  let priority = DEFAULT_PRIORITY;
  let preemptionPolicy: string | undefined;
  if (!spec.priorityClassName) {
    const pc = await defaultClass(request);
    if (pc) {
      spec.priorityClassName = pc.metadata.name as string;
      priority = pc.value ?? 0;
      preemptionPolicy = pc.preemptionPolicy;
    }
  } else {
    let pc: PriorityClassLike;
    try {
      pc = await request.server
        .registry(priorityClasses)
        .getCached(undefined, spec.priorityClassName);
    } catch {
      refuse(request, `no PriorityClass with name ${spec.priorityClassName} was found`);
    }
    priority = pc.value ?? 0;
    preemptionPolicy = pc.preemptionPolicy;
  }
  if (spec.priority !== undefined && spec.priority !== priority) {
    refuse(
      request,
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
    );
  }
  spec.priority = priority;
  if (preemptionPolicy !== undefined) {
    if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== preemptionPolicy) {
      refuse(
        request,
        `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`,
      );
    }
    spec.preemptionPolicy = preemptionPolicy;
  }
}
// #endregion admitPod

/** Only one globalDefault class: a second one, or marking another one default, is refused. */
async function validatePriorityClass(request: AdmissionRequest): Promise<void> {
  const pc = request.object as PriorityClassLike;
  if (!pc.globalDefault) return;
  const current = await defaultClass(request);
  if (!current) return;
  if (request.operation === "CREATE" || current.metadata.name !== pc.metadata.name) {
    refuse(
      request,
      `PriorityClass ${current.metadata.name} is already marked as default. Only one default can exist`,
    );
  }
}

export const priority: AdmissionPlugin = {
  name: "Priority",
  async mutate(request) {
    const { type, operation, subresource } = request;
    if (subresource || type.group !== "" || type.resource !== "pods") return;
    if (operation === "CREATE" || operation === "UPDATE") await admitPod(request);
  },
  async validate(request) {
    const { type, operation, subresource } = request;
    if (
      subresource ||
      type.group !== priorityClasses.group ||
      type.resource !== priorityClasses.resource
    )
      return;
    if (operation === "CREATE" || operation === "UPDATE") await validatePriorityClass(request);
  },
};
