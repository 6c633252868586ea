/**
 * The generic registry: create, read, update, delete and watch for any resource, on the store,
 * with Kubernetes' semantics (k8s.io/apiserver/pkg/registry/generic/registry.Store).
 *
 * Guarantees:
 * - A create succeeds only if the key does not exist (a store transaction on createRevision = 0):
 *   two creates of one name never both win; the loser gets 409 AlreadyExists.
 * - An update carrying a resourceVersion succeeds only if the object is still at it (a
 *   transaction on modRevision): otherwise 409 Conflict. Without one, it retries on the latest.
 * - An update that changes nothing writes nothing: the resourceVersion stays.
 * - metadata.uid, creationTimestamp, deletionTimestamp and generation are the server's: clients
 *   cannot set or change them; generation moves by one on every change to the object outside
 *   metadata and status.
 * - A delete of an object with finalizers, or a graceful one, only marks it (deletionTimestamp);
 *   it is removed when the last finalizer goes and no grace period is pending.
 */

import { randomUUID } from "node:crypto";
import { clone, type DeleteOptions, type KubeList, type KubeObject } from "../../api/object.ts";
import { managedFieldsAfterUpdate } from "../../api/patch/index.ts";
import {
  apiVersionOfType,
  type ResourceType,
  storageKey,
  storagePrefixOf,
} from "../../api/scheme.ts";
import { metaTime } from "../../api/time.ts";
import { type FieldError, generateName, required } from "../../api/validation.ts";
import { CompactedError, type KeyValue, type Store } from "../../store/index.ts";
import { type Clock, realClock } from "../../util/clock.ts";
import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  invalid,
  MODIFIED,
  notFound,
  requestEntityTooLarge,
} from "../errors.ts";
import { decode, encode } from "../storage/codec.ts";
import type { CacheWatcher, IndexValue, ObjectFilter, WatchCache } from "../storage/watch-cache.ts";
import type { Strategy } from "./strategy.ts";

/** Called after the strategy validated an object and before it is stored: admission's turn. */
/**
 * Admission's two phases, around the kind's validation: `mutate` may change the object,
 * `validate` may only refuse it.
 */
export interface Admit {
  mutate(object: KubeObject, old: KubeObject | undefined): Promise<void> | void;
  validate(object: KubeObject, old: KubeObject | undefined): Promise<void> | void;
}

export interface WriteOptions {
  /** Run everything, store nothing (`?dryRun=All`). */
  dryRun?: boolean;
  admit?: Admit;
  /** Told what the registry does, step by step (chapter 2 prints it). */
  trace?: (stage: "registry" | "store", message: string) => void;
  /** Records the write in metadata.managedFields under this manager (not for server-side apply). */
  fieldManager?: string | undefined;
}

export interface ListOptions {
  filter?: ObjectFilter;
  /** The field selector's exact value on the cache's indexed field, if it has one. */
  indexValue?: IndexValue;
  /** Whether a filter is set: `remainingItemCount` is only known without one. */
  filtered?: boolean;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
}

export interface RegistryDeps {
  type: ResourceType;
  store: Store;
  cache: WatchCache;
  strategy: Strategy;
  clock?: Clock;
}

/** The finalizers a propagation policy adds, for the garbage collector to act on. */
const POLICY_FINALIZER = { Foreground: "foregroundDeletion", Orphan: "orphan" } as const;

/** kube-apiserver's maxNameGenerationCreateAttempts. */
const GENERATE_NAME_ATTEMPTS = 8;

/**
 * How many times a write retries after losing a race. Kubernetes' etcd3 store retries without a
 * limit: a lost race means another write succeeded, so the loop always makes progress. 1,000
 * keeps that promise for any real contention and still ends a runaway loop with a clear error.
 */
const MAX_RETRIES = 1000;

export class Registry {
  readonly type: ResourceType;
  private readonly store: Store;
  private readonly cache: WatchCache;
  private readonly strategy: Strategy;
  private readonly clock: Clock;

