/**
 * The informer's local cache: objects by key ("namespace/name", or "name" for cluster-scoped
 * ones), plus secondary indexes — client-go's tools/cache ThreadSafeStore and Indexer.
 *
 * Guarantees:
 * - Every index is kept exactly in step with the objects: after any add, update, delete or
 *   replace, `byIndex(name, value)` returns the objects whose index function yields `value`, no more.
 * - Objects are shared, not copied: what `get` and `list` return belongs to the cache and must be
 *   treated as read-only (clone, change, write — STYLE rule 3). With `freeze: true` (tests) they
 *   are frozen, so a controller that mutates one fails loudly.
 * - "Thread-safe by design": JavaScript runs one callback at a time, so no lock is needed; the
 *   rule that matters instead is never to hold an object across an `await` and assume it is
 *   still current — read it again from the cache.
 */
import type { KubeObject } from "../api/object.ts";

/** Maps an object to the values it is indexed under (none, one or several). */
export type IndexFunc<T extends KubeObject> = (object: T) => string[];

/** client-go's MetaNamespaceKeyFunc. */
export function keyOf(object: Pick<KubeObject, "metadata">): string {
  const { namespace, name } = object.metadata;
  return namespace ? `${namespace}/${name}` : `${name}`;
}

/** "ns/name" → { namespace: "ns", name }, "name" → { namespace: "", name }. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0
    ? { namespace: "", name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export const NAMESPACE_INDEX = "namespace";
export const namespaceIndexFunc: IndexFunc<KubeObject> = (o) =>
  o.metadata.namespace ? [o.metadata.namespace] : [];

/** Pods by spec.nodeName: what a kubelet or the scheduler's cache asks ("the pods on node-2"). */
export const NODE_NAME_INDEX = "nodeName";
export const nodeNameIndexFunc: IndexFunc<KubeObject> = (o) => {
  const node = (o.spec as { nodeName?: string } | undefined)?.nodeName;
  return node ? [node] : [];
};

/** Objects by the uid of each owner: "what does this ReplicaSet own" without a scan. */
export const OWNER_UID_INDEX = "ownerUid";
export const ownerUidIndexFunc: IndexFunc<KubeObject> = (o) =>
  (o.metadata.ownerReferences ?? []).map((r) => r.uid);

// #region Indexer
export class Indexer<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  /** index name → indexed value → keys of the objects with that value. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly indexers = new Map<string, IndexFunc<T>>();

  constructor(
    indexers: Record<string, IndexFunc<T>> = {},
    private readonly freeze = false,
  ) {
    this.addIndexers({ [NAMESPACE_INDEX]: namespaceIndexFunc, ...indexers });
  }

  /** Adds the index unless one of that name exists (shared informers: several controllers ask). */
  ensureIndex(name: string, fn: IndexFunc<T>): void {
    if (!this.indexers.has(name)) this.addIndexers({ [name]: fn });
  }

  /** Adds indexes; existing objects are indexed at once. A name already used is an error. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name))
        throw new Error(`indexer ${JSON.stringify(name)} already exists`);
      this.indexers.set(name, fn);
      this.indices.set(name, new Map());
      for (const [key, object] of this.items) this.indexOne(name, fn, key, object);
    }
  }

  /** Adds or replaces; returns the object it replaced, if any. */
  upsert(object: T): T | undefined {
    const key = keyOf(object);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    const stored = this.freeze ? deepFreeze(object) : object;
    this.items.set(key, stored);
    for (const [name, fn] of this.indexers) this.indexOne(name, fn, key, stored);
    return old;
  }

  /** Removes by the object's key; returns what was stored, if anything. */
  remove(object: Pick<KubeObject, "metadata">): T | undefined {
    const key = keyOf(object);
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects whose index function for `indexName` yields `value`. */
  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index)
      throw new Error(
        `no indexer named ${JSON.stringify(indexName)}; have ${[...this.indexers.keys()].join(", ")}`,
      );
    return [...(index.get(value) ?? [])].map((key) => this.items.get(key) as T);
  }

  private indexOne(name: string, fn: IndexFunc<T>, key: string, object: T): void {
    const index = this.indices.get(name) as Map<string, Set<string>>;
    for (const value of new Set(fn(object))) {
      const keys = index.get(value);
      if (keys) keys.add(key);
      else index.set(value, new Set([key]));
    }
  }

  private unindex(key: string, object: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name) as Map<string, Set<string>>;
      for (const value of fn(object)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}
// #endregion Indexer

function deepFreeze<V>(value: V): V {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
