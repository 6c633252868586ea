/**
 * The key the API server looks defaulters, validators and printers up by: `"<group>/<Kind>"`, with the
 * empty group for the core API, so `"/Pod"`, `"apps/Deployment"`, `"rbac.authorization.k8s.io/Role"`.
 * The version is left out on purpose: every type here has one served version, and Kubernetes
 * defaults and validates the internal (version-free) form of an object.
 */
import { parseApiVersion, type TypeMeta } from "./object.ts";

export type KindKey = `${string}/${string}`;

export function kindKey(group: string, kind: string): KindKey {
  return `${group}/${kind}`;
}

/** `{ apiVersion: "apps/v1", kind: "Deployment" }` → `"apps/Deployment"`. */
export function kindKeyOf(obj: Pick<TypeMeta, "apiVersion" | "kind">): KindKey {
  return kindKey(parseApiVersion(obj.apiVersion).group, obj.kind);
}
