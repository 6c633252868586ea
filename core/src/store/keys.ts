/**
 * Key ranges as etcd defines them. Keys compare as strings (UTF-16 code units); for the ASCII keys
 * tinykube stores ("/registry/pods/default/web-1") that is etcd's byte order.
 */
import { InvalidRequestError } from "./errors.ts";
import type { KeySelector } from "./types.ts";

/** Everything from the key on, as etcd's range_end "\0". */
export const FROM_KEY = "\0";

/**
 * The smallest key greater than every key that starts with `prefix`: the prefix with its last
 * character incremented ("/registry/pods/" -> "/registry/pods0"). A prefix of only maximal
 * characters has no such key: the range runs to the end (FROM_KEY).
 */
export function prefixEnd(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return FROM_KEY;
}

/** A selector as [start, end): `end` undefined for a single key, FROM_KEY for no upper bound. */
export interface KeyInterval {
  start: string;
  end: string | undefined;
}

export function toInterval(selector: KeySelector): KeyInterval {
  if (typeof selector.key !== "string") {
    throw new InvalidRequestError(
      `etcdserver: key is not provided (got ${JSON.stringify(selector.key)})`,
    );
  }
  if (selector.prefix && selector.end !== undefined) {
    throw new InvalidRequestError(
      `give either prefix or end, not both (key ${JSON.stringify(selector.key)})`,
    );
  }
  if (selector.prefix) {
    return { start: selector.key, end: selector.key === "" ? FROM_KEY : prefixEnd(selector.key) };
  }
  if (selector.key === "") throw new InvalidRequestError("etcdserver: key is not provided");
  if (selector.end === undefined || selector.end === "")
    return { start: selector.key, end: undefined };
  return { start: selector.key, end: selector.end };
}

export function intervalContains(interval: KeyInterval, key: string): boolean {
  if (interval.end === undefined) return key === interval.start;
  return key >= interval.start && (interval.end === FROM_KEY || key < interval.end);
}
