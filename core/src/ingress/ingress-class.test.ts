import { describe, expect, it } from "vitest";
import {
  DEFAULT_CLASS_ANNOTATION,
  decideClass,
  defaultIngressClass,
  INGRESS_CLASS_ANNOTATION,
  ingressClassFor,
} from "./ingress-class.ts";
import type { Ingress, IngressClass } from "./types.ts";

const OURS = "tinykube.io/ingress-controller";
const selection = { controller: OURS, className: "tinykube" };

function cls(name: string, controller: string, extra: Partial<IngressClass["metadata"]> = {}) {
  return {
    ...ingressClassFor({ name, controller }),
    metadata: { name, creationTimestamp: "2026-01-01T00:00:00Z", ...extra },
  } satisfies IngressClass;
}
const isDefault = { annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } };

function ingress(spec: Ingress["spec"], annotations?: Record<string, string>): Ingress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "web", namespace: "default", ...(annotations ? { annotations } : {}) },
    spec,
  };
}

describe("decideClass", () => {
  const tinykube = cls("tinykube", OURS);
  const nginx = cls("nginx", "k8s.io/ingress-nginx");
  it.each<[string, Ingress, IngressClass[], string | false]>([
    [
      "ingressClassName of our class",
      ingress({ ingressClassName: "tinykube" }),
      [tinykube],
      "ingressClassName",
    ],
    [
      "ingressClassName of another controller's class",
      ingress({ ingressClassName: "nginx" }),
      [tinykube, nginx],
      false,
    ],
    [
      "ingressClassName of a class that does not exist",
      ingress({ ingressClassName: "later" }),
      [tinykube],
      false,
    ],
    [
      "the field wins over the annotation",
      ingress({ ingressClassName: "nginx" }, { [INGRESS_CLASS_ANNOTATION]: "tinykube" }),
      [tinykube, nginx],
      false,
    ],
    [
      "the annotation with our class name",
      ingress({}, { [INGRESS_CLASS_ANNOTATION]: "tinykube" }),
      [],
      "annotation",
    ],
    [
      "the annotation with another name",
      ingress({}, { [INGRESS_CLASS_ANNOTATION]: "nginx" }),
      [cls("x", OURS, isDefault)],
      false,
    ],
    [
      "the annotation empty is not 'no class'",
      ingress({}, { [INGRESS_CLASS_ANNOTATION]: "" }),
      [cls("x", OURS, isDefault)],
      false,
    ],
    ["no class, no default class", ingress({}), [tinykube], false],
    [
      "no class, our class is the default",
      ingress({}),
      [cls("tinykube", OURS, isDefault), nginx],
      "defaultClass",
    ],
    [
      "no class, the default is another controller's",
      ingress({}),
      [tinykube, cls("nginx", "k8s.io/ingress-nginx", isDefault)],
      false,
    ],
    [
      'is-default-class must be exactly "true"',
      ingress({}),
      [cls("tinykube", OURS, { annotations: { [DEFAULT_CLASS_ANNOTATION]: "True" } })],
      false,
    ],
  ])("%s", (_name, ing, classes, expected) => {
    const decision = decideClass(ing, classes, selection);
    if (expected === false) expect(decision.handled, JSON.stringify(decision)).toBe(false);
    else expect(decision).toMatchObject({ handled: true, via: expected });
  });

  it("says why an Ingress is not served", () => {
    expect(decideClass(ingress({ ingressClassName: "nginx" }), [nginx], selection)).toEqual({
      handled: false,
      reason: `IngressClass "nginx" is implemented by "k8s.io/ingress-nginx", not "${OURS}"`,
    });
  });
});

describe("defaultIngressClass (the DefaultIngressClass admission plugin's choice)", () => {
  it("picks the newest of several defaults, then the first name", () => {
    const older = cls("a-older", OURS, { ...isDefault, creationTimestamp: "2026-01-01T00:00:00Z" });
    const newer = cls("z-newer", "other", {
      ...isDefault,
      creationTimestamp: "2026-02-01T00:00:00Z",
    });
    expect(defaultIngressClass([older, newer])?.metadata.name).toBe("z-newer");
    const b = cls("b", OURS, isDefault);
    const a = cls("a", OURS, isDefault);
    expect(defaultIngressClass([b, a])?.metadata.name).toBe("a");
    expect(defaultIngressClass([cls("plain", OURS)])).toBeUndefined();
  });
});
