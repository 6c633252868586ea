/**
 * RoleBinding and ClusterRoleBinding: NAME ROLE AGE, and with -o wide the subjects by kind,
 * USERS GROUPS SERVICEACCOUNTS (service accounts as "namespace/name"). Role and ClusterRole have
 * no printer in Kubernetes: they get the default NAME CREATED AT table.
 */
import type { KubeObject } from "../../../api/object.ts";
import { age } from "../age.ts";
import { ageColumn, column, definePrinter, nameColumn, nameOf, wideColumn } from "../printer.ts";

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

interface BindingFields extends KubeObject {
  roleRef?: { kind?: string; name?: string };
  subjects?: Subject[];
}

function bindingColumns(what: "roleBinding" | "clusterRoleBinding", roleRefDescription: string) {
  return [
    nameColumn(),
    column("Role", "string", roleRefDescription),
    ageColumn(),
    wideColumn("Users", "string", `Users in the ${what}`),
    wideColumn("Groups", "string", `Groups in the ${what}`),
    wideColumn("ServiceAccounts", "string", `ServiceAccounts in the ${what}`),
  ];
}

export const roleBindingColumns = bindingColumns(
  "roleBinding",
  "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.",
);

export const clusterRoleBindingColumns = bindingColumns(
  "clusterRoleBinding",
  "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.",
);

/** rbac.SubjectsStrings: users, groups and service accounts, each in the order given. */
export function subjectsByKind(subjects: Subject[] | undefined): [string[], string[], string[]] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === "User") users.push(s.name ?? "");
    else if (s.kind === "Group") groups.push(s.name ?? "");
    else if (s.kind === "ServiceAccount")
      serviceAccounts.push(`${s.namespace ?? ""}/${s.name ?? ""}`);
  }
  return [users, groups, serviceAccounts];
}

function printBinding(binding: BindingFields, now: number, wide: boolean) {
  const cells = [
    nameOf(binding),
    `${binding.roleRef?.kind ?? ""}/${binding.roleRef?.name ?? ""}`,
    age(binding.metadata.creationTimestamp, now),
  ];
  if (wide) cells.push(...subjectsByKind(binding.subjects).map((list) => list.join(", ")));
  return cells;
}

export const roleBindingPrinter = definePrinter<BindingFields>(
  roleBindingColumns,
  (b, { now, wide }) => printBinding(b, now, wide),
);

export const clusterRoleBindingPrinter = definePrinter<BindingFields>(
  clusterRoleBindingColumns,
  (b, { now, wide }) => printBinding(b, now, wide),
);
