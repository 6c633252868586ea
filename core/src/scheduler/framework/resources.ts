/**
 * Resource arithmetic for scheduling: what a pod asks for and what a node has, in integers —
 * kube-scheduler's framework.Resource and k8s.io/component-helpers' PodRequests.
 *
 * Guarantees:
 * - CPU is in millicores, memory and ephemeral storage in bytes, pods and extended resources
 *   ("nvidia.com/gpu", "example.com/foo") in units. Every value is a JavaScript number: exact up
 *   to 2^53, which is 8 PiB of memory.
 * - A pod's requests are the larger of the sum over its containers and the largest init
 *   container (init containers run one at a time, before the others), plus spec.overhead.
 *   Restartable init containers (sidecars) keep running, so they add to both sides as Kubernetes'
 *   PodRequests does.
 *
 * Worked example: containers asking 100m and 200m CPU, init containers 250m and 50m: the sum is
 * 300m, the largest init 250m, so the pod requests 300m. With an init container of 500m it would
 * request 500m: the node must hold it while that init container runs.
 */
import { milliValue, parseQuantityJSON, quantityValue } from "../../api/quantity.ts";
import type { Pod } from "../../api/types.ts";

export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Pods a node may run (status.allocatable.pods); a pod counts 1 here only on the node side. */
  allowedPodNumber: number;
  /** Extended and hugepage resources by name. */
  scalar: Record<string, number>;
}

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: {} };
}

/** The defaults kube-scheduler scores with when a container asks for nothing (non-zero requests). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

type ResourceList = Record<string, unknown> | undefined;

/**
 * Quantities already parsed, by their JSON text. Pods repeat a handful of values ("100m",
 * "500Mi"), and each pod's requests are summed several times (queued, assumed, confirmed), so
 * parsing was the scheduler's largest cost outside the algorithm. Bounded: cleared when full.
 */
const parsedQuantities = new Map<string, { milli: number; value: number }>();
const PARSED_QUANTITIES_MAX = 4096;

function quantityNumbers(value: unknown): { milli: number; value: number } {
  const key =
    typeof value === "string" ? value : typeof value === "number" ? `#${value}` : undefined;
  const hit = key === undefined ? undefined : parsedQuantities.get(key);
  if (hit) return hit;
  const q = parseQuantityJSON(value);
  const numbers = { milli: Number(milliValue(q)), value: Number(quantityValue(q)) };
  if (key !== undefined) {
    if (parsedQuantities.size >= PARSED_QUANTITIES_MAX) parsedQuantities.clear();
    parsedQuantities.set(key, numbers);
  }
  return numbers;
}

/** A ResourceList ({cpu: "250m", memory: "64Mi", pods: "110", "nvidia.com/gpu": "1"}) as numbers. */
export function resourceOf(list: ResourceList): Resource {
  const r = emptyResource();
  for (const [name, value] of Object.entries(list ?? {})) {
    const q = quantityNumbers(value);
    switch (name) {
      case "cpu":
        r.milliCPU = q.milli;
        break;
      case "memory":
        r.memory = q.value;
        break;
      case "ephemeral-storage":
        r.ephemeralStorage = q.value;
        break;
      case "pods":
        r.allowedPodNumber = q.value;
        break;
      default:
        // Extended resources (a domain-qualified name) and hugepages-<size> are counted as units.
        if (name.includes("/") || name.startsWith("hugepages-")) r.scalar[name] = q.value;
    }
  }
  return r;
}

export function addResource(into: Resource, other: Resource): void {
  into.milliCPU += other.milliCPU;
  into.memory += other.memory;
  into.ephemeralStorage += other.ephemeralStorage;
  into.allowedPodNumber += other.allowedPodNumber;
  for (const [name, value] of Object.entries(other.scalar))
    into.scalar[name] = (into.scalar[name] ?? 0) + value;
}

function maxResource(into: Resource, other: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, other.milliCPU);
  into.memory = Math.max(into.memory, other.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, other.ephemeralStorage);
  for (const [name, value] of Object.entries(other.scalar))
    into.scalar[name] = Math.max(into.scalar[name] ?? 0, value);
}

interface ContainerLike {
  resources?: { requests?: ResourceList };
  restartPolicy?: string;
}

// #region podRequests
/**
 * What the pod asks for (PodRequests): max(sum of containers, each init container) + overhead.
 * `nonMissing` stands in for a container's missing cpu or memory request (scoring's defaults).
 */
export function podRequests(pod: Pod, nonMissing?: { milliCPU: number; memory: number }): Resource {
  const containers = (pod.spec.containers ?? []) as ContainerLike[];
  const inits = (pod.spec.initContainers as ContainerLike[] | undefined) ?? [];
  const requestsOf = (c: ContainerLike) => {
    const r = resourceOf(c.resources?.requests);
    if (nonMissing) {
      r.milliCPU ||= nonMissing.milliCPU;
      r.memory ||= nonMissing.memory;
    }
    return r;
  };
  const sum = emptyResource();
  for (const c of containers) addResource(sum, requestsOf(c));
  // Sidecars run beside everything after them: they add to the sum, and to every later init.
  const sidecars = emptyResource();
  const initMax = emptyResource();
  for (const c of inits) {
    const own = requestsOf(c);
    if (c.restartPolicy === "Always") {
      addResource(sidecars, own);
      addResource(sum, own);
      maxResource(initMax, { ...sidecars, scalar: { ...sidecars.scalar } });
    } else {
      const during = { ...own, scalar: { ...own.scalar } };
      addResource(during, sidecars);
      maxResource(initMax, during);
    }
  }
  maxResource(sum, initMax);
  addResource(sum, resourceOf(pod.spec.overhead as ResourceList));
  return sum;
}
// #endregion podRequests

/**
 * The requests scoring uses: PodRequests with a container that asks for no CPU or memory counted
 * as 100m and 200 MiB (kube-scheduler's NonMissingContainerRequests), so spreading still sees
 * best-effort pods.
 */
export function nonZeroRequests(pod: Pod): { milliCPU: number; memory: number } {
  const r = podRequests(pod, {
    milliCPU: DEFAULT_MILLI_CPU_REQUEST,
    memory: DEFAULT_MEMORY_REQUEST,
  });
  return { milliCPU: r.milliCPU, memory: r.memory };
}
