/**
 * One node on this machine, as `tinykube kubelet` runs it: a process runtime (each container a
 * real OS process) with its image store, and a kubelet on it.
 *
 * Layout under the node's root directory (kubelet --root-dir):
 *   runtime/   the runtime's sandboxes, containers and address allocations
 *   images/    the images pulled onto this node
 *   pods/      the pods' logs and volumes (the kubelet's own, as /var/lib/kubelet and /var/log/pods)
 *
 * Guarantee: stop() stops the kubelet first (in-flight syncs finish, nothing starts after), then
 * every running container (SIGTERM, 2 s, SIGKILL) and every sandbox. In a real cluster containers
 * outlive their kubelet; a node on one's laptop should leave nothing running when it stops.
 */
import { availableParallelism, totalmem } from "node:os";
import { join } from "node:path";
import type { RestClient } from "../client/rest.ts";
import { Kubelet, type KubeletOptions } from "../kubelet/kubelet.ts";
import { NodeImageStore } from "../runtime/images/store.ts";
import { ProcessRuntime } from "../runtime/process/runtime.ts";

/** The grace period for containers when the node stops: killContainer's 2 s floor. */
const STOP_GRACE_SECONDS = 2;

export interface ProcessNodeOptions {
  /** Authenticated as system:node:<name>; closed by stop(). */
  client: RestClient;
  name: string;
  /** The node's InternalIP, 127.1.0.N in tinykube's network model. */
  address: string;
  rootDir: string;
  /** A folder of static pod manifests (--pod-manifest-path). */
  staticPodPath?: string;
  /** The kubelet's HTTPS server (logs, stats), with a serving certificate from the cluster CA. */
  server?: KubeletOptions["server"];
  /** The cluster DNS the node's pods are told about. */
  dns?: KubeletOptions["dns"];
  log: (line: string) => void;
}

export interface ProcessNode {
  kubelet: Kubelet;
  stop(): Promise<void>;
}

/**
 * What the machine has, as cAdvisor reports it to the kubelet: its CPUs, its memory in Ki (the
 * unit a kubelet writes), and maxPods 110 (KubeletConfiguration's default). Every node of a
 * one-machine cluster reports the whole machine, as each kubelet reports its own.
 */
export function hostCapacity(): Record<string, string> {
  return {
    cpu: String(availableParallelism()),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: "110",
  };
}

/** Creates the runtime and the kubelet; start the kubelet with `node.kubelet.start()`. */
export function processNode(options: ProcessNodeOptions): ProcessNode {
  const { client, name, address, rootDir, staticPodPath, server, dns, log } = options;
  const runtime = new ProcessRuntime({
    root: join(rootDir, "runtime"),
    images: new NodeImageStore({ root: join(rootDir, "images") }),
  });
  const kubelet = new Kubelet({
    client,
    nodeName: name,
    address,
    runtime,
    rootDir,
    capacity: hostCapacity(),
    log,
    ...(staticPodPath !== undefined ? { staticPodPath } : {}),
    ...(server ? { server } : {}),
    ...(dns ? { dns } : {}),
  });
  return {
    kubelet,
    async stop() {
      await kubelet.stop();
      for (const c of await runtime.listContainers({ state: "CONTAINER_RUNNING" })) {
        await runtime.stopContainer(c.id, STOP_GRACE_SECONDS);
      }
      for (const s of await runtime.listPodSandbox()) await runtime.stopPodSandbox(s.id);
      await runtime.close();
      client.close();
    },
  };
}
