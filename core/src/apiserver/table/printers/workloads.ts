/**
 * Deployment (NAME READY UP-TO-DATE AVAILABLE AGE) and ReplicaSet (NAME DESIRED CURRENT READY
 * AGE); with -o wide both add CONTAINERS IMAGES SELECTOR from the pod template.
 *
 * A deployment's READY is "ready/desired" (status.readyReplicas over spec.replicas), so
 * "2/3" means one of three wanted pods is not ready yet; a replica set shows the same numbers in
 * separate columns.
 */
import { LabelSelectorError } from "../../../api/labels.ts";
import type { KubeObject } from "../../../api/object.ts";
import { age } from "../age.ts";
import { formatLabelSelector, type LabelSelectorObject, selectorString } from "../labels.ts";
import {
  ageColumn,
  CONTAINERS_DESCRIPTION,
  column,
  containerCells,
  definePrinter,
  IMAGES_DESCRIPTION,
  nameColumn,
  nameOf,
  wideColumn,
} from "../printer.ts";

interface WorkloadFields extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelectorObject;
    template?: { spec?: { containers?: { name?: string; image?: string }[] } };
  };
  status?: {
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
  };
}

/** The API server defaults spec.replicas to 1 for both kinds. */
const DEFAULT_REPLICAS = 1;

export const deploymentColumns = [
  nameColumn(),
  column("Ready", "string", "Number of the pod with ready state"),
  column(
    "Up-to-date",
    "string",
    "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
  ),
  column(
    "Available",
    "string",
    "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
  ),
  ageColumn(),
  wideColumn("Containers", "string", CONTAINERS_DESCRIPTION),
  wideColumn("Images", "string", IMAGES_DESCRIPTION),
  wideColumn(
    "Selector",
    "string",
    "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.",
  ),
];

export const deploymentPrinter = definePrinter<WorkloadFields>(
  deploymentColumns,
  (d, { now, wide }) => {
    const cells = [
      nameOf(d),
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? DEFAULT_REPLICAS}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      age(d.metadata.creationTimestamp, now),
    ];
    if (wide) {
      let selector: string;
      try {
        // Unlike FormatLabelSelector, an empty selector prints as nothing here.
        selector = selectorString(d.spec?.selector);
      } catch (error) {
        if (!(error instanceof LabelSelectorError)) throw error;
        selector = "<invalid>";
      }
      cells.push(...containerCells(d.spec?.template?.spec?.containers), selector);
    }
    return cells;
  },
);

export const replicaSetColumns = [
  nameColumn(),
  column(
    "Desired",
    "integer",
    "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
  ),
  column(
    "Current",
    "integer",
    "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
  ),
  column("Ready", "integer", "The number of ready replicas for this replica set."),
  ageColumn(),
  wideColumn("Containers", "string", CONTAINERS_DESCRIPTION),
  wideColumn("Images", "string", IMAGES_DESCRIPTION),
  wideColumn(
    "Selector",
    "string",
    "Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
  ),
];

export const replicaSetPrinter = definePrinter<WorkloadFields>(
  replicaSetColumns,
  (rs, { now, wide }) => {
    const cells = [
      nameOf(rs),
      rs.spec?.replicas ?? DEFAULT_REPLICAS,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      age(rs.metadata.creationTimestamp, now),
    ];
    if (wide) {
      cells.push(
        ...containerCells(rs.spec?.template?.spec?.containers),
        formatLabelSelector(rs.spec?.selector),
      );
    }
    return cells;
  },
);
