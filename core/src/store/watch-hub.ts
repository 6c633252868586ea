/**
 * The embedded store's watchers, split as etcd splits them (watchable_store.go):
 *
 * - synced watchers have seen every committed change; each commit is pushed to them at once;
 * - unsynced watchers started in the past; they pull from the store's change log, in batches, as
 *   their consumer reads, and join the synced set when they reach the newest committed revision.
 *
 * A watcher in the past therefore costs no memory while it catches up, and a burst of commits
 * costs each synced watcher at most its buffer before it is cut off (see WatchStream).
 */
import { intervalContains, type KeyInterval } from "./keys.ts";
import type { Change } from "./mvcc.ts";
import type { WatchEvent, WatchProgress } from "./types.ts";
import { WatchStream } from "./watch-stream.ts";

/** Changes read from the log per pull: bounds the work one read of a catching-up watcher does. */
const CATCH_UP_BATCH = 500;

interface Watcher {
  interval: KeyInterval;
  prevKv: boolean;
  /** The next revision this watcher has to deliver. */
  next: number;
  synced: boolean;
  /** A progress marker was asked for while catching up: send it on reaching the present. */
  progressWanted: boolean;
  stream: WatchStream;
}

export interface ChangeSource {
  committedRevision(): number;
  /** Changes with revision in [from, to], at most max; throws CompactedError below the compaction. */
  changes(from: number, to: number, max: number): Change[];
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  constructor(
    private readonly source: ChangeSource,
    private readonly capacity: number,
  ) {}

  // #region watch
  /** A watcher from `start`: synced if it is the next revision, otherwise catching up. */
  watch(interval: KeyInterval, start: number, prevKv: boolean): WatchStream {
    const committed = this.source.committedRevision();
    const watcher: Watcher = {
      interval,
      prevKv,
      next: start,
      synced: start > committed,
      progressWanted: false,
      stream: undefined as unknown as WatchStream,
    };
    watcher.stream = new WatchStream({
      capacity: this.capacity,
      onClose: () => this.watchers.delete(watcher),
      pull: watcher.synced ? undefined : () => this.catchUp(watcher),
      onProgressRequest: () => this.progress(watcher),
    });
    this.watchers.add(watcher);
    return watcher.stream;
  }

  /**
   * One step of catching up: read the next batch of changes from the log, keep the ones for this
   * watcher, and become synced once the newest committed revision is reached.
   */
  private catchUp(watcher: Watcher): (WatchEvent | WatchProgress)[] | undefined {
    const committed = this.source.committedRevision();
    if (watcher.next > committed) {
      const wasSynced = watcher.synced;
      watcher.synced = true;
      if (!wasSynced && watcher.progressWanted) {
        watcher.progressWanted = false;
        return [{ type: "progress", revision: committed }];
      }
      return undefined;
    }
    const changes = this.source.changes(watcher.next, committed, CATCH_UP_BATCH);
    const events: WatchEvent[] = [];
    for (const change of changes) this.select(watcher, change, events);
    watcher.next = changes.length > 0 ? (changes.at(-1) as Change).revision + 1 : committed + 1;
    return events;
  }
  // #endregion watch

  /**
   * A synced watcher has been pushed every change up to the committed revision, so the marker
   * goes into its stream right away; a watcher still catching up gets it on reaching the present.
   */
  private progress(watcher: Watcher): void {
    if (watcher.synced) {
      watcher.stream.push([{ type: "progress", revision: this.source.committedRevision() }]);
    } else {
      watcher.progressWanted = true;
    }
  }

  // #region notify
  /** Pushes committed changes (in revision order) to every synced watcher. */
  notify(changes: readonly Change[]): void {
    for (const watcher of this.watchers) {
      if (!watcher.synced) continue;
      const events: WatchEvent[] = [];
      for (const change of changes) {
        if (change.revision < watcher.next) continue;
        this.select(watcher, change, events);
        watcher.next = change.revision + 1;
      }
      watcher.stream.push(events);
    }
  }
  // #endregion notify

  /** Ends every watch with `error`. */
  closeAll(error: Error): void {
    for (const watcher of [...this.watchers]) watcher.stream.fail(error);
  }

  private select(watcher: Watcher, change: Change, out: WatchEvent[]): void {
    for (const event of change.events) {
      if (!intervalContains(watcher.interval, event.kv.key)) continue;
      if (watcher.prevKv || !event.prevKv) out.push(event);
      else out.push({ type: event.type, kv: event.kv });
    }
  }
}
