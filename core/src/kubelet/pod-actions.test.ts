import { describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import { describePodActionsContract } from "./pod-actions.cases.ts";
import {
  computePodActions,
  findNextInitContainerToRun,
  type ObservedContainer,
  type ObservedPod,
} from "./pod-actions.ts";

describePodActionsContract("computePodActions", computePodActions);

const ready = { id: "s1", ready: true, attempt: 0, ip: "127.128.1.2" };
const c = (name: string, state: ObservedContainer["state"], exitCode = 0): ObservedContainer => ({
  id: `${name}-id`,
  name,
  state,
  exitCode,
  reason: "",
  hash: `${name}:1`,
});
const withInits = (...names: string[]): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default" },
  spec: {
    initContainers: names.map((name) => ({ name, image: `${name}:1` })),
    containers: [{ name: "web", image: "web:1" }],
  },
});
const observed = (containers: ObservedContainer[]): ObservedPod => ({
  sandboxes: [ready],
  containers,
});

describe("findNextInitContainerToRun", () => {
  it("reports the failed container's status beside the one to run again", () => {
    const failed = c("b", "exited", 2);
    const r = findNextInitContainerToRun(withInits("a", "b"), observed([failed, c("a", "exited")]));
    expect(r).toMatchObject({ done: false, failed, next: { name: "b" } });
  });
});
