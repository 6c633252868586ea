/**
 * NodePorts (kube-scheduler plugins/nodeports/node_ports.go): a container that asks for a
 * hostPort binds that port on the node itself, so two pods asking for the same (protocol, port)
 * cannot share a node unless they bind different, specific IPs.
 *
 * PreFilter collects the pod's host ports once per cycle (containers, and init containers with
 * restartPolicy Always, which run for the pod's whole life — scheduler util.GetHostPorts) and
 * answers Skip when there are none, so Filter never runs for the common pod. Filter checks each
 * against the ports the node's pods already use (HostPortInfo.CheckConflict):
 * - a wanted port on 0.0.0.0 (or no hostIP) conflicts with the same protocol and port on any IP;
 * - a wanted port on a specific IP conflicts with that IP or with 0.0.0.0.
 * So TCP/10.0.0.1/80 and TCP/10.0.0.2/80 coexist, TCP/0.0.0.0/80 and UDP/0.0.0.0/80 too, but
 * TCP/0.0.0.0/80 blocks every TCP 80.
 *
 * Rejection is Unschedulable (not Unresolvable): evicting the pod holding the port frees it.
 */
import type { Container, Pod } from "../../../api/types.ts";
import {
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type PreFilterPlugin,
  type PreFilterResult,
  type Status,
  SUCCESS,
  status,
} from "../../framework/types.ts";

/** nodeports.ErrReason. */
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

/** The address a hostPort without hostIP binds (DefaultBindAllHostIP). */
const BIND_ALL = "0.0.0.0";

const STATE_KEY = "PreFilterNodePorts";

export interface HostPort {
  protocol: string;
  ip: string;
  port: number;
}

/** The pod's host ports with Kubernetes' defaults: protocol TCP, hostIP 0.0.0.0. */
export function hostPortsOf(pod: Pod): HostPort[] {
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  const containers: Container[] = [...sidecars, ...pod.spec.containers];
  return containers.flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => (p.hostPort ?? 0) > 0)
      .map((p) => ({
        protocol: p.protocol || "TCP",
        ip: p.hostIP || BIND_ALL,
        port: p.hostPort as number,
      })),
  );
}

/** NodeInfo.usedPorts holds "TCP/0.0.0.0/8080"; an IP never contains "/", so the split is safe. */
function parseUsed(key: string): HostPort {
  const [protocol = "", ip = "", port = "0"] = key.split("/");
  return { protocol, ip, port: Number(port) };
}

// #region conflicts
/** HostPortInfo.CheckConflict: does `wanted` collide with a port already bound on the node? */
export function conflicts(used: Iterable<string>, wanted: HostPort): boolean {
  for (const key of used) {
    const u = parseUsed(key);
    if (u.protocol !== wanted.protocol || u.port !== wanted.port) continue;
    if (wanted.ip === BIND_ALL || u.ip === BIND_ALL || u.ip === wanted.ip) return true;
  }
  return false;
}
// #endregion conflicts

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = "NodePorts";

  preFilter(state: CycleState, pod: Pod): { result?: PreFilterResult; status: Status } {
    const wanted = hostPortsOf(pod);
    if (wanted.length === 0) return { status: status("Skip") };
    state.write(STATE_KEY, wanted);
    return { status: SUCCESS };
  }

  // #region filter
  filter(state: CycleState, _pod: Pod, node: NodeInfo): Status {
    const wanted = state.read<HostPort[]>(STATE_KEY);
    if (wanted === undefined) {
      return status(
        "Error",
        `reading "${STATE_KEY}" from cycleState: not found (PreFilter not run)`,
      );
    }
    if (wanted.some((port) => conflicts(node.usedPorts, port))) {
      return status("Unschedulable", ERR_REASON);
    }
    return SUCCESS;
  }
  // #endregion filter
}

export const nodePorts = new NodePorts() satisfies PreFilterPlugin & FilterPlugin;
