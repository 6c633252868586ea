/**
 * The node lifecycle controller's settings, with kube-controller-manager's flags and defaults
 * (cmd/kube-controller-manager/app/options/nodelifecyclecontroller.go;
 * pkg/controller/nodelifecycle/config/v1alpha1/defaults.go; the monitor period is
 * KubeCloudSharedConfiguration's).
 *
 * How they fit together with the kubelet's defaults: the kubelet renews its Lease every 10 s
 * (a quarter of its 40 s duration) and posts status every 10 s when something changed. The
 * controller looks every 5 s; a node it has not heard from for 50 s — five missed renewals — is
 * marked Unknown at the next look, so between 50 and 55 s after the last renewal it saw.
 */

// #region nodeLifecycleDefaults
export interface NodeLifecycleOptions {
  /** --node-monitor-period: how often node health is checked. */
  nodeMonitorPeriodMs?: number;
  /**
   * --node-monitor-grace-period: silence after which a node's conditions become Unknown. 40 s
   * until Kubernetes 1.32 raised it to 50 s (kubernetes#126287): more than the client's HTTP/2
   * ping timeout (30 s) plus read-idle timeout (15 s), so a kubelet whose connection silently
   * broke can notice, reconnect and renew before being declared lost.
   */
  nodeMonitorGracePeriodMs?: number;
  /** --node-startup-grace-period: the same, for a node that has never posted a Ready condition, counted from its creation. */
  nodeStartupGracePeriodMs?: number;
  /** --node-eviction-rate: nodes per second that get a NoExecute taint in a healthy zone. */
  nodeEvictionRate?: number;
  /** --secondary-node-eviction-rate: the same in an unhealthy zone of a large cluster. */
  secondaryNodeEvictionRate?: number;
  /** --large-cluster-size-threshold: a zone with more nodes than this is large. */
  largeClusterSizeThreshold?: number;
  /** --unhealthy-zone-threshold: the fraction of not-Ready nodes (and at least 3) that makes a zone unhealthy. */
  unhealthyZoneThreshold?: number;
}

export type ResolvedNodeLifecycleOptions = Required<NodeLifecycleOptions>;

export const NODE_LIFECYCLE_DEFAULTS: ResolvedNodeLifecycleOptions = {
  nodeMonitorPeriodMs: 5_000,
  nodeMonitorGracePeriodMs: 50_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};
// #endregion nodeLifecycleDefaults

/** The options with defaults filled in; a negative or non-finite value is an error naming it. */
export function resolveNodeLifecycleOptions(
  options: NodeLifecycleOptions = {},
): ResolvedNodeLifecycleOptions {
  const resolved = { ...NODE_LIFECYCLE_DEFAULTS };
  for (const [name, value] of Object.entries(options) as [keyof NodeLifecycleOptions, number][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`node lifecycle option ${name} must be a finite number ≥ 0, got ${value}`);
    resolved[name] = value;
  }
  if (resolved.nodeMonitorPeriodMs === 0)
    throw new Error("node lifecycle option nodeMonitorPeriodMs must be > 0, got 0");
  return resolved;
}
