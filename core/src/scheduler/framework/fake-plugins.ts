/**
 * Small fake plugins and objects for framework tests: each records its calls in a shared log,
 * so a test can assert the order extension points and plugins ran in.
 */
import type { Node, Pod } from "../../api/types.ts";
import { newNodeInfo } from "./node-info.ts";
import type { NodeInfo, Plugin } from "./types.ts";

export function fakeNode(name: string): NodeInfo {
  const node: Node = { apiVersion: "v1", kind: "Node", metadata: { name }, status: {} };
  return newNodeInfo(node);
}

export function fakeNodes(count: number): NodeInfo[] {
  return Array.from({ length: count }, (_, i) => fakeNode(`n${i}`));
}

export function fakePod(name = "p"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}` },
    spec: { containers: [] },
  };
}

/**
 * A plugin named `name` with the given methods; every method call is appended to `log` as
 * "<name>.<method>" before the method runs.
 */
export function fakePlugin<T extends object>(name: string, log: string[], methods: T): Plugin & T {
  const plugin: Record<string, unknown> = { name };
  for (const [key, fn] of Object.entries(methods)) {
    plugin[key] = (...args: unknown[]) => {
      log.push(`${name}.${key}`);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return plugin as Plugin & T;
}
