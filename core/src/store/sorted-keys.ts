/**
 * An ordered set of strings for range scans: a list of sorted chunks, each at most MAX_CHUNK long.
 * Insert and delete touch one chunk (a short array splice), and a scan from any key is a binary
 * search for the chunk, then a walk. etcd keeps its key index in a B-tree for the same reason; a
 * chunked list is the smallest structure with the same costs that still reads in one sitting.
 */

/** Chunks split in two above this size; 512 keeps splices cheap and the chunk list short. */
const MAX_CHUNK = 512;

export class SortedKeys {
  /** Non-empty sorted chunks; every key of chunks[i] < every key of chunks[i + 1]. */
  private chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(key: string): boolean {
    const chunk = this.chunks[this.chunkFor(key)];
    return chunk !== undefined && chunk[lowerBound(chunk, key)] === key;
  }

  add(key: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return;
    }
    const ci = this.chunkFor(key);
    const chunk = this.chunks[ci] as string[];
    const i = lowerBound(chunk, key);
    if (chunk[i] === key) return;
    chunk.splice(i, 0, key);
    this.count++;
    if (chunk.length > MAX_CHUNK) {
      this.chunks.splice(ci + 1, 0, chunk.splice(chunk.length >> 1));
    }
  }

  delete(key: string): void {
    const ci = this.chunkFor(key);
    const chunk = this.chunks[ci];
    if (!chunk) return;
    const i = lowerBound(chunk, key);
    if (chunk[i] !== key) return;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
  }

  /** Keys ≥ start and < end (no upper bound when end is undefined), in order. */
  *scan(start: string, end?: string): Generator<string> {
    const first = this.chunkFor(start);
    for (let ci = first; ci < this.chunks.length; ci++) {
      const chunk = this.chunks[ci] as string[];
      for (let i = ci === first ? lowerBound(chunk, start) : 0; i < chunk.length; i++) {
        const key = chunk[i] as string;
        if (end !== undefined && key >= end) return;
        yield key;
      }
    }
  }

  /** Index of the chunk that holds `key` or would: the last chunk whose first key ≤ key. */
  private chunkFor(key: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (((this.chunks[mid] as string[])[0] as string) <= key) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}

/** First index in sorted `arr` whose element is ≥ key. */
function lowerBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
