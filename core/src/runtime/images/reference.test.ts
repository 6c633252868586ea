import { describe, expect, it } from "vitest";
import { parseImageReference } from "./reference.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("parseImageReference", () => {
  it.each([
    ["busybox", { repository: "busybox", tag: "latest" }],
    ["tinykube/hello:1.0", { repository: "tinykube/hello", tag: "1.0" }],
    ["tinykube/cpu-burner", { repository: "tinykube/cpu-burner", tag: "latest" }],
    ["a__b/c.d/e---f:v1_2-3.x", { repository: "a__b/c.d/e---f", tag: "v1_2-3.x" }],
    [`busybox@${DIGEST}`, { repository: "busybox", digest: DIGEST }],
    [`busybox:1.36@${DIGEST}`, { repository: "busybox", tag: "1.36", digest: DIGEST }],
  ])("%s", (image, expected) => {
    expect(parseImageReference(image)).toEqual(expected);
  });

  it.each([
    ["uppercase", "Busybox"],
    ["a tag starting with a dot", "busybox:.1"],
    ["a tag too long", `busybox:${"x".repeat(129)}`],
    ["an empty tag", "busybox:"],
    ["a parent directory", "../etc:latest"],
    ["an empty component", "tinykube//hello"],
    ["a leading separator", "-hello"],
    ["a short digest", "busybox@sha256:abc"],
    ["an empty reference", ""],
  ])("rejects %s", (_, image) => {
    expect(parseImageReference(image)).toBeUndefined();
  });
});
