/**
 * Lease (NAME HOLDER AGE) and PriorityClass (NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY).
 */
import type { KubeObject } from "../../../api/object.ts";
import { age } from "../age.ts";
import { ageColumn, column, definePrinter, nameColumn, nameOf } from "../printer.ts";

interface LeaseFields extends KubeObject {
  spec?: { holderIdentity?: string };
}

export const leaseColumns = [
  nameColumn(),
  column(
    "Holder",
    "string",
    "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.",
  ),
  ageColumn(),
];

export const leasePrinter = definePrinter<LeaseFields>(leaseColumns, (lease, { now }) => [
  nameOf(lease),
  lease.spec?.holderIdentity ?? "",
  age(lease.metadata.creationTimestamp, now),
]);

interface PriorityClassFields extends KubeObject {
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

/**
 * PREEMPTIONPOLICY is an ordinary column (priority 0), yet Kubernetes fills it only for wide
 * output. The API server always prints wide, so kubectl shows it without -o wide.
 */
export const priorityClassColumns = [
  nameColumn(),
  column(
    "Value",
    "integer",
    "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.",
  ),
  column(
    "Global-Default",
    "boolean",
    "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.",
  ),
  ageColumn(),
  column(
    "PreemptionPolicy",
    "string",
    "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
  ),
];

export const priorityClassPrinter = definePrinter<PriorityClassFields>(
  priorityClassColumns,
  (pc, { now, wide }) => {
    const cells = [
      nameOf(pc),
      pc.value ?? 0,
      pc.globalDefault ?? false,
      age(pc.metadata.creationTimestamp, now),
    ];
    if (wide) cells.push(pc.preemptionPolicy ?? "");
    return cells;
  },
);
