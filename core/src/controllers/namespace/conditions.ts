/**
 * The status conditions a terminating namespace carries, so `kubectl describe ns` says why it is
 * stuck — Kubernetes' pkg/controller/namespace/deletion/status_condition_utils.go.
 *
 * Each pass of the namespace deleter feeds what went wrong into an updater, which then sets all
 * five condition types on the namespace: True with the failure's reason and message, or False
 * with the "all is well" reason and message when that type found nothing wrong this pass.
 *
 * Guarantees:
 * - The five types always appear, in Kubernetes' order.
 * - Messages list resources and finalizers sorted, so an unchanged state writes nothing.
 * - lastTransitionTime moves only when a condition's status flips.
 */
import type { Condition } from "../../api/types.ts";
import { GroupDiscoveryFailedError } from "./discovery.ts";

export const DISCOVERY_FAILURE = "NamespaceDeletionDiscoveryFailure";
/** Never True here: tinykube's discovery hands out parsed group versions. */
export const GROUP_VERSION_PARSING_FAILURE = "NamespaceDeletionGroupVersionParsingFailure";
export const CONTENT_FAILURE = "NamespaceDeletionContentFailure";
export const CONTENT_REMAINING = "NamespaceContentRemaining";
export const FINALIZERS_REMAINING = "NamespaceFinalizersRemaining";

/** conditionTypes, in Kubernetes' order. */
export const CONDITION_TYPES = [
  DISCOVERY_FAILURE,
  GROUP_VERSION_PARSING_FAILURE,
  CONTENT_FAILURE,
  CONTENT_REMAINING,
  FINALIZERS_REMAINING,
] as const;

/** okReasons and okMessages: the False variant of each type. */
const OK: Record<(typeof CONDITION_TYPES)[number], { reason: string; message: string }> = {
  [DISCOVERY_FAILURE]: {
    reason: "ResourcesDiscovered",
    message: "All resources successfully discovered",
  },
  [GROUP_VERSION_PARSING_FAILURE]: {
    reason: "ParsedGroupVersions",
    message: "All legacy kube types successfully parsed",
  },
  [CONTENT_FAILURE]: {
    reason: "ContentDeleted",
    message: "All content successfully deleted, may be waiting on finalization",
  },
  [CONTENT_REMAINING]: { reason: "ContentRemoved", message: "All content successfully removed" },
  [FINALIZERS_REMAINING]: { reason: "ContentRemoved", message: "All content successfully removed" },
};

/** What one pass left behind: instances per resource, and per finalizer. */
export interface ContentTotals {
  /** Keyed "<resource>.<group>", as Kubernetes prints a GroupResource: "configmaps.", "deployments.apps". */
  remainingByResource: Map<string, number>;
  remainingByFinalizer: Map<string, number>;
}

// #region NamespaceConditionUpdater
export class NamespaceConditionUpdater {
  private readonly newConditions: Condition[] = [];
  private readonly deleteContentErrors: Error[] = [];

  constructor(private readonly now: () => string) {}

  processDiscoverResourcesErr(error: Error): void {
    const message =
      error instanceof GroupDiscoveryFailedError
        ? `Discovery failed for some groups, ${error.groups.size} failing: ${error.message}`
        : error.message;
    this.newConditions.push(this.failing(DISCOVERY_FAILURE, "DiscoveryFailed", message));
  }

  processDeleteContentErr(error: Error): void {
    this.deleteContentErrors.push(error);
  }

  processContentTotals(totals: ContentTotals): void {
    const resources = listing(
      totals.remainingByResource,
      (key, n) => `${key} has ${n} resource instances`,
    );
    if (resources.length > 0) {
      this.newConditions.push(
        this.failing(
          CONTENT_REMAINING,
          "SomeResourcesRemain",
          `Some resources are remaining: ${resources.join(", ")}`,
        ),
      );
    }
    const finalizers = listing(
      totals.remainingByFinalizer,
      (name, n) => `${name} in ${n} resource instances`,
    );
    if (finalizers.length > 0) {
      this.newConditions.push(
        this.failing(
          FINALIZERS_REMAINING,
          "SomeFinalizerRemain",
          `Some finalizers are remaining: ${finalizers.join(", ")}`,
        ),
      );
    }
  }

  /** Writes the pass's conditions into `conditions` (in place); true if anything changed. */
  update(conditions: Condition[]): boolean {
    if (
      this.deleteContentErrors.length > 0 &&
      !this.newConditions.some((c) => c.type === CONTENT_FAILURE)
    ) {
      const messages = this.deleteContentErrors.map((e) => e.message).sort();
      this.newConditions.push(
        this.failing(
          CONTENT_FAILURE,
          "ContentDeletionFailed",
          `Failed to delete all resource types, ${messages.length} remaining: ${messages.join(", ")}`,
        ),
      );
    }
    let changed = false;
    for (const type of CONDITION_TYPES) {
      const wanted = this.newConditions.find((c) => c.type === type) ?? {
        type,
        status: "False" as const,
        lastTransitionTime: this.now(),
        ...OK[type],
      };
      const old = conditions.find((c) => c.type === type);
      if (!old) {
        conditions.push(wanted);
        changed = true;
      } else if (
        old.status !== wanted.status ||
        old.reason !== wanted.reason ||
        old.message !== wanted.message
      ) {
        if (old.status !== wanted.status) old.lastTransitionTime = this.now();
        old.status = wanted.status;
        old.reason = wanted.reason;
        old.message = wanted.message;
        changed = true;
      }
    }
    return changed;
  }

  private failing(type: string, reason: string, message: string): Condition {
    return { type, status: "True", lastTransitionTime: this.now(), reason, message };
  }
}
// #endregion NamespaceConditionUpdater

/** "name <n>" phrases for the non-zero counts, sorted for stable updates. */
function listing(
  counts: Map<string, number>,
  phrase: (key: string, n: number) => string,
): string[] {
  return [...counts]
    .filter(([, n]) => n > 0)
    .map(([key, n]) => phrase(key, n))
    .sort();
}
