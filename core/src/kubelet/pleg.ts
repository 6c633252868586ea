/**
 * The Pod Lifecycle Event Generator — the kubelet's GenericPLEG (pkg/kubelet/pleg/generic.go).
 * The kubelet does not watch containers; it relists the runtime every `relistPeriodMs` (1 s in
 * Kubernetes) and compares each container's state with the previous relist. A container that
 * appeared, started, died or vanished is an event for its pod, and the pod's worker syncs it.
 * Sandboxes are compared too, as Kubernetes' PLEG does, so a sandbox that stopped is noticed.
 *
 * Guarantees:
 * - Every change between two relists produces one event for the pod, whatever the number of
 *   containers that changed in it; a pod without changes produces none.
 * - The first relist reports every pod the runtime has (all are new to it): a restarted kubelet
 *   learns of what ran before it.
 * - A relist that fails is logged and retried at the next period; the previous state is kept.
 */
import type { ContainerRuntime } from "../runtime/cri.ts";
import type { Clock, Timer } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import { POD_UID_LABEL } from "./runtime-pod.ts";

/** GenericPLEG's relistPeriod. */
export const DEFAULT_RELIST_PERIOD_MS = 1_000;

/** Pod UID → (sandbox or container ID → its state). */
type Snapshot = Map<string, Map<string, string>>;

export class Pleg {
  private previous: Snapshot = new Map();
  private timer: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly options: {
      runtime: ContainerRuntime;
      clock: Clock;
      relistPeriodMs: number;
      /** Called once per pod whose state changed in a relist. */
      onPodChanged: (uid: string) => void;
      log?: (line: string) => void;
    },
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.relist()
        .catch((error: unknown) => this.options.log?.(`PLEG relist failed: ${messageOf(error)}`))
        .finally(() => {
          if (!this.stopped)
            this.timer = this.options.clock.setTimeout(tick, this.options.relistPeriodMs);
        });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  // #region relist
  /** 1. List sandboxes and containers. 2. Group them by pod. 3. Report pods that differ. */
  async relist(): Promise<void> {
    const { runtime } = this.options;
    const [sandboxes, containers] = await Promise.all([
      runtime.listPodSandbox(),
      runtime.listContainers(),
    ]);
    const current: Snapshot = new Map();
    for (const item of [...sandboxes, ...containers]) {
      const uid = item.labels[POD_UID_LABEL];
      if (uid === undefined) continue; // not the kubelet's
      const pod = current.get(uid) ?? new Map<string, string>();
      current.set(uid, pod);
      pod.set(item.id, item.state);
    }
    const previous = this.previous;
    this.previous = current;
    for (const uid of new Set([...previous.keys(), ...current.keys()])) {
      if (!sameStates(previous.get(uid), current.get(uid))) this.options.onPodChanged(uid);
    }
  }
  // #endregion relist
}

function sameStates(a: Map<string, string> | undefined, b: Map<string, string> | undefined) {
  if (!a || !b) return a === b;
  if (a.size !== b.size) return false;
  for (const [id, state] of a) if (b.get(id) !== state) return false;
  return true;
}
