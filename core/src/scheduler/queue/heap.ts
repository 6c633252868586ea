/**
 * A binary heap whose items are also found by key — kube-scheduler's internal/heap, which both
 * activeQ and backoffQ are built on. A plain priority queue cannot delete or re-order an item in
 * the middle; the scheduling queue must, because a pod in either queue can be updated or deleted
 * at any time by an informer event.
 *
 * Guarantees:
 * - `peek`/`pop` return an item no other item is `less` than (the head).
 * - Each key is held at most once: `addOrUpdate` with a known key replaces the item and moves it
 *   to its new place (up or down).
 * - `get`, `has`, `delete` and `addOrUpdate` find an item by key without a scan; all changes cost
 *   O(log n).
 *
 * Trace, `less` = smaller number first: addOrUpdate a=5, b=3, c=4 → head b. addOrUpdate b=9 →
 * head c. delete c → head a. pop → a; pop → b; pop → undefined.
 */
export class Heap<T> {
  /** The heap array: items[i] is not less than its parent items[(i - 1) >> 1]. */
  private readonly items: T[] = [];
  /** Key → index in `items`, for every item and only those. */
  private readonly index = new Map<string, number>();

  constructor(
    private readonly keyOf: (item: T) => string,
    /** True when `a` must come out before `b`. */
    private readonly less: (a: T, b: T) => boolean,
  ) {}

  get size(): number {
    return this.items.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i];
  }

  peek(): T | undefined {
    return this.items[0];
  }

  addOrUpdate(item: T): void {
    const key = this.keyOf(item);
    const i = this.index.get(key);
    if (i === undefined) {
      this.items.push(item);
      this.index.set(key, this.items.length - 1);
      this.up(this.items.length - 1);
      return;
    }
    this.items[i] = item;
    this.fix(i);
  }

  /** Removes the item with `key`; false when there was none. */
  delete(key: string): boolean {
    const i = this.index.get(key);
    if (i === undefined) return false;
    this.removeAt(i);
    return true;
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    return this.removeAt(0);
  }

  /** Every item, in no particular order. */
  list(): T[] {
    return [...this.items];
  }

  private removeAt(i: number): T {
    const removed = this.items[i] as T;
    const last = this.items.pop() as T;
    this.index.delete(this.keyOf(removed));
    if (i < this.items.length) {
      this.items[i] = last;
      this.index.set(this.keyOf(last), i);
      this.fix(i);
    }
    return removed;
  }

  /** Restores the heap order around index `i` after its item changed. */
  private fix(i: number): void {
    if (!this.up(i)) this.down(i);
  }

  /** Moves item i towards the root while it is less than its parent; true if it moved. */
  private up(i: number): boolean {
    const start = i;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.items[i] as T, this.items[parent] as T)) break;
      this.swap(i, parent);
      i = parent;
    }
    return i !== start;
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      const child =
        right < n && this.less(this.items[right] as T, this.items[left] as T) ? right : left;
      if (!this.less(this.items[child] as T, this.items[i] as T)) return;
      this.swap(i, child);
      i = child;
    }
  }

  private swap(i: number, j: number): void {
    const a = this.items[i] as T;
    const b = this.items[j] as T;
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(this.keyOf(b), i);
    this.index.set(this.keyOf(a), j);
  }
}
