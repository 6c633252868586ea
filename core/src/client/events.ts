/**
 * The event recorder: components tell the story of what they did as core/v1 Events, which
 * `kubectl describe` and `kubectl get events` print — client-go's tools/record.
 *
 * Guarantees:
 * - Recording never blocks and never throws: events are written in the background, one at a
 *   time, and a failed write is logged and dropped (events are best-effort in Kubernetes too).
 * - Repeats are counted, not repeated: the same event (object, type, reason, message, source)
 *   again patches the first one's `count` and `lastTimestamp` (client-go's eventLogger).
 * - Floods are folded: once 10 events with different messages have arrived for one object and
 *   reason, with no gap of more than 10 minutes, each further one is recorded as one combined
 *   event whose message starts "(combined from similar events): " (client-go's EventAggregator:
 *   maxEvents 10, maxIntervalInSeconds 600).
 * - Spam is dropped: per component, object and type, 25 events, then one every 5 minutes
 *   (client-go's spam filter); a repeat dropped still counts towards the next one written.
 */
import type { KubeObject } from "../api/object.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { isNotFound, type ResourceClient } from "./rest.ts";
import { TokenBucket } from "./token-bucket.ts";

export type EventType = "Normal" | "Warning";

export interface ObjectReference {
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  apiVersion: string;
  resourceVersion?: string;
}

export interface CoreEvent extends KubeObject {
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  type: EventType;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
}

/** What the recorder needs of the API: events in any namespace. */
export interface EventSink {
  create(namespace: string, event: CoreEvent): Promise<unknown>;
  patch(namespace: string, name: string, patch: Partial<CoreEvent>): Promise<unknown>;
}

/** The sink for a real API server. */
export function eventSink(events: ResourceClient<CoreEvent>): EventSink {
  return {
    create: (namespace, event) => events.in(namespace).create(event),
    patch: (namespace, name, patch) => events.in(namespace).patch(name, patch, "strategic"),
  };
}

export interface RecorderOptions {
  sink: EventSink;
  /** "deployment-controller", "default-scheduler", "kubelet". */
  component: string;
  host?: string;
  clock?: Clock;
  log?: (line: string) => void;
}

/** client-go's defaults for the aggregator. */
const MAX_SIMILAR_EVENTS = 10;
const SIMILAR_WINDOW_MS = 600_000;
/** client-go's spam filter: a burst of 25 events per object, then one every 300 s. */
const SPAM_BURST = 25;
const SPAM_QPS = 1 / 300;
/** client-go remembers 4,096 keys in each LRU cache. */
const CACHE_SIZE = 4096;

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

export class EventRecorder {
  private readonly clock: Clock;
  private readonly seen = new Map<string, Seen>();
  private readonly similar = new Map<string, { messages: Set<string>; last: number }>();
  private readonly spam = new Map<string, TokenBucket>();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private counter = 0;

  constructor(private readonly options: RecorderOptions) {
    this.clock = options.clock ?? realClock;
  }

