import { describe, expect, it } from "vitest";
import { kindKey, kindKeyOf } from "./kind-key.ts";

describe("kind keys", () => {
  it("key kinds by group, not version", () => {
    expect(kindKeyOf({ apiVersion: "v1", kind: "Pod" })).toBe("/Pod");
    expect(kindKeyOf({ apiVersion: "apps/v1", kind: "Deployment" })).toBe("apps/Deployment");
    expect(kindKeyOf({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role" })).toBe(
      "rbac.authorization.k8s.io/Role",
    );
    expect(kindKey("", "Service")).toBe("/Service");
  });
});
