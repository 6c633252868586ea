/** Pods for the queue's tests: only what the queue reads (name, namespace, priority). */
import type { Pod } from "../../api/types.ts";

export function testPod(name: string, priority?: number, spec: Record<string, unknown> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "1" },
    spec: {
      containers: [{ name: "app", image: "hello" }],
      ...(priority === undefined ? {} : { priority }),
      ...spec,
    },
  };
}
