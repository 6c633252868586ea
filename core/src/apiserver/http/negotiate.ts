/**
 * Content negotiation as kube-apiserver does it. Clients list what they accept, most wanted first:
 *
 *   kubectl get:        application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json
 *   kubectl discovery:  application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,...,application/json
 *   client-node:        application/json
 *
 * The server picks the first entry it can produce. tinykube produces JSON (and YAML on request);
 * `as=Table` and `as=APIGroupDiscoveryList` pick a different *shape* of JSON.
 */

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  return header
    .split(",")
    .map((part) => {
      const [type = "", ...params] = part.split(";").map((s) => s.trim());
      const parsed: Record<string, string> = {};
      for (const p of params) {
        const eq = p.indexOf("=");
        if (eq > 0) parsed[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
      }
      return { type: type.toLowerCase(), params: parsed };
    })
    .filter((m) => m.type !== "");
}

/** What a response should look like. */
export type Output =
  | { shape: "object"; format: "json" | "yaml" }
  | { shape: "table"; version: "v1" | "v1beta1"; includeObject?: string }
  | { shape: "discovery"; version: "v2" | "v2beta1" }
  | { shape: "partialMetadata"; version: "v1" | "v1beta1" };

const JSON_TYPES = new Set(["application/json", "application/*", "*/*"]);

/**
 * The output for an Accept header; `undefined` when nothing listed can be produced (406).
 * `allow` says which special shapes this endpoint can produce.
 */
export function chooseOutput(
  header: string | undefined,
  allow: { table?: boolean; discovery?: boolean; partialMetadata?: boolean } = {},
): Output | undefined {
  const types = parseMediaTypes(header);
  if (types.length === 0) return { shape: "object", format: "json" };
  for (const m of types) {
    const { as, g, v } = m.params;
    if (m.type === "application/json" && as) {
      if (allow.table && as === "Table" && g === "meta.k8s.io" && (v === "v1" || v === "v1beta1")) {
        return {
          shape: "table",
          version: v,
          ...(m.params.includeobject ? { includeObject: m.params.includeobject } : {}),
        };
      }
      if (
        allow.discovery &&
        as === "APIGroupDiscoveryList" &&
        g === "apidiscovery.k8s.io" &&
        (v === "v2" || v === "v2beta1")
      ) {
        return { shape: "discovery", version: v };
      }
      if (
        allow.partialMetadata &&
        (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") &&
        g === "meta.k8s.io" &&
        (v === "v1" || v === "v1beta1")
      ) {
        return { shape: "partialMetadata", version: v };
      }
      continue;
    }
    if (JSON_TYPES.has(m.type)) return { shape: "object", format: "json" };
    if (m.type === "application/yaml") return { shape: "object", format: "yaml" };
  }
  return undefined;
}

export const ACCEPTED_OUTPUTS = [
  "application/json",
  "application/yaml",
  "application/json;as=Table;v=v1;g=meta.k8s.io",
];