  // #region record
  /** Records that `type`/`reason` happened to `object`, with a human message. */
  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    const ref: ObjectReference = {
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name ?? "",
      uid: object.metadata.uid,
      apiVersion: object.apiVersion,
      resourceVersion: object.metadata.resourceVersion,
    };
    const namespace = ref.namespace || "default";
    const now = this.clock.now();
    const combined = this.floods(ref, type, reason, message, now);
    const text = combined ? `(combined from similar events): ${message}` : message;
    // A combined event is one event whatever its message: later floods patch it.
    const key = [
      ref.kind,
      namespace,
      ref.name,
      ref.uid,
      type,
      reason,
      combined ? "" : text,
      this.options.component,
    ].join("\u0000");
    const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z");
    const previous = this.seen.get(key);
    const allowed = this.spamAllows(ref, type);
    if (previous) {
      previous.count += 1;
      // Dropped by the spam filter: the count still grows, and the next write carries it.
      if (!allowed) return;
      const { name, count } = previous;
      this.write(
        () =>
          this.options.sink.patch(namespace, name, { count, lastTimestamp: time, message: text }),
        {
          onNotFound: () => this.seen.delete(key),
        },
      );
      return;
    }
    if (!allowed) return;
    // client-go names an event "<object>.<nanoseconds in hex>"; the counter keeps names unique
    // within one millisecond of our clock.
    const name = `${ref.name}.${(BigInt(now) * 1_000_000n + BigInt(this.counter++ % 1_000_000)).toString(16)}`;
    this.remember(key, { name, namespace, count: 1, firstTimestamp: time });
    this.write(() =>
      this.options.sink.create(namespace, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace },
        involvedObject: ref,
        reason,
        message: text,
        type,
        count: 1,
        firstTimestamp: time,
        lastTimestamp: time,
        source: {
          component: this.options.component,
          ...(this.options.host ? { host: this.options.host } : {}),
        },
        reportingComponent: this.options.component,
        reportingInstance: this.options.host ?? "",
      }),
    );
  }
  // #endregion record

  /** Resolves when every event recorded so far has been written (or dropped). */
  async flush(): Promise<void> {
    while (this.pending > 0) await this.queue;
  }

  // #region aggregate
  /**
   * client-go's EventAggregator: events alike but for their message are grouped per object,
   * type, reason and source. Each group remembers its distinct messages while events keep coming
   * (a gap of more than 10 minutes starts it afresh); from the 10th distinct message on, events
   * are recorded as one combined event.
   */
  private floods(
    ref: ObjectReference,
    type: EventType,
    reason: string,
    message: string,
    now: number,
  ): boolean {
    const key = [
      ref.kind,
      ref.namespace,
      ref.name,
      ref.uid,
      type,
      reason,
      this.options.component,
    ].join("\u0000");
    let group = this.similar.get(key);
    if (!group || now - group.last > SIMILAR_WINDOW_MS) group = { messages: new Set(), last: now };
    group.last = now;
    group.messages.add(message);
    this.similar.set(key, group);
    if (this.similar.size > CACHE_SIZE)
      this.similar.delete(this.similar.keys().next().value as string);
    if (group.messages.size < MAX_SIMILAR_EVENTS) return false;
    // Keep the set from growing past the limit (client-go pops any one message).
    group.messages.delete(group.messages.values().next().value as string);
    return true;
  }
  // #endregion aggregate

  /**
   * client-go's spam filter: per source, object and type, a token bucket of 25 events refilled at
   * one every 5 minutes. A ReplicaSet creating 10,000 pods records 25 SuccessfulCreate events
   * and then about one every 5 minutes, not 10,000 API writes.
   */
  private spamAllows(ref: ObjectReference, type: EventType): boolean {
    const key = [
      this.options.component,
      this.options.host,
      ref.kind,
      ref.namespace,
      ref.name,
      ref.uid,
      ref.apiVersion,
      type,
    ].join("\u0000");
    let bucket = this.spam.get(key);
    if (!bucket) {
      bucket = new TokenBucket(SPAM_QPS, SPAM_BURST, this.clock);
      this.spam.set(key, bucket);
      if (this.spam.size > CACHE_SIZE) this.spam.delete(this.spam.keys().next().value as string);
    }
    return bucket.tryTake();
  }

  private remember(key: string, seen: Seen): void {
    this.seen.set(key, seen);
    if (this.seen.size > CACHE_SIZE) this.seen.delete(this.seen.keys().next().value as string);
  }

  private write(send: () => Promise<unknown>, options: { onNotFound?: () => void } = {}): void {
    this.pending += 1;
    this.queue = this.queue.then(async () => {
      try {
        await send();
      } catch (error) {
        if (isNotFound(error)) options.onNotFound?.();
        this.options.log?.(
          `[events ${this.options.component}] dropped an event: ${error instanceof Error ? error.message : error}`,
        );
      } finally {
        this.pending -= 1;
      }
    });
  }
}
