/**
 * Adoption and release — kube-controller-manager's ControllerRefManager
 * (pkg/controller/controller_ref_manager.go). A controller owns exactly the objects whose
 * controller ownerReference names its UID; the selector decides which objects it should own.
 *
 * For each candidate object, in the owner's namespace:
 * - owned by this owner and matching the selector: claimed;
 * - owned by this owner but no longer matching (someone relabelled it): released — the
 *   ownerReference is removed, unless the owner is being deleted;
 * - owned by another controller: left alone;
 * - an orphan that matches, not being deleted, while the owner is not being deleted: adopted —
 *   after checking with a fresh read that the owner still exists with this UID (`canAdopt`),
 *   because a cached owner may already be gone and must not adopt anything.
 *
 * An object that vanishes meanwhile (404) is simply not claimed.
 */
import { type LabelSelector, matchesLabels } from "../api/labels.ts";
import type { KubeObject, OwnerReference } from "../api/object.ts";
import type { Indexer, IndexFunc } from "../client/indexer.ts";
import { isNotFound } from "../client/rest.ts";
import { controllerOf, controllerRef } from "./pods.ts";

export interface ClaimOptions<T extends KubeObject> {
  owner: KubeObject;
  selector: LabelSelector;
  candidates: T[];
  /** Writes the object's new ownerReferences (a merge patch); resolves with the patched object. */
  patchOwners: (object: T, ownerReferences: OwnerReference[]) => Promise<T>;
  /** Throws if the owner, read fresh from the API, is gone or being deleted (called once, lazily). */
  canAdopt: () => Promise<void>;
}

// #region claim
export async function claim<T extends KubeObject>(options: ClaimOptions<T>): Promise<T[]> {
  const { owner, selector } = options;
  const ownerUid = owner.metadata.uid;
  const ownerDeleting = Boolean(owner.metadata.deletionTimestamp);
  const claimed: T[] = [];
  let adoptionChecked: Promise<void> | undefined;
  for (const object of options.candidates) {
    const ref = controllerOf(object);
    const matches = matchesLabels(selector, object.metadata.labels);
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (matches) {
        claimed.push(object);
      } else if (!ownerDeleting) {
        const rest = (object.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
        await ignoreNotFound(options.patchOwners(object, rest));
      }
      continue;
    }
    if (!matches || ownerDeleting || object.metadata.deletionTimestamp) continue;
    adoptionChecked ??= options.canAdopt();
    await adoptionChecked;
    const adopted = await ignoreNotFound(
      options.patchOwners(object, [
        ...(object.metadata.ownerReferences ?? []),
        controllerRef(owner),
      ]),
    );
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}
// #endregion claim

/** The fresh-read check both ReplicaSet and Deployment controllers use before adopting. */
export async function ensureOwnerCurrent(
  owner: KubeObject,
  read: () => Promise<KubeObject>,
): Promise<void> {
  const fresh = await read();
  const what = `${owner.kind} ${owner.metadata.namespace}/${owner.metadata.name}`;
  if (fresh.metadata.uid !== owner.metadata.uid) {
    throw new Error(
      `original ${what} is gone: got uid ${fresh.metadata.uid}, wanted ${owner.metadata.uid}`,
    );
  }
  if (fresh.metadata.deletionTimestamp)
    throw new Error(`${what} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
}

/**
 * Objects by who controls them: the controller's uid, or `orphan/<namespace>` for objects with no
 * controller reference. A controller's claim candidates are then its own objects plus the orphans
 * of its namespace, instead of everything in the namespace: the same result (claim skips objects
 * another controller owns), without a scan of thousands of pods per sync.
 */
export const CONTROLLER_INDEX = "controller";
export const controllerIndexFunc: IndexFunc<KubeObject> = (o) => [
  controllerOf(o)?.uid ?? `orphan/${o.metadata.namespace ?? ""}`,
];

/** What `claim` needs to look at for `owner`: what it controls, and the orphans beside it. */
export function claimCandidates<T extends KubeObject>(indexer: Indexer<T>, owner: KubeObject): T[] {
  return [
    ...indexer.byIndex(CONTROLLER_INDEX, owner.metadata.uid ?? ""),
    ...indexer.byIndex(CONTROLLER_INDEX, `orphan/${owner.metadata.namespace ?? ""}`),
  ];
}

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
