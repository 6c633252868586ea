/**
 * The controller's routing state at one moment: which Ingresses it serves, the routing table,
 * an upstream per backend, and the certificates. Built in one go from the informers' caches and
 * swapped in as one value, so a request never pairs a routing table from one moment with
 * upstreams from another, and nothing in it is computed per request.
 *
 * `buildSnapshot` is a pure function of its input (the previous snapshot only carries each
 * upstream's round-robin position forward):
 * 1. keep the Ingresses of our class (ingress-class.ts);
 * 2. build the routing table from them (route-table.ts);
 * 3. resolve every backend the table names to endpoints (endpoints.ts);
 * 4. choose each host's certificate (certificates.ts);
 * 5. note which Services and Secrets were read: a change to any other cannot change the result.
 */
import type { SecureContext } from "node:tls";
import type { EndpointSlice, Service } from "../api/types.ts";
import type { Clock } from "../util/clock.ts";
import {
  buildCertificateTable,
  type CertificateStore,
  type CertificateTable,
} from "./certificates.ts";
import { resolveEndpoints } from "./endpoints.ts";
import { type ClassSelection, decideClass } from "./ingress-class.ts";
import { buildRouteTable, type RouteTable } from "./route-table.ts";
import type { Ingress, IngressClass, Secret } from "./types.ts";
import { Upstream } from "./upstream.ts";

export interface Snapshot {
  routes: RouteTable;
  /** By backend key ("namespace/service:port"); every backend the table names has one. */
  upstreams: ReadonlyMap<string, Upstream>;
  certificates: CertificateTable;
  /** "namespace/name" of the Ingresses served. */
  served: ReadonlySet<string>;
  /** "namespace/name" of the Services (and so EndpointSlices) and Secrets this was built from. */
  services: ReadonlySet<string>;
  secrets: ReadonlySet<string>;
}

export interface SnapshotInput {
  ingresses: readonly Ingress[];
  classes: readonly IngressClass[];
  selection: ClassSelection;
  service(key: string): Service | undefined;
  /** The EndpointSlices of a Service ("namespace/name"). */
  slices(serviceKey: string): readonly EndpointSlice[];
  secret(key: string): Secret | undefined;
  certificateStore: CertificateStore;
  defaultContext: SecureContext;
  clock: Clock;
  previous?: Snapshot;
}

// #region buildSnapshot
export function buildSnapshot(input: SnapshotInput): Snapshot {
  const served = input.ingresses.filter(
    (ingress) => decideClass(ingress, input.classes, input.selection).handled,
  );
  const routes = buildRouteTable(served);

  const upstreams = new Map<string, Upstream>();
  const services = new Set<string>();
  for (const [key, backend] of routes.backends()) {
    const serviceKey = `${backend.namespace}/${backend.service}`;
    services.add(serviceKey);
    const { endpoints, problem } = resolveEndpoints(
      input.service(serviceKey),
      backend.port,
      input.slices(serviceKey),
      serviceKey,
    );
    const before = input.previous?.upstreams.get(key);
    upstreams.set(
      key,
      before ? before.withEndpoints(endpoints, problem) : new Upstream(key, endpoints, problem),
    );
  }

  const secrets = new Set<string>();
  for (const ingress of served)
    for (const tls of ingress.spec?.tls ?? [])
      if (tls.secretName) secrets.add(`${ingress.metadata.namespace}/${tls.secretName}`);
  const certificates = buildCertificateTable({
    routes,
    secret: input.secret,
    store: input.certificateStore,
    defaultContext: input.defaultContext,
    clock: input.clock,
  });

  return {
    routes,
    upstreams,
    certificates,
    served: new Set(served.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)),
    services,
    secrets,
  };
}
// #endregion buildSnapshot