  constructor(deps: RegistryDeps) {
    this.type = deps.type;
    this.store = deps.store;
    this.cache = deps.cache;
    this.strategy = deps.strategy;
    this.clock = deps.clock ?? realClock;
  }

  /** Whether a finished delete answers with the object rather than a Status. */
  get returnsDeletedObject(): boolean {
    return this.strategy.returnDeletedObject ?? this.type.custom === true;
  }

  private key(namespace: string | undefined, name: string): string {
    return storageKey(this.type, namespace, name);
  }

  /** A consistent read of one object from the store. */
  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw notFound(this.type, name);
    return decode(kv);
  }

  /**
   * A read for admission plugins, as Kubernetes' plugins read through informers' listers: from
   * the watch cache, which may be a moment behind; an object it does not have yet is looked up
   * in the store ("live lookup"), so a namespace or ServiceAccount created just before is found.
   * The object is shared with the cache: read it, never change it.
   */
  async getCached(namespace: string | undefined, name: string): Promise<KubeObject> {
    await this.cache.start();
    return this.cache.object(this.key(namespace, name)) ?? this.get(namespace, name);
  }

  /** A namespace's objects from the watch cache, for admission (shared: read only). */
  async listCached(namespace: string | undefined): Promise<KubeObject[]> {
    await this.cache.start();
    return this.cache.list(namespace);
  }

  // #region create
  /**
   * 1. check the object belongs at this URL; fill in namespace and a generated name;
   * 2. set the server's fields (uid, creationTimestamp, generation) and let the strategy prepare;
   * 3. mutating admission, then the strategy's begin hook (a Service's addresses are reserved
   *    here), then validation (strategy) and validating admission;
   * 4. store it if the name is free, in one transaction; the hook's finish keeps what it
   *    reserved if the object was stored and gives it back if not.
   */
  async create(
    namespace: string | undefined,
    input: KubeObject,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    if (input.metadata?.name || !input.metadata?.generateName)
      return this.createOnce(namespace, input, options);
    // A generated name that happens to be taken is generated again (Kubernetes 1.32+, KEP-4420:
    // up to 8 attempts), so a ReplicaSet's 10,000th pod does not fail on a 5-letter collision.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.createOnce(namespace, input, options);
      } catch (error) {
        if (
          attempt >= GENERATE_NAME_ATTEMPTS ||
          (error as { reason?: string }).reason !== "AlreadyExists"
        )
          throw error;
      }
    }
  }

  private async createOnce(
    namespace: string | undefined,
    input: KubeObject,
    options: WriteOptions,
  ): Promise<KubeObject> {
    const object = clone(input);
    this.checkBelongsHere(object, namespace);
    const meta = object.metadata;
    if (meta.resourceVersion)
      throw badRequest("resourceVersion should not be set on objects to be created");
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    if (!meta.name) {
      throw invalid(this.type, "", [required("metadata.name", "name or generateName is required")]);
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp(this.clock.now());
    for (const serverOwned of [
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
    ] as const) {
      delete meta[serverOwned];
    }
    if (this.type.generation) meta.generation = 1;
    this.strategy.prepareForCreate(object);
    if (options.fieldManager) {
      object.metadata.managedFields = managedFieldsAfterUpdate(undefined, object, {
        manager: options.fieldManager,
        now: timestamp(this.clock.now()),
      });
    }
    options.trace?.(
      "registry",
      `prepared ${this.type.kind} "${meta.name}": uid, creationTimestamp${this.type.generation ? ", generation 1" : ""}`,
    );
    await options.admit?.mutate(object, undefined);
    const key = this.key(namespace, meta.name);
    // Kubernetes finds a taken name only when it stores, after the begin hook reserved (a
    // Service's cluster IP) and before it gives that back; looking first keeps a refused create
    // from touching the store at all.
    if (this.strategy.beginCreate && (await this.store.get(key)))
      throw alreadyExists(this.type, meta.name);
    const finish = await this.strategy.beginCreate?.(object, { dryRun: options.dryRun ?? false });
    let stored = false;
    try {
      this.checkValid(object, this.strategy.validate(object));
      options.trace?.(
        "registry",
        `validated ${this.type.kind} "${meta.name}" against the ${this.type.kind} rules`,
      );
      await options.admit?.validate(object, undefined);
      if (options.dryRun) {
        stored = true;
        return object;
      }

      const result = await this.store.txn({
        compare: [{ key, target: "createRevision", op: "=", value: 0 }],
        success: [{ type: "put", key, value: encodeWithinLimit(object) }],
      });
      options.trace?.(
        "store",
        `txn if createRevision(${key}) = 0 then put: ${result.succeeded ? `committed at revision ${result.revision}` : "compare failed, the name is taken"}`,
      );
      if (!result.succeeded) throw alreadyExists(this.type, meta.name);
      meta.resourceVersion = String(result.revision);
      stored = true;
      return object;
    } finally {
      await finish?.(stored);
    }
  }
  // #endregion create

  // #region update
  /**
   * Replaces an object (PUT). With a resourceVersion in the body, it must be the current one;
   * without, the update applies to whatever is current.
   */
  async update(
    namespace: string | undefined,
    name: string,
    input: KubeObject,
    options: WriteOptions & { subresource?: "status" } = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    this.checkBelongsHere(input, namespace);
    if (input.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const expected = input.metadata.resourceVersion;
    return this.guaranteedUpdate(namespace, name, {
      ...options,
      expectedResourceVersion: expected || undefined,
      mutate: () => clone(input),
      createIfMissing:
        this.strategy.allowCreateOnUpdate && !options.subresource ? () => clone(input) : undefined,
    });
  }

  /**
   * The update loop every write to an existing object goes through (PUT, PATCH, status, scale):
   * 1. read the current object;
   * 2. let `mutate` compute the new one from it;
   * 3. keep the server's metadata, let the strategy prepare, bump generation, mutating
   *    admission, the strategy's begin hook, validate, validating admission;
   * 4. write it only if the object is still at the revision read; if someone else wrote first,
   *    give back what the hook reserved and fail with Conflict when the client named a
   *    resourceVersion, else start again from 1.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    options: WriteOptions & {
      /**
       * "status": only the status may change; "binding": spec and status both (pods/binding);
       * "finalize": only a namespace's spec.finalizers (namespaces/finalize).
       */
      subresource?: "status" | "binding" | "finalize";
      expectedResourceVersion?: string | undefined;
      mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>;
      createIfMissing?: (() => KubeObject) | undefined;
    },
  ): Promise<{ object: KubeObject; created: boolean }> {
    const key = this.key(namespace, name);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) {
        if (options.createIfMissing)
          return {
            object: await this.create(namespace, options.createIfMissing(), options),
            created: true,
          };
        throw notFound(this.type, name);
      }
      const old = decode(kv);
      options.trace?.("store", `read ${key}: modRevision ${kv.modRevision}`);
      if (
        options.expectedResourceVersion !== undefined &&
        options.expectedResourceVersion !== old.metadata.resourceVersion
      ) {
        options.trace?.(
          "registry",
          `the request's resourceVersion ${options.expectedResourceVersion} is not the current ${old.metadata.resourceVersion}: conflict`,
        );
        throw conflict(this.type, name, MODIFIED);
      }
      const object = await options.mutate(clone(old));
      // A resourceVersion in the new object must be the current one, however it got there: a
      // patch that sets metadata.resourceVersion is a conditional write (Kubernetes' Store.Update).
      const wanted = object.metadata.resourceVersion;
      if (wanted && wanted !== old.metadata.resourceVersion) {
        options.trace?.(
          "registry",
          `the new object's resourceVersion ${wanted} is not the current ${old.metadata.resourceVersion}: conflict`,
        );
        throw conflict(this.type, name, MODIFIED);
      }
      this.checkBelongsHere(object, namespace);
      if (object.metadata.name !== name) {
        throw badRequest(
          `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
        );
      }
      if (object.metadata.uid && object.metadata.uid !== old.metadata.uid) {
        throw conflict(
          this.type,
          name,
          `Precondition failed: UID in precondition: ${object.metadata.uid}, UID in object meta: ${old.metadata.uid}`,
        );
      }
      this.keepServerMetadata(object, old);
      if (options.subresource === "status") this.strategy.prepareForStatusUpdate(object, old);
      else if (options.subresource === "finalize") {
        const finalizers = (object.spec as { finalizers?: string[] } | undefined)?.finalizers;
        Object.assign(object, {
          ...old,
          metadata: object.metadata,
          spec: { ...(old.spec as object), finalizers },
        });
      } else if (options.subresource !== "binding") this.strategy.prepareForUpdate(object, old);
      if (options.fieldManager) {
        object.metadata.managedFields = managedFieldsAfterUpdate(old, object, {
          manager: options.fieldManager,
          now: timestamp(this.clock.now()),
          ...(options.subresource === "status" ? { subresource: "status" } : {}),
        });
      }
      if (this.type.generation && specChanged(object, old)) {
        object.metadata.generation = (old.metadata.generation ?? 0) + 1;
      }
      await options.admit?.mutate(object, old);
      // Subresources write only their part, so, as in Kubernetes (whose status store is a copy of
      // the main one taken before the begin hooks are set), they reserve nothing.
      const finish =
        options.subresource === undefined
          ? await this.strategy.beginUpdate?.(object, old, { dryRun: options.dryRun ?? false })
          : undefined;
      let stored = false;
      try {
        // A binding is not a pod update: like Kubernetes' BindingREST it writes spec.nodeName and
        // the PodScheduled condition straight to storage, past the pod's update validation (which
        // forbids changing spec.nodeName); the binding handler checked its own input.
        if (options.subresource !== "binding")
          this.checkValid(object, this.strategy.validateUpdate(object, old));
        await options.admit?.validate(object, old);

        const unchanged = encode(object) === encode(old);
        if (unchanged || options.dryRun) {
          stored = true;
          return { object: unchanged ? old : object, created: false };
        }
        if (this.shouldDeleteNow(object)) {
          const gone = await this.store.txn({
            compare: [{ key, target: "modRevision", op: "=", value: kv.modRevision }],
            success: [{ type: "delete", key }],
          });
          if (gone.succeeded) {
            stored = true;
            await this.strategy.afterDelete?.(object);
            return {
              object: {
                ...object,
                metadata: { ...object.metadata, resourceVersion: String(gone.revision) },
              },
              created: false,
            };
          }
        } else {
          const written = await this.write(key, object, kv);
          options.trace?.(
            "store",
            `txn if modRevision(${key}) = ${kv.modRevision} then put: ${written ? `committed at revision ${written.metadata.resourceVersion}` : "someone wrote first"}`,
          );
          if (written) {
            stored = true;
            return { object: written, created: false };
          }
        }
      } finally {
        // A lost race gives back what this attempt reserved; the next attempt reserves afresh.
        await finish?.(stored);
      }
      if (options.expectedResourceVersion !== undefined) throw conflict(this.type, name, MODIFIED);
    }
    throw conflict(
      this.type,
      name,
      `the object kept changing; gave up after ${MAX_RETRIES} attempts`,
    );
  }
  // #endregion update

  // #region delete
  /**
   * Deletes an object, or marks it for deletion:
   * 1. check the preconditions (uid, resourceVersion);
   * 2. add the finalizer the propagation policy asks for (the garbage collector's cue);
   * 3. if the strategy wants a grace period, or finalizers remain, set deletionTimestamp and keep
   *    the object (202): its owner — the kubelet, a controller — finishes the job;
   * 4. otherwise remove it (200).
   */
  async delete(
    namespace: string | undefined,
    name: string,
    options: Omit<DeleteOptions, "dryRun"> & { dryRun?: boolean } = {},
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = this.key(namespace, name);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw notFound(this.type, name);
      const current = decode(kv);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw conflict(
          this.type,
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(
          this.type,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
        );
      }
      const marked = this.markForDeletion(current, options);
      if (options.dryRun) return { object: marked ?? current, deleted: marked === undefined };
      if (marked) {
        if (encode(marked) === encode(current)) return { object: current, deleted: false };
        const written = await this.write(key, marked, kv);
        if (written) return { object: written, deleted: false };
        continue;
      }
      const result = await this.store.txn({
        compare: [{ key, target: "modRevision", op: "=", value: kv.modRevision }],
        success: [{ type: "delete", key }],
      });
      if (result.succeeded) {
        await this.strategy.afterDelete?.(current);
        return { object: current, deleted: true };
      }
    }
    throw conflict(
      this.type,
      name,
      `the object kept changing; gave up after ${MAX_RETRIES} attempts`,
    );
  }

  /** The object with its deletion recorded, or undefined if it can go at once. */
  private markForDeletion(
    current: KubeObject,
    options: Omit<DeleteOptions, "dryRun">,
  ): KubeObject | undefined {
    const object = clone(current);
    const meta = object.metadata;
    const policy = options.propagationPolicy ?? (options.orphanDependents ? "Orphan" : undefined);
    if (policy === "Foreground" || policy === "Orphan") {
      const finalizer = POLICY_FINALIZER[policy];
      meta.finalizers = [
        ...(meta.finalizers ?? []).filter(
          (f) => !Object.values(POLICY_FINALIZER).includes(f as never),
        ),
        finalizer,
      ];
    }
    const grace = this.strategy.gracePeriod(object, options.gracePeriodSeconds);
    const now = this.clock.now();
    if (meta.deletionTimestamp) {
      // Already being deleted: a shorter grace period may bring the deadline forward.
      const remaining = Date.parse(meta.deletionTimestamp) - now;
      if (grace * 1000 < remaining) {
        meta.deletionTimestamp = timestamp(now + grace * 1000);
        meta.deletionGracePeriodSeconds = grace;
      }
    } else if (grace > 0 || (meta.finalizers?.length ?? 0) > 0 || this.ownFinalizers(object) > 0) {
      meta.deletionTimestamp = timestamp(now + grace * 1000);
      meta.deletionGracePeriodSeconds = grace;
      this.strategy.markDeleting?.(object);
    }
    const waiting = meta.deletionTimestamp !== undefined && !this.shouldDeleteNow(object);
    return waiting ? object : undefined;
  }
  // #endregion delete

  /** Deletes every object a list would return; answers with what was deleted or marked. */
  async deleteCollection(
    namespace: string | undefined,
    listOptions: ListOptions,
    options: Omit<DeleteOptions, "dryRun"> & { dryRun?: boolean },
  ): Promise<KubeList> {
    const list = await this.list(namespace, { ...listOptions, limit: 0, continue: undefined });
    const items: KubeObject[] = [];
    for (const item of list.items) {
      try {
        items.push(
          (await this.delete(item.metadata.namespace, item.metadata.name as string, options))
            .object,
        );
      } catch (error) {
        // Deleted meanwhile by someone else: that is what was asked.
        if ((error as { code?: number }).code !== 404) throw error;
      }
    }
    return { ...list, items };
  }

  // #region list
  /**
   * A list, served as Kubernetes serves it:
   * - resourceVersion "0": from the watch cache as it is (any age; limit ignored);
   * - resourceVersion unset: the latest state — from the cache once it has caught up with the
   *   store, or from the store when paginating (limit) or when the cache cannot tell;
   * - resourceVersion N: not older than N — from the cache once it has reached N; with
   *   resourceVersionMatch=Exact (or a limit), exactly N — from the store's history;
   * - continue: the next page, from the store at the first page's revision.
   */
  async list(namespace: string | undefined, options: ListOptions = {}): Promise<KubeList> {
    const filter = options.filter ?? (() => true);
    const rv = options.resourceVersion;
    const limit = options.limit ?? 0;
    if (options.continue)
      return this.listFromStore(namespace, options, decodeContinue(options.continue));
    if (rv === "0" && options.resourceVersionMatch !== "Exact") {
      await this.cache.start();
      return this.listResult(
        this.cache.list(namespace, filter, options.indexValue),
        this.cache.revision,
      );
    }
    if (!rv) {
      if (limit > 0 || !this.store.supportsProgress)
        return this.listFromStore(namespace, options, undefined);
      await this.cache.start();
      await this.cache.waitUntilFresh(await this.store.revision());
      return this.listResult(
        this.cache.list(namespace, filter, options.indexValue),
        this.cache.revision,
      );
    }
    const revision = Number(rv);
    if (!Number.isSafeInteger(revision) || revision < 0)
      throw badRequest(`invalid resource version: ${rv}`);
    if (options.resourceVersionMatch === "Exact" || limit > 0) {
      return this.listFromStore(namespace, options, { revision, start: "" });
    }
    await this.cache.start();
    await this.cache.waitUntilFresh(revision);
    return this.listResult(
      this.cache.list(namespace, filter, options.indexValue),
      this.cache.revision,
    );
  }

  private async listFromStore(
    namespace: string | undefined,
    options: ListOptions,
    from: { revision: number; start: string } | undefined,
  ): Promise<KubeList> {
    const prefix = storagePrefixOf(this.type, namespace);
    const filter = options.filter ?? (() => true);
    const limit = options.limit ?? 0;
    let revision = from?.revision ?? 0;
    let start = from ? prefix + from.start : prefix;
    const items: KubeObject[] = [];
    const end = prefixEnd(prefix);
    let last: KeyValue | undefined;
    for (;;) {
      const page = await this.store
        .range({ key: start, end, revision, limit: limit > 0 ? limit + 1 : 0 })
        .catch((error: unknown) => {
          if (error instanceof CompactedError) throw expiredContinue();
          throw error;
        });
      if (revision === 0) revision = page.revision;
      for (const kv of page.kvs) {
        if (limit > 0 && items.length === limit) {
          // One more matching object exists beyond the page: hand out a continue token.
          const token = encodeContinue(
            revision,
            `${(last as KeyValue).key.slice(prefix.length)}\0`,
          );
          const remaining = options.filtered ? undefined : page.count - limit;
          return this.listResult(items, revision, token, remaining);
        }
        last = kv;
        const object = decode(kv);
        if (filter(object)) items.push(object);
      }
      if (!page.more || limit === 0) return this.listResult(items, revision);
      start = `${(last as KeyValue).key}\0`;
    }
  }
  // #endregion list

  private listResult(
    items: KubeObject[],
    revision: number,
    token?: string,
    remaining?: number,
  ): KubeList {
    return {
      apiVersion: apiVersionOfType(this.type),
      kind: `${this.type.kind}List`,
      metadata: {
        resourceVersion: String(revision),
        ...(token ? { continue: token } : {}),
        ...(token && remaining !== undefined && remaining > 0
          ? { remainingItemCount: remaining }
          : {}),
      },
      items,
    };
  }

  /** A watch served by the watch cache; `resourceVersion` as for lists ("0"/unset: current objects first). */
  async watch(
    namespace: string | undefined,
    options: {
      resourceVersion?: string;
      filter?: ObjectFilter;
      bookmarks?: boolean;
      indexValue?: IndexValue;
    },
  ): Promise<CacheWatcher> {
    await this.cache.start();
    const rv = options.resourceVersion;
    let after: number | undefined;
    if (rv && rv !== "0") {
      after = Number(rv);
      if (!Number.isSafeInteger(after) || after < 0)
        throw badRequest(`invalid resource version: ${rv}`);
    }
    return this.cache.watch({
      after,
      namespace,
      filter: options.filter ?? (() => true),
      bookmarks: options.bookmarks ?? false,
      ...(options.indexValue ? { indexValue: options.indexValue } : {}),
    });
  }

  /** Writes `object` over `kv` if nobody wrote in between; the stored object, or undefined. */
  private async write(
    key: string,
    object: KubeObject,
    kv: KeyValue,
  ): Promise<KubeObject | undefined> {
    const result = await this.store.txn({
      compare: [{ key, target: "modRevision", op: "=", value: kv.modRevision }],
      success: [{ type: "put", key, value: encodeWithinLimit(object) }],
    });
    if (!result.succeeded) return undefined;
    object.metadata.resourceVersion = String(result.revision);
    return object;
  }

  /** Marked for deletion, no finalizers left, no grace period pending: time to remove it. */
  private shouldDeleteNow(object: KubeObject): boolean {
    const meta = object.metadata;
    return (
      meta.deletionTimestamp !== undefined &&
      (meta.finalizers?.length ?? 0) === 0 &&
      this.ownFinalizers(object) === 0 &&
      (meta.deletionGracePeriodSeconds ?? 0) === 0
    );
  }

  private ownFinalizers(object: KubeObject): number {
    return this.strategy.ownFinalizers?.(object).length ?? 0;
  }

  /** The kind and namespace must be this resource's; the namespace is filled in if absent. */
  private checkBelongsHere(object: KubeObject, namespace: string | undefined): void {
    if (
      typeof object !== "object" ||
      object === null ||
      typeof object.metadata !== "object" ||
      object.metadata === null
    ) {
      throw badRequest("the object has no metadata");
    }
    const apiVersion = apiVersionOfType(this.type);
    if (object.apiVersion && object.apiVersion !== apiVersion) {
      throw badRequest(
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (object.kind && object.kind !== this.type.kind) {
      throw badRequest(
        `the kind in the data (${object.kind}) does not match the expected kind (${this.type.kind})`,
      );
    }
    object.apiVersion = apiVersion;
    object.kind = this.type.kind;
    if (!this.type.namespaced) {
      delete object.metadata.namespace;
      return;
    }
    if (object.metadata.namespace && object.metadata.namespace !== namespace) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    object.metadata.namespace = namespace;
  }

  /** Metadata only the server sets survives any update as it was. */
  private keepServerMetadata(object: KubeObject, old: KubeObject): void {
    const meta = object.metadata;
    for (const key of [
      "uid",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
    ] as const) {
      if (old.metadata[key] === undefined) delete meta[key];
      else (meta as Record<string, unknown>)[key] = old.metadata[key];
    }
    // The update applies to the revision read (a stale one was refused before we got here).
    meta.resourceVersion = old.metadata.resourceVersion;
  }

  private checkValid(object: KubeObject, errors: FieldError[]): void {
    if (errors.length > 0) throw this.invalidError(object, errors);
  }

  private invalidError(object: KubeObject, errors: FieldError[]) {
    return invalid(this.type, object.metadata.name ?? "", errors);
  }
}

/**
 * etcd refuses requests over 1.5 MiB (--max-request-bytes), so Kubernetes cannot store bigger
 * objects; tinykube's store could, but refuses them the same way.
 */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/** ObjectMeta's lists and maps that Go serializes with omitempty: empty ones are not there at all. */
const OMIT_EMPTY = [
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
] as const;

function encodeWithinLimit(object: KubeObject): string {
  for (const field of OMIT_EMPTY) {
    const value = object.metadata[field];
    if (value !== undefined && Object.keys(value).length === 0) delete object.metadata[field];
  }
  const value = encode(object);
  if (Buffer.byteLength(value) > MAX_OBJECT_BYTES) {
    throw requestEntityTooLarge(
      `the object is ${Buffer.byteLength(value)} bytes; limit is ${MAX_OBJECT_BYTES}`,
    );
  }
  return value;
}

/** Whether anything outside metadata and status changed: what generation counts. */
function specChanged(object: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, ...rest } = o;
    return JSON.stringify(rest);
  };
  return strip(object) !== strip(old);
}

/** Kubernetes' metav1.Time: RFC 3339 with second precision. */
export const timestamp = metaTime;

function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** The continue token Kubernetes hands out: base64 of {"v","rv","start"}. */
function encodeContinue(revision: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: revision, start })).toString(
    "base64url",
  );
}

function decodeContinue(token: string): { revision: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (
      parsed.v !== "meta.k8s.io/v1" ||
      typeof parsed.rv !== "number" ||
      typeof parsed.start !== "string"
    ) {
      throw new Error("bad shape");
    }
    return { revision: parsed.rv, start: parsed.start };
  } catch {
    throw badRequest(`continue key is not valid: ${token}`);
  }
}

function expiredContinue() {
  return expired(
    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
  );
}
