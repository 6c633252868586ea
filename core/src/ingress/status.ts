/**
 * An Ingress's status.loadBalancer: where clients reach it. ingress-nginx publishes the address
 * of its Service or node (internal/ingress/status: `ip` for an IP address, `hostname` for a name,
 * sorted) and writes only when the list differs, through the status subresource — its RBAC role
 * grants `update` on ingresses/status and nothing else there, so the write is a PUT.
 *
 * tinykube's controller publishes the one address it listens on. The ports are not published,
 * as ingress-nginx does not publish them: clients are expected on 80 and 443 (`kubectl get
 * ingress` prints "80" or "80, 443" from the spec alone).
 */
import { isIP } from "node:net";
import type { Ingress, IngressLoadBalancerIngress } from "./types.ts";

export function loadBalancerFor(addresses: readonly string[]): IngressLoadBalancerIngress[] {
  return [...addresses]
    .sort()
    .map((address) => (isIP(address) ? { ip: address } : { hostname: address }));
}

/** Whether the Ingress already shows exactly these addresses (ports and errors included). */
export function showsLoadBalancer(
  ingress: Ingress,
  desired: readonly IngressLoadBalancerIngress[],
): boolean {
  const current = ingress.status?.loadBalancer?.ingress ?? [];
  return (
    current.length === desired.length &&
    current.every(
      (c, i) =>
        c.ip === desired[i]?.ip &&
        c.hostname === desired[i]?.hostname &&
        JSON.stringify(c.ports ?? []) === JSON.stringify(desired[i]?.ports ?? []),
    )
  );
}

/** A copy of the Ingress showing these addresses (objects from a cache are read-only). */
export function withLoadBalancer(
  ingress: Ingress,
  desired: readonly IngressLoadBalancerIngress[],
): Ingress {
  const copy = structuredClone(ingress);
  copy.status = { ...copy.status, loadBalancer: { ingress: desired.map((d) => ({ ...d })) } };
  return copy;
}
