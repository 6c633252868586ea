/**
 * The API server's compactor: every interval (kube-apiserver's --etcd-compaction-interval, 5
 * minutes), the store forgets the versions older than the revision it had one interval before,
 * so history stays about one interval long instead of growing for ever
 * (k8s.io/apiserver/pkg/storage/etcd3/compact.go). Nothing else compacts: etcd keeps every
 * version until told, and so does the embedded store.
 *
 * Several API servers may share one store; one compaction per interval is enough, so they agree
 * through a key, `compact_rev_key`, whose *version* counts compactions (a logical time). Each
 * round is one transaction:
 *
 *   if version(compact_rev_key) = my time
 *   then put compact_rev_key = <revision I saw last round>   (version becomes my time + 1)
 *   else get compact_rev_key                                 (someone else compacted)
 *
 * Won: my time + 1, and compact to the revision I saw last round (not on my first round: nothing
 * was seen yet). Lost: adopt the other's time and try again next interval. Either way remember
 * the revision now, the point the next round compacts to. A worked example, interval 5 min:
 *
 *   t=0   first round: the key is missing (version 0 = my time 0): put, time 1, no compaction;
 *         remember revision 1,000
 *   t=5m  version 1 = my time 1: put, time 2, compact to 1,000; remember revision 9,000
 *   t=10m compact to 9,000 — versions written in the last 5 to 10 minutes survive
 *
 * A watch or list from before the compacted revision then gets 410 Gone (the watch cache keeps
 * its own, shorter window), as on a real cluster.
 */
import type { Store } from "../../store/index.ts";
import type { Clock, Timer } from "../../util/clock.ts";
import { messageOf } from "../../util/errors.ts";

export const COMPACT_REV_KEY = "compact_rev_key";
/** --etcd-compaction-interval's default. */
export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60_000;

export interface CompactionState {
  /** The compactions counted so far, as this server last saw them (the key's version). */
  time: number;
  /** The store's revision at this server's last round: the next compaction's target. */
  revision: number;
}

// #region compact-round
/** One round; returns the new state and the revision compacted to, if it compacted. */
export async function compactRound(
  store: Store,
  state: CompactionState,
): Promise<{ state: CompactionState; compacted?: number }> {
  const result = await store.txn({
    compare: [{ key: COMPACT_REV_KEY, target: "version", op: "=", value: state.time }],
    success: [{ type: "put", key: COMPACT_REV_KEY, value: String(state.revision) }],
    failure: [{ type: "get", key: COMPACT_REV_KEY }],
  });
  const now = result.revision;
  if (!result.succeeded) {
    const got = result.results[0];
    const version = got?.type === "get" ? (got.kvs[0]?.version ?? 0) : 0;
    return { state: { time: version, revision: now } };
  }
  const next = { time: state.time + 1, revision: now };
  // Nothing was seen before the first round: it only records where the next one compacts to.
  if (state.revision === 0) return { state: next };
  await store.compact(state.revision);
  return { state: next, compacted: state.revision };
}
// #endregion compact-round

export interface CompactorOptions {
  store: Store;
  clock: Clock;
  /** 0 turns compaction off, as --etcd-compaction-interval=0 does. */
  intervalMs?: number;
  log?: (line: string) => void;
}

/** Runs compactRound every interval, the first one interval after start(). */
export class Compactor {
  private state: CompactionState = { time: 0, revision: 0 };
  private timer: Timer | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly options: CompactorOptions) {}

  start(): void {
    const interval = this.options.intervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
    if (interval <= 0) return;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.round().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = this.options.clock.setTimeout(tick, interval);
      });
    };
    this.timer = this.options.clock.setTimeout(tick, interval);
  }

  /** Resolves when the round in progress, if any, has finished. */
  async settled(): Promise<void> {
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  private async round(): Promise<void> {
    try {
      const { state, compacted } = await compactRound(this.options.store, this.state);
      this.state = state;
      if (compacted !== undefined)
        this.options.log?.(`[apiserver] store: compacted to revision ${compacted}`);
    } catch (error) {
      // The next round tries again from the same state, as kube-apiserver's loop does.
      this.options.log?.(`[apiserver] store: compaction failed: ${messageOf(error)}`);
    }
  }
}
