/**
 * The probe part of a container spec (core/v1 Probe, HTTPGetAction, TCPSocketAction, ExecAction,
 * GRPCAction), as far as the prober reads it, and the three kinds of probe. Pods from the API
 * server carry the defaults already (SetDefaults_Probe, api/defaults/pod.ts); `timing` applies the
 * same defaults again so a pod built by hand in a test probes as one from the API would.
 */
import type { Container, IntOrString } from "../../api/types.ts";

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HTTPGetAction {
  /** Default "/". May carry a query: "/healthz?verbose=1". */
  path?: string;
  /** A number, or the name of one of the container's ports. */
  port: IntOrString;
  /** Default: the pod's IP. */
  host?: string;
  /** "HTTP" (default) or "HTTPS" — certificates are not verified. */
  scheme?: string;
  httpHeaders?: HTTPHeader[];
}

export interface TCPSocketAction {
  port: IntOrString;
  /** Default: the pod's IP. */
  host?: string;
}

export interface ExecAction {
  command?: string[];
}

export interface GRPCAction {
  port: number;
  service?: string;
}

export interface Probe {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

/** probeType.String() in prober_manager.go: the words events begin with ("Liveness probe failed"). */
export type ProbeType = "Liveness" | "Readiness" | "Startup";

/** The order AddPod creates a container's workers in (prober_manager.go). */
export const PROBE_TYPES: readonly ProbeType[] = ["Startup", "Readiness", "Liveness"];

const FIELD: Record<ProbeType, "livenessProbe" | "readinessProbe" | "startupProbe"> = {
  Liveness: "livenessProbe",
  Readiness: "readinessProbe",
  Startup: "startupProbe",
};

/** The container's probe of this type, if it has one. */
export const probeOf = (container: Container, type: ProbeType): Probe | undefined =>
  (container[FIELD[type]] as Probe | null | undefined) ?? undefined;

// #region timing
export interface ProbeTiming {
  initialDelaySeconds: number;
  timeoutSeconds: number;
  periodSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

/**
 * SetDefaults_Probe (pkg/apis/core/v1/defaults.go): timeoutSeconds 1, periodSeconds 10,
 * successThreshold 1, failureThreshold 3; 0 counts as unset, as for a plain Go int.
 */
export function timing(probe: Probe): ProbeTiming {
  const or = (value: number | undefined, fallback: number) => (value ? value : fallback);
  return {
    initialDelaySeconds: probe.initialDelaySeconds ?? 0,
    timeoutSeconds: or(probe.timeoutSeconds, 1),
    periodSeconds: or(probe.periodSeconds, 10),
    successThreshold: or(probe.successThreshold, 1),
    failureThreshold: or(probe.failureThreshold, 3),
  };
}
// #endregion timing

/**
 * What one attempt of a probe found (pkg/probe's Result and output). "warning" is a success with
 * something to say (an HTTP redirect the prober did not follow); "unknown" with an `error` is a
 * probe that could not be run at all (a named port the container lacks, a runtime error).
 */
export interface ProbeOutcome {
  result: "success" | "warning" | "failure" | "unknown";
  /** What the event shows: the command's output, "HTTP probe failed with statuscode: 500", ... */
  output: string;
  error?: Error;
}
