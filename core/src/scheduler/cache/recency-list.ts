/**
 * A doubly linked list ordered by most recent update — the nodeInfoListItem list in kube-scheduler's
 * cache.go. The cache moves a node's item to the front whenever the node changes, so a snapshot can
 * walk from the front and stop at the first item it has already seen: the cost of a snapshot update
 * is the number of nodes that changed, not the size of the cluster.
 *
 * Trace (front first): add a → [a]; add b → [b a]; add c → [c b a]; touch a → [a c b];
 * remove c → [a b].
 *
 * Guarantees: every operation is O(1); an item is in the list at most once; iteration goes from
 * the most recently moved item to the least.
 */

export interface ListItem<T> {
  readonly value: T;
  prev: ListItem<T> | undefined;
  next: ListItem<T> | undefined;
  /** False once removed: a removed item is never linked again. */
  linked: boolean;
}

export class RecencyList<T> {
  /** The most recently moved item; undefined only when the list is empty. */
  private head: ListItem<T> | undefined;

  /** Links a new item at the front. */
  add(value: T): ListItem<T> {
    const item: ListItem<T> = { value, prev: undefined, next: undefined, linked: true };
    this.linkAtFront(item);
    return item;
  }

  moveToFront(item: ListItem<T>): void {
    if (!item.linked) throw new Error("recency list: cannot move an item that was removed");
    if (item === this.head) return;
    this.unlink(item);
    this.linkAtFront(item);
  }

  remove(item: ListItem<T>): void {
    if (!item.linked) return;
    this.unlink(item);
    item.linked = false;
  }

  front(): T | undefined {
    return this.head?.value;
  }

  /** Values from the most recently moved to the least. */
  *values(): IterableIterator<T> {
    for (let item = this.head; item; item = item.next) yield item.value;
  }

  private linkAtFront(item: ListItem<T>): void {
    item.prev = undefined;
    item.next = this.head;
    if (this.head) this.head.prev = item;
    this.head = item;
  }

  private unlink(item: ListItem<T>): void {
    if (item.prev) item.prev.next = item.next;
    if (item.next) item.next.prev = item.prev;
    if (item === this.head) this.head = item.next;
    item.prev = undefined;
    item.next = undefined;
  }
}
