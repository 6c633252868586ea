/**
 * Lab 6: the kubelet's sync decision for one pod — kuberuntime's computePodActions. Every sync
 * of a pod (a watch event, a container exit the PLEG noticed, the periodic resync) comes down to
 * one comparison: the pod as the API wants it against what the runtime reports. The answer is a
 * list of actions; the pod worker carries them out, and the next sync compares again. Nothing is
 * remembered between syncs: that is what makes a kubelet restart safe.
 *
 * What you are given (observed, from the runtime, the newest first):
 *   sandboxes   [{ id, ready, attempt, ip }]               the pod's sandboxes (its network, its IP)
 *   containers  [{ id, name, state, exitCode, reason, hash }]  state: created | running | exited | unknown
 * and helpers already written, imported below from the core:
 *   podSandboxChanged(observed)          → { create, attempt, sandboxId }
 *   findNextInitContainerToRun(pod, obs) → { done, next?, failed? }
 *   shouldContainerBeRestarted(c, pod, obs) → boolean, by the pod's restartPolicy
 *
 * What you return (PodActions): killPod, createSandbox, sandboxId, attempt, nextInitContainer (a
 * name), containersToStart (indexes into spec.containers), containersToKill (container ID → {name,
 * message}).
 *
 * The rules, in the order Kubernetes applies them:
 *   1. A new sandbox is needed (podSandboxChanged): killPod and createSandbox are true. Then —
 *      restartPolicy Never, attempt ≠ 0 and containers already ran: no new sandbox, just kill.
 *      Containers to start are all of them, except under OnFailure those that exited 0; if none
 *      and initialisation is done: no new sandbox. With init containers, start the first one only.
 *   2. Initialisation not done: start `next` — unless it failed and the policy is Never (killPod);
 *      one in the "unknown" state is also killed first. Nothing else this sync.
 *   3. Each container: not running → start it if shouldContainerBeRestarted (kill it too if
 *      "unknown"). Running → kill it if its hash differs from containerHash(spec) ("Container
 *      <name> definition changed", restarted whatever the policy), or its liveness or startup
 *      probe failed ("Container <name> failed liveness probe"); add ", will be restarted" and
 *      start it when it will be restarted. Otherwise keep it.
 *   4. Nothing kept and nothing to start: killPod.
 *
 * Worked example: restartPolicy Always, one container "web" running, its liveness probe failed:
 *   { killPod: false, createSandbox: false, containersToStart: [0],
 *     containersToKill: { "<web's id>": "Container web failed liveness probe, will be restarted" } }
 *
 * Check your work with `npm run lab -- check 6`; stuck? `npm run lab -- hint 6`. Chapter 6's docs
 * page explains the sync loop beside the core's code.
 */
// biome-ignore-all lint/correctness/noUnusedImports: the helpers are what your function uses.
// biome-ignore-all lint/correctness/noUnusedFunctionParameters: your function reads them all.
import type { Container, Pod } from "@tinykube/core/api/types";
import {
  findNextInitContainerToRun,
  type ObservedPod,
  type PodActions,
  type ProbeVerdicts,
  podSandboxChanged,
  shouldContainerBeRestarted,
} from "@tinykube/core/kubelet/pod-actions";

const noProbeFailures: ProbeVerdicts = { livenessFailed: () => false, startupFailed: () => false };

export function computePodActions(
  pod: Pod,
  observed: ObservedPod,
  containerHash: (c: Container) => string,
  probes: ProbeVerdicts = noProbeFailures,
): PodActions {
  const sandboxes = observed.sandboxes.map((s) => `${s.id}${s.ready ? "" : " (not ready)"}`);
  const containers = observed.containers.map((c) => `${c.name} ${c.state}`);
  throw new Error(
    `computePodActions is not implemented yet (pod ${pod.metadata.name}, restartPolicy ` +
      `${String(pod.spec.restartPolicy ?? "Always")}, sandboxes [${sandboxes.join(", ")}], containers ` +
      `[${containers.join(", ")}]). Start with podSandboxChanged(observed): a pod without a sandbox ` +
      `needs one, and then every container (or the first init container) starts.`,
  );
}
