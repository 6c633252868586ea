import { describe, expect, it } from "vitest";
import {
  ActionType,
  AssignedPodAdd,
  AssignedPodDelete,
  NodeAdd,
  NodeAllocatableChange,
  NodeLabelChange,
  NodeSpecUnschedulableChange,
  NodeTaintChange,
  podMatchesEvent,
  UnschedulableTimeout,
} from "./events.ts";

const rejected = (...plugins: string[]) => new Set(plugins);

describe("ActionType", () => {
  it("has Kubernetes' bit values", () => {
    expect(ActionType.Update).toBe(0b111100);
    expect(ActionType.All).toBe(0b111111);
  });
});

describe("podMatchesEvent", () => {
  it("moves a pod rejected for resources on a node add, allocatable change or pod delete only", () => {
    const fit = rejected("NodeResourcesFit");
    expect(podMatchesEvent(fit, NodeAdd)).toBe(true);
    expect(podMatchesEvent(fit, NodeAllocatableChange)).toBe(true);
    expect(podMatchesEvent(fit, AssignedPodDelete)).toBe(true);
    expect(podMatchesEvent(fit, AssignedPodAdd), "a new pod only takes resources").toBe(false);
  });

  it("moves a pod rejected by NodeUnschedulable on taint changes but not label changes", () => {
    const unsched = rejected("NodeUnschedulable");
    expect(podMatchesEvent(unsched, NodeSpecUnschedulableChange)).toBe(true);
    expect(podMatchesEvent(unsched, NodeTaintChange)).toBe(true);
    expect(podMatchesEvent(unsched, NodeLabelChange)).toBe(false);
    expect(podMatchesEvent(unsched, AssignedPodDelete)).toBe(false);
  });

  it("moves when any one of several rejecting plugins is interested", () => {
    expect(
      podMatchesEvent(rejected("NodeUnschedulable", "PodTopologySpread"), AssignedPodAdd),
    ).toBe(true);
  });

  it("moves every pod on a wildcard event, and pods without a rejector on any event", () => {
    expect(podMatchesEvent(rejected("NodeUnschedulable"), UnschedulableTimeout)).toBe(true);
    expect(podMatchesEvent(rejected(), AssignedPodAdd)).toBe(true);
  });

  it("treats a plugin missing from the table as interested in everything", () => {
    expect(podMatchesEvent(rejected("MyOutOfTreePlugin"), NodeLabelChange)).toBe(true);
  });
});
