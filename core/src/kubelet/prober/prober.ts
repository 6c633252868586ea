/**
 * One probe of one container, start to verdict — pkg/kubelet/prober/prober.go: pick the handler
 * (exec, httpGet, tcpSocket), run it, retry it while it errors, turn what it found into a result
 * for the worker, and record the event a person reads in `kubectl describe pod`.
 *
 * Guarantees, as prober.go's:
 * - A handler that errors (it could not be run: a port name the container lacks, a runtime error)
 *   is tried again, 3 times in all (maxProbeRetries); a failure is not retried — the worker's
 *   thresholds deal with failures.
 * - Events, reason and message as Kubernetes words them (pkg/kubelet/events):
 *   failure → Warning Unhealthy "Liveness probe failed: HTTP probe failed with statuscode: 500";
 *   error → Warning Unhealthy "Readiness probe errored and resulted in unknown state: <error>"
 *   (the wording since kubernetes#125901, 1.33); warning → Warning ProbeWarning
 *   "Readiness probe warning: Probe terminated redirects, Response body: ...". A success records
 *   nothing, nor does an "unknown" without an error, which counts as a failure.
 * - The result is Success or Failure; with an error the worker throws the result away.
 *
 * Not done: gRPC probes (grpc: a gRPC health check); such a probe errors, so its result stays at
 * the worker's initial value.
 */
import type { Container, Pod } from "../../api/types.ts";
import type { RuntimeService } from "../../runtime/cri.ts";
import type { Clock } from "../../util/clock.ts";
import { execProbe } from "./exec-probe.ts";
import { httpProbe, newRequestForHTTPGetAction, USER_AGENT } from "./http-probe.ts";
import { resolveContainerPort } from "./port.ts";
import { type Probe, type ProbeOutcome, type ProbeType, probeOf, timing } from "./spec.ts";
import { tcpProbe } from "./tcp-probe.ts";

/** How often a probe that errors is tried in a row (maxProbeRetries). */
const MAX_PROBE_RETRIES = 3;

/** An event about one container of the pod (involvedObject fieldPath spec.containers{name}). */
export interface ProbeEvent {
  containerName: string;
  type: "Warning";
  reason: "Unhealthy" | "ProbeWarning";
  message: string;
}

/** What the prober needs to reach a container: the pod, its IP, the container and its ID. */
export interface ProbeTarget {
  pod: Pod;
  podIP: string;
  container: Container;
  containerId: string;
}

export interface ProberOptions {
  runtime: Pick<RuntimeService, "execSync">;
  clock: Clock;
  userAgent?: string;
  onEvent?: (pod: Pod, event: ProbeEvent) => void;
}

export interface ProbeVerdict {
  result: "Success" | "Failure";
  /** Set when the probe could not be run: the worker keeps its last result. */
  error?: Error;
}

export class Prober {
  constructor(private readonly options: ProberOptions) {}

  // #region probe
  async probe(type: ProbeType, target: ProbeTarget): Promise<ProbeVerdict> {
    const spec = probeOf(target.container, type);
    if (spec === undefined) return { result: "Success" };
    const { result, output, error } = await this.runProbeWithRetries(spec, target);
    const event = (reason: ProbeEvent["reason"], message: string) =>
      this.options.onEvent?.(target.pod, {
        containerName: target.container.name,
        type: "Warning",
        reason,
        message,
      });
    if (error !== undefined) {
      event("Unhealthy", `${type} probe errored and resulted in ${result} state: ${error.message}`);
      return { result: "Failure", error };
    }
    switch (result) {
      case "success":
        return { result: "Success" };
      case "warning":
        event("ProbeWarning", `${type} probe warning: ${output}`);
        return { result: "Success" };
      case "failure":
        event("Unhealthy", `${type} probe failed: ${output}`);
        return { result: "Failure" };
      default:
        return { result: "Failure" };
    }
  }
  // #endregion probe

  private async runProbeWithRetries(spec: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
    let outcome: ProbeOutcome = { result: "unknown", output: "" };
    for (let attempt = 0; attempt < MAX_PROBE_RETRIES; attempt++) {
      outcome = await this.runProbe(spec, target);
      if (outcome.error === undefined) return outcome;
    }
    return outcome;
  }

  // #region run-probe
  /** The handler the spec names, with the spec's timeout. A bad port is an error, not a failure. */
  private async runProbe(spec: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
    const { timeoutSeconds } = timing(spec);
    const { clock } = this.options;
    const { container, podIP } = target;
    try {
      if (spec.exec) {
        const command = spec.exec.command ?? [];
        return await execProbe(this.options.runtime, target.containerId, command, timeoutSeconds);
      }
      if (spec.httpGet) {
        const userAgent = this.options.userAgent ?? USER_AGENT;
        const request = newRequestForHTTPGetAction(spec.httpGet, container, podIP, userAgent);
        return await httpProbe(request, timeoutSeconds * 1000, clock);
      }
      if (spec.tcpSocket) {
        const port = resolveContainerPort(spec.tcpSocket.port, container);
        return await tcpProbe(spec.tcpSocket.host || podIP, port, timeoutSeconds * 1000, clock);
      }
      if (spec.grpc) throw new Error("gRPC probes are not implemented by tinykube's prober");
      const { name, namespace, uid } = target.pod.metadata;
      throw new Error(`missing probe handler for ${name}_${namespace}(${uid}):${container.name}`);
    } catch (error) {
      return { result: "unknown", output: "", error: error as Error };
    }
  }
  // #endregion run-probe
}
