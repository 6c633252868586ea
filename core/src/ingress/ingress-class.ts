/**
 * Which Ingresses this controller serves. Several ingress controllers can share a cluster; each
 * implements the IngressClasses whose `spec.controller` names it, and serves only the Ingresses
 * of those classes.
 *
 * The rules, in the order ingress-nginx applies them (internal/ingress/controller/store/store.go,
 * GetIngressClass):
 * 1. `spec.ingressClassName` set: ours if an IngressClass of that name exists and its
 *    `spec.controller` is our controller name. A class that does not exist yet is not ours (the
 *    Ingress is picked up when it appears).
 * 2. Otherwise the deprecated annotation `kubernetes.io/ingress.class` set: ours if its value is
 *    our class name (ingress-nginx's --ingress-class, "nginx" by default).
 * 3. Otherwise no class at all: ours if the cluster's default IngressClass is one of ours.
 *
 * Rule 3 is where tinykube differs. In Kubernetes the DefaultIngressClass admission plugin
 * (plugin/pkg/admission/network/defaultingressclass) writes the default class's name into every
 * new Ingress that names no class, so a controller never sees a classless Ingress created after
 * a default was marked; ingress-nginx serves classless Ingresses only with
 * --watch-ingress-without-class. tinykube runs no such admission plugin, so the controller makes
 * the same choice when it reads the Ingress: the default class is the one annotated
 * `ingressclass.kubernetes.io/is-default-class: "true"`, the newest if several are (ties: the
 * first name), exactly as the plugin picks it. The outcome differs only for a classless Ingress
 * created before any class was default, which Kubernetes would leave unserved.
 */
import type { Ingress, IngressClass } from "./types.ts";

export const INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
/** networking/v1 AnnotationIsDefaultIngressClass; only the exact value "true" counts. */
export const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

export interface ClassSelection {
  /** The `spec.controller` of the classes this controller implements. */
  controller: string;
  /** The value of the deprecated annotation this controller answers to. */
  className: string;
}

export type ClassDecision =
  | { handled: true; via: "ingressClassName" | "annotation" | "defaultClass"; className: string }
  | { handled: false; reason: string };

// #region decideClass
export function decideClass(
  ingress: Ingress,
  classes: readonly IngressClass[],
  selection: ClassSelection,
): ClassDecision {
  const named = ingress.spec?.ingressClassName;
  if (named !== undefined) {
    const cls = classes.find((c) => c.metadata.name === named);
    if (!cls) return { handled: false, reason: `IngressClass "${named}" not found` };
    if (cls.spec?.controller !== selection.controller)
      return {
        handled: false,
        reason: `IngressClass "${named}" is implemented by "${cls.spec?.controller}", not "${selection.controller}"`,
      };
    return { handled: true, via: "ingressClassName", className: named };
  }
  const annotation = ingress.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
  if (annotation !== undefined) {
    if (annotation !== selection.className)
      return {
        handled: false,
        reason: `annotation ${INGRESS_CLASS_ANNOTATION} is "${annotation}", not "${selection.className}"`,
      };
    return { handled: true, via: "annotation", className: annotation };
  }
  const fallback = defaultIngressClass(classes);
  if (!fallback) return { handled: false, reason: "no IngressClass and no default IngressClass" };
  if (fallback.spec?.controller !== selection.controller)
    return {
      handled: false,
      reason: `the default IngressClass "${fallback.metadata.name}" is implemented by "${fallback.spec?.controller}"`,
    };
  return { handled: true, via: "defaultClass", className: fallback.metadata.name ?? "" };
}
// #endregion decideClass

/** The DefaultIngressClass admission plugin's getDefaultClass: the newest, then by name. */
export function defaultIngressClass(classes: readonly IngressClass[]): IngressClass | undefined {
  let best: IngressClass | undefined;
  for (const cls of classes) {
    if (cls.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] !== "true") continue;
    if (!best || newerOrFirst(cls, best)) best = cls;
  }
  return best;
}

function newerOrFirst(a: IngressClass, b: IngressClass): boolean {
  const ta = Date.parse(a.metadata.creationTimestamp ?? "") || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? "") || 0;
  if (ta !== tb) return ta > tb;
  return (a.metadata.name ?? "") < (b.metadata.name ?? "");
}

/** The IngressClass for this controller, for whoever installs it (`tinykube up`, as the Helm chart does). */
export function ingressClassFor(options: {
  name: string;
  controller: string;
  isDefault?: boolean;
}): IngressClass {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: {
      name: options.name,
      ...(options.isDefault ? { annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } } : {}),
    },
    spec: { controller: options.controller },
  };
}
