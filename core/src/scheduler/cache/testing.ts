/**
 * Test builders for the cache: a node and pods with CPU requests, and a pod moved to a node the way
 * the scheduler (assume) or the informer (a bound pod) would hand it over. Test-only.
 */
import type { Node, Pod } from "../../api/types.ts";
import { makeNode, makePod } from "../plugins/testing-nodes.ts";
import { zonedNode } from "../plugins/testing-pods.ts";

export function node(name: string, zone?: string): Node {
  return zone ? zonedNode(name, zone) : makeNode(name, { allocatable: { cpu: "4", pods: "110" } });
}

/** A pod asking for `milliCPU` millicores, not yet on a node. */
export function pod(name: string, milliCPU = 100): Pod {
  return makePod(name, { requests: [{ cpu: `${milliCPU}m` }] });
}

/** The same pod (same UID) with spec.nodeName set. */
export function on(p: Pod, nodeName: string): Pod {
  return { ...p, spec: { ...p.spec, nodeName } };
}
