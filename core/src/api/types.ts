/**
 * Typed views of the kinds the controllers, scheduler and kubelet read and write. Objects travel
 * as plain JSON; these interfaces name the fields tinykube uses (the API has many more, which pass
 * through untouched) so components are checked by the compiler. Field names are Kubernetes' own.
 */

import type { KubeObject, ObjectMeta } from "./object.ts";
import type { LabelSelectorObject } from "./validation.ts";

export type IntOrString = number | string;

/** metav1.LabelSelector, as labels.ts parses it. */
export type LabelSelectorSpec = LabelSelectorObject;

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
  hostPort?: number;
  hostIP?: string;
}

export interface Container {
  name: string;
  image?: string;
  ports?: ContainerPort[];
  /** Only on init containers: "Always" makes one a sidecar that runs beside the others. */
  restartPolicy?: string;
  [field: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  nodeName?: string;
  /** Which taints the pod accepts (scheduler TaintToleration, NodeUnschedulable; kubelet NoExecute). */
  tolerations?: Toleration[];
  hostname?: string;
  subdomain?: string;
  /** Node labels the node must all have (key=value); ANDed with affinity.nodeAffinity. */
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  [field: string]: unknown;
}

/** One test on a node's labels (matchExpressions) or fields (matchFields: only metadata.name). */
export interface NodeSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  values?: string[];
}

/** Requirements ANDed; a term with neither list matches no node. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** Terms ORed. */
export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

export interface PreferredSchedulingTerm {
  /** 1-100. */
  weight: number;
  preference: NodeSelectorTerm;
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
}

/** Pods (selected by labelSelector in some namespaces) running in the same topology domain. */
export interface PodAffinityTerm {
  labelSelector?: LabelSelectorSpec | null;
  /** Empty with no namespaceSelector: the pod's own namespace. */
  namespaces?: string[];
  /** {} selects every namespace; null or absent none (beyond `namespaces`). */
  namespaceSelector?: LabelSelectorSpec | null;
  topologyKey: string;
}

export interface WeightedPodAffinityTerm {
  /** 1-100. */
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

export interface PodAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}

export interface Affinity {
  nodeAffinity?: NodeAffinity;
  podAffinity?: PodAffinity;
  podAntiAffinity?: PodAffinity;
}

export interface TopologySpreadConstraint {
  /** How far a domain may run ahead of the emptiest one; at least 1. */
  maxSkew: number;
  /** Node label whose values are the domains, e.g. topology.kubernetes.io/zone. */
  topologyKey: string;
  /** DoNotSchedule: a Filter; ScheduleAnyway: only a Score. */
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  labelSelector?: LabelSelectorSpec | null;
  /** With fewer eligible domains than this, the global minimum counts as 0. Default 1. */
  minDomains?: number;
  /** Count only nodes the pod's nodeSelector/affinity allows (Honor, the default) or all. */
  nodeAffinityPolicy?: "Honor" | "Ignore";
  /** Count only nodes whose taints the pod tolerates (Honor) or all (Ignore, the default). */
  nodeTaintsPolicy?: "Honor" | "Ignore";
  /** Pod label keys whose values (from the incoming pod) are ANDed into labelSelector. */
  matchLabelKeys?: string[];
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  [field: string]: unknown;
}

export interface PodStatus {
  phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  conditions?: Condition[];
  podIP?: string;
  podIPs?: { ip: string }[];
  hostIP?: string;
  containerStatuses?: ContainerStatus[];
  [field: string]: unknown;
}

export interface Pod extends KubeObject {
  spec: PodSpec;
  status?: PodStatus;
}

export interface ReplicaSet extends KubeObject {
  spec: {
    replicas?: number;
    minReadySeconds?: number;
    selector: LabelSelectorSpec;
    template: PodTemplateSpec;
  };
  status?: {
    replicas: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: Condition[];
  };
}

export interface DeploymentStrategy {
  type?: "RollingUpdate" | "Recreate";
  rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString };
}

export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector: LabelSelectorSpec;
    template: PodTemplateSpec;
    strategy?: DeploymentStrategy;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
    collisionCount?: number;
  };
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: IntOrString;
  appProtocol?: string;
  nodePort?: number;
}

export interface Service extends KubeObject {
  spec: {
    selector?: Record<string, string>;
    ports?: ServicePort[];
    clusterIP?: string;
    /** The primary address first; "None" alone for a headless Service. */
    clusterIPs?: string[];
    type?: string;
    publishNotReadyAddresses?: boolean;
    ipFamilies?: string[];
    ipFamilyPolicy?: string;
    externalTrafficPolicy?: string;
    /** A LoadBalancer with externalTrafficPolicy Local: the node port kube-proxy answers health checks on. */
    healthCheckNodePort?: number;
    allocateLoadBalancerNodePorts?: boolean;
    [field: string]: unknown;
  };
}

/** Who holds an IPAddress: for a Service's cluster IP, group "" and resource "services". */
export interface ParentReference {
  group?: string;
  resource: string;
  namespace?: string;
  name: string;
}

/** networking.k8s.io/v1 IPAddress: one allocated address, named by the address itself. */
export interface IPAddress extends KubeObject {
  spec: { parentRef: ParentReference };
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace?: string; name: string; uid?: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

export interface Endpoints extends KubeObject {
  subsets?: {
    addresses?: EndpointAddress[];
    notReadyAddresses?: EndpointAddress[];
    ports?: EndpointPort[];
  }[];
}

export interface Endpoint {
  addresses: string[];
  conditions: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: { kind: string; namespace?: string; name: string; uid?: string };
}

export interface EndpointSlice extends KubeObject {
  addressType: "IPv4" | "IPv6" | "FQDN";
  endpoints: Endpoint[];
  ports?: EndpointPort[] | null;
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[]; podCIDR?: string; [field: string]: unknown };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: Condition[];
    addresses?: { type: string; address: string }[];
    images?: { names: string[]; sizeBytes: number }[];
    [field: string]: unknown;
  };
}

export interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: "Active" | "Terminating"; conditions?: Condition[] };
}
