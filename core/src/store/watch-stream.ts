/**
 * The consumer side of a store watch, shared by both backends: a bounded Channel of events (see
 * util/channel.ts) that can also ask its producer for a progress marker. A consumer that falls
 * too far behind is cancelled with WatchCancelledError("slow-consumer") and watches again from
 * the last revision it saw.
 */
import { Channel } from "../util/channel.ts";
import { WatchCancelledError } from "./errors.ts";
import type { ProgressWatch, WatchEvent, WatchProgress } from "./types.ts";

type Item = WatchEvent | WatchProgress;

/** Events a watcher may have unread before it is cancelled; etcd-sized fan-out bursts fit. */
export const DEFAULT_WATCH_BUFFER = 10_000;

export interface WatchStreamOptions {
  capacity?: number;
  /** Called once when the stream ends for any reason, to release the producer's resources. */
  onClose: () => void;
  /** For a watcher catching up from history: see ChannelOptions.pull. */
  pull?: () => Item[] | undefined;
  /** Asks the producer for a progress marker (see ProgressWatch). */
  onProgressRequest?: () => void;
}

export class WatchStream extends Channel<Item> implements ProgressWatch {
  constructor(private readonly streamOptions: WatchStreamOptions) {
    super({
      capacity: streamOptions.capacity ?? DEFAULT_WATCH_BUFFER,
      overflow: (backlog, capacity) =>
        new WatchCancelledError(
          "slow-consumer",
          `${backlog} events unread, the buffer holds ${capacity}; watch again from the last revision you saw`,
        ),
      onClose: streamOptions.onClose,
      ...(streamOptions.pull ? { pull: streamOptions.pull } : {}),
    });
  }

  requestProgress(): void {
    if (!this.closed) this.streamOptions.onProgressRequest?.();
  }
}
