import { describe, expect, it } from "vitest";
import {
  deploymentComplete,
  deploymentStatus,
  maxRevision,
  nextRevision,
  REVISION_ANNOTATION,
  revisionOf,
} from "./status.ts";

const at = (revision?: string): { annotations: Record<string, string> } => ({
  annotations: revision === undefined ? {} : { [REVISION_ANNOTATION]: revision },
});

describe("revisions", () => {
  it("reads the annotation: missing is 0, garbage is skipped", () => {
    expect(revisionOf(at("7"))).toBe(7);
    expect(revisionOf(at())).toBe(0);
    expect(revisionOf({})).toBe(0);
    expect(revisionOf(at("seven"))).toBeUndefined();
  });

  it("gives the new ReplicaSet the highest old revision + 1, also on a rollback", () => {
    expect(maxRevision([at("1"), at("x"), at("3"), at()])).toBe(3);
    expect(nextRevision([at("1"), at("3")])).toBe("4");
    expect(nextRevision([])).toBe("1");
  });
});

describe("deploymentStatus", () => {
  const spec = { replicas: 10, maxSurge: 3, maxUnavailable: 2, strategy: "RollingUpdate" as const };
  const newRS = { replicas: 5, statusReplicas: 5, readyReplicas: 3, availableReplicas: 3 };
  const oldRS = { replicas: 8, statusReplicas: 8, readyReplicas: 8, availableReplicas: 8 };

  it("follows the doc comment's example", () => {
    expect(deploymentStatus(spec, newRS, [newRS, oldRS])).toEqual({
      replicas: 13,
      updatedReplicas: 5,
      readyReplicas: 11,
      availableReplicas: 11,
      unavailableReplicas: 2,
      minimumAvailable: true,
    });
  });

  it("never reports negative unavailability, and loses minimum availability below 8", () => {
    const shrinking = { replicas: 2, statusReplicas: 6, readyReplicas: 6, availableReplicas: 6 };
    expect(deploymentStatus(spec, undefined, [shrinking]).unavailableReplicas).toBe(0);
    const few = { ...oldRS, availableReplicas: 7 };
    expect(deploymentStatus(spec, undefined, [few]).minimumAvailable).toBe(false);
    expect(deploymentStatus({ ...spec, strategy: "Recreate" }, undefined, [oldRS])).toMatchObject({
      updatedReplicas: 0,
      minimumAvailable: false,
    });
  });
});

describe("deploymentComplete", () => {
  const status = { updatedReplicas: 3, replicas: 3, availableReplicas: 3, observedGeneration: 2 };
  it("needs every pod updated and available, none old, and the current generation observed", () => {
    expect(deploymentComplete({ replicas: 3, generation: 2 }, status)).toBe(true);
    expect(deploymentComplete({ replicas: 3, generation: 3 }, status)).toBe(false);
    expect(deploymentComplete({ replicas: 3, generation: 2 }, { ...status, replicas: 4 })).toBe(
      false,
    );
    expect(
      deploymentComplete({ replicas: 3, generation: 2 }, { ...status, availableReplicas: 2 }),
    ).toBe(false);
  });
});
