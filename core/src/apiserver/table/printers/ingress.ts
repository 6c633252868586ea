/**
 * Ingress (NAME CLASS HOSTS ADDRESS PORTS AGE) and IngressClass (NAME CONTROLLER PARAMETERS AGE).
 */
import type { KubeObject } from "../../../api/object.ts";
import { age } from "../age.ts";
import { ageColumn, column, definePrinter, nameColumn, nameOf } from "../printer.ts";
import { loadBalancerAddresses } from "./service.ts";

interface IngressFields extends KubeObject {
  spec?: {
    ingressClassName?: string;
    rules?: { host?: string }[];
    tls?: unknown[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export const ingressColumns = [
  nameColumn(),
  column(
    "Class",
    "string",
    "The name of the IngressClass resource that should be used for additional configuration",
  ),
  column(
    "Hosts",
    "string",
    "Hosts that incoming requests are matched against before the ingress rule",
  ),
  column("Address", "string", "Address is a list containing ingress points for the load-balancer"),
  column("Ports", "string", "Ports of TLS configurations that open"),
  ageColumn(),
];

const HOSTS_MAX = 3;

/**
 * The first three rule hosts, then "+ N more..." where N counts every remaining rule, with or
 * without a host (as Kubernetes counts); "*" when no rule names a host.
 */
export function formatHosts(rules: { host?: string }[] | undefined): string {
  const list: string[] = [];
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === HOSTS_MAX) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return "*";
  const text = list.join(",");
  return more ? `${text} + ${(rules ?? []).length - HOSTS_MAX} more...` : text;
}

export const ingressPrinter = definePrinter<IngressFields>(ingressColumns, (ing, { now, wide }) => [
  nameOf(ing),
  ing.spec?.ingressClassName ?? "<none>",
  formatHosts(ing.spec?.rules),
  loadBalancerAddresses(ing.status?.loadBalancer?.ingress, wide),
  // An ingress controller serves HTTP on 80, and HTTPS on 443 once the ingress has TLS.
  (ing.spec?.tls ?? []).length > 0 ? "80, 443" : "80",
  age(ing.metadata.creationTimestamp, now),
]);

interface IngressClassFields extends KubeObject {
  spec?: {
    controller?: string;
    parameters?: { apiGroup?: string; kind?: string; name?: string };
  };
}

export const ingressClassColumns = [
  nameColumn(),
  column("Controller", "string", "Controller that is responsible for handling this class"),
  column("Parameters", "string", "A reference to a resource with additional parameters"),
  ageColumn(),
];

/** "Kind.apiGroup/name" (just "Kind/name" for the core group), or "<none>". */
function parametersRef(parameters: NonNullable<IngressClassFields["spec"]>["parameters"]): string {
  if (!parameters) return "<none>";
  const kind =
    parameters.apiGroup !== undefined
      ? `${parameters.kind ?? ""}.${parameters.apiGroup}`
      : (parameters.kind ?? "");
  return `${kind}/${parameters.name ?? ""}`;
}

export const ingressClassPrinter = definePrinter<IngressClassFields>(
  ingressClassColumns,
  (ic, { now }) => [
    nameOf(ic),
    ic.spec?.controller ?? "",
    parametersRef(ic.spec?.parameters),
    age(ic.metadata.creationTimestamp, now),
  ],
);
