/**
 * A ListerWatcher that tells the chapter what the reflector asked for and what came back: the
 * options of every list and watch call, and every watch event as it arrives — before the
 * reflector hands it to the informer, so the narration shows the event, then what the handlers
 * did with it. It passes everything through unchanged.
 */
import type { KubeList, KubeObject } from "@tinykube/core/api/object";
import type { ListerWatcher } from "@tinykube/core/client/reflector";
import type {
  ClientWatch,
  ListOptions,
  WatchEventOf,
  WatchOptions,
} from "@tinykube/core/client/rest";

export type ListerWatcherCall =
  | { verb: "list"; options: ListOptions }
  | { verb: "watch"; options: WatchOptions };

export class NarratingListerWatcher<T extends KubeObject> implements ListerWatcher<T> {
  /** Every call the reflector made, in order. */
  readonly calls: ListerWatcherCall[] = [];

  constructor(
    private readonly inner: ListerWatcher<T>,
    private readonly onCall: (call: ListerWatcherCall) => void,
    private readonly onEvent: (event: WatchEventOf<T>) => void,
  ) {}

  list(options: ListOptions): Promise<KubeList<T>> {
    this.record({ verb: "list", options });
    return this.inner.list(options);
  }

  async watch(options: WatchOptions): Promise<ClientWatch<T>> {
    this.record({ verb: "watch", options });
    const watch = await this.inner.watch(options);
    const onEvent = this.onEvent;
    return {
      stop: () => watch.stop(),
      async *[Symbol.asyncIterator]() {
        for await (const event of watch) {
          onEvent(event);
          yield event;
        }
      },
    };
  }

  private record(call: ListerWatcherCall): void {
    this.calls.push(call);
    this.onCall(call);
  }
}
