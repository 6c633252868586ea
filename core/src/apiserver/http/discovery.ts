/**
 * Discovery: how clients learn which resources exist. Every kubectl command starts here.
 *
 * - Aggregated (apidiscovery.k8s.io v2, v2beta1): `GET /api` and `GET /apis` return every group,
 *   version and resource in two requests. kubectl 1.30+ asks for v2, 1.27/1.28 for v2beta1.
 * - Legacy: `/api` lists versions, `/apis` lists groups, then one APIResourceList per
 *   group-version (`/api/v1`, `/apis/apps/v1`). Older clients and client libraries use it.
 *
 * Both are generated from the scheme, so a CRD appears here the moment it is established.
 */
import { apiVersionOfType, type ResourceType, type Scheme } from "../../api/scheme.ts";

// #region aggregated
/** APIGroupDiscoveryList for `/api` (core group only) or `/apis` (every other group). */
export function aggregatedDiscovery(scheme: Scheme, core: boolean, version: "v2" | "v2beta1") {
  const byGroup = new Map<string, ReturnType<Scheme["groupVersions"]>>();
  for (const gv of scheme.groupVersions()) {
    if ((gv.group === "") !== core) continue;
    byGroup.set(gv.group, [...(byGroup.get(gv.group) ?? []), gv]);
  }
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: [...byGroup.entries()].map(([group, versions]) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: versions.map((gv) => ({
        version: gv.version,
        resources: gv.types.map((t) => ({
          resource: t.resource,
          responseKind: { group: t.group, version: t.version, kind: t.kind },
          scope: t.namespaced ? "Namespaced" : "Cluster",
          singularResource: t.singular,
          verbs: t.verbs,
          ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
          ...(t.categories.length ? { categories: t.categories } : {}),
          ...(t.subresources.length
            ? {
                subresources: t.subresources.map((s) => ({
                  subresource: s.name,
                  responseKind: s.kind,
                  verbs: s.verbs,
                })),
              }
            : {}),
        })),
        freshness: "Current",
      })),
    })),
  };
}
// #endregion aggregated

export const discoveryContentType = (version: "v2" | "v2beta1") =>
  `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;

/** `GET /api`: the core group's versions. */
export function apiVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

/** One APIGroup, as `/apis` lists them and `/apis/<group>` returns one. */
export function apiGroup(scheme: Scheme, group: string) {
  const versions = scheme
    .groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  if (versions.length === 0) return undefined;
  return {
    kind: "APIGroup",
    apiVersion: "v1",
    name: group,
    versions,
    preferredVersion: versions[0],
  };
}

/** `GET /apis`: every group but the core one. */
export function apiGroupList(scheme: Scheme) {
  const groups = [...new Set(scheme.all().map((t) => t.group))].filter((g) => g !== "");
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map((g) => apiGroup(scheme, g)) };
}

/** `GET /api/v1`, `GET /apis/apps/v1`: the resources of one group-version, subresources too. */
export function apiResourceList(scheme: Scheme, group: string, version: string) {
  const types = scheme.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOfType({ group, version }),
    resources: types.flatMap((t) => [
      resourceEntry(t),
      ...t.subresources.map((s) => subresourceEntry(t, s)),
    ]),
  };
}

function resourceEntry(t: ResourceType) {
  return {
    name: t.resource,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: t.verbs,
    ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
    ...(t.categories.length ? { categories: t.categories } : {}),
  };
}

function subresourceEntry(t: ResourceType, s: ResourceType["subresources"][number]) {
  return {
    name: `${t.resource}/${s.name}`,
    singularName: "",
    namespaced: t.namespaced,
    ...(s.kind.group !== t.group ? { group: s.kind.group } : {}),
    ...(s.kind.version !== t.version ? { version: s.kind.version } : {}),
    kind: s.kind.kind,
    verbs: s.verbs,
  };
}
