import { describe, expect, it } from "vitest";
import { defaultPullPolicy, imageTag } from "./image.ts";

describe("imageTag and the pull policy it implies", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  it.each([
    ["nginx", "latest", "Always"],
    ["nginx:latest", "latest", "Always"],
    ["nginx:1.27", "1.27", "IfNotPresent"],
    ["library/nginx:1.27-alpine", "1.27-alpine", "IfNotPresent"],
    ["localhost:5000/nginx", "latest", "Always"],
    ["registry.example.com:5000/team/app:v2", "v2", "IfNotPresent"],
    [`nginx@${digest}`, "", "IfNotPresent"],
    [`nginx:latest@${digest}`, "latest", "Always"],
    ["Nginx", undefined, "IfNotPresent"],
    ["", undefined, "IfNotPresent"],
    ["nginx:", undefined, "IfNotPresent"],
  ])("%j has tag %j and pulls %s", (image, tag, policy) => {
    expect(imageTag(image)).toBe(tag);
    expect(defaultPullPolicy(image)).toBe(policy);
  });
});
