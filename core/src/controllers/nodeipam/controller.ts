/**
 * The node IPAM controller with its range allocator: every node gets its own slice of the pod
 * network, a /24 by default, in spec.podCIDR and spec.podCIDRs — kube-controller-manager's
 * nodeipam controller (pkg/controller/nodeipam/node_ipam_controller.go) with
 * --cidr-allocator-type=RangeAllocator (pkg/controller/nodeipam/ipam/range_allocator.go). The
 * kubelet hands the range to its runtime, which gives each pod sandbox an address from it.
 *
 * Shape (STYLE rule 1): node adds and updates turn into node names on the queue;
 * `reconcile(name)` occupies what the node has or allocates what it lacks. A deleted node's
 * range is released in the delete handler itself, as Kubernetes does: once the node is out of
 * the cache, nothing else remembers which range it held.
 *
 * Guarantees:
 * - Two nodes never get the same range from this controller: ranges come from one CidrSet, and
 *   a range a node already has (given at registration, or by an earlier run) is marked used
 *   before any is handed out — the ranges of the nodes in the synced cache at start, then each
 *   node's as it is seen.
 * - A range is written once, with a strategic merge patch of both fields ({podCIDR: X,
 *   podCIDRs: [X]}, component-helpers' PatchNodeCIDRs); the API server refuses any later change
 *   ("node updates may not change podCIDR except from \"\" to valid"), so a second writer loses.
 * - With the range exhausted, the node gets a Warning Event, reason CIDRNotAvailable, message
 *   "Node <name> status is now: CIDRNotAvailable" (RecordNodeStatusChange), and is retried with
 *   the queue's backoff (5 ms doubling to 1,000 s) until a range frees up.
 * - A failed write (after 3 tries) gives the range back, unless the API server timed out — the
 *   write may then have landed, and a range leaked until restart is better than a range given
 *   twice — records CIDRAssignmentFailed, and retries.
 *
 * Not here: the service CIDR is not carved out of the pod network (Kubernetes' filterOutServiceRange):
 * tinykube's 127.96.0.0/12 does not overlap 127.128.0.0/9. One IP family only (see cidr-set.ts).
 */
import type { Node } from "../../api/types.ts";
import { nodePodCIDRs } from "../../api/validate/node.ts";
import type { EventRecorder } from "../../client/events.ts";
import { builtinType } from "../../client/factory.ts";
import { keyOf } from "../../client/indexer.ts";
import type { SharedIndexInformer } from "../../client/informer.ts";
import { unwrapTombstone } from "../../client/informer.ts";
import { ApiError, type ResourceClient } from "../../client/rest.ts";
import { messageOf } from "../../util/errors.ts";
import type { Controller, ControllerContext, ControllerQueue } from "../context.ts";
import { logFailedSync, runWorkers } from "../worker.ts";
import { CidrSet } from "./cidr-set.ts";

/** tinykube's pod network (DESIGN.md, "Network model"); Kubernetes' --cluster-cidr has no default. */
export const DEFAULT_CLUSTER_CIDR = "127.128.0.0/9";
/** --node-cidr-mask-size: 24 for IPv4 (defaultNodeMaskCIDRIPv4, cmd/kube-controller-manager/app/core.go). */
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;
/** cidrUpdateRetries (ipam/cidr_allocator.go): tries of one patch before giving the range back. */
const CIDR_UPDATE_RETRIES = 3;
/** The Event source Kubernetes' range allocator records as (range_allocator.go). */
const EVENT_COMPONENT = "cidrAllocator";

export interface NodeIpamOptions {
  /** --cluster-cidr: the pod network to cut into node ranges. */
  clusterCIDR?: string;
  /** --node-cidr-mask-size: the prefix length of each node's range. */
  nodeCIDRMaskSize?: number;
}

export class NodeIpamController implements Controller {
  readonly name = "node-ipam-controller";
  /** Every range handed out or seen on a node; the only record of which are free. */
  readonly cidrs: CidrSet;
  private readonly queue: ControllerQueue;
  private readonly nodes: SharedIndexInformer<Node>;
  private readonly client: ResourceClient<Node>;
  private readonly recorder: EventRecorder;

  // #region wiring
  constructor(
    private readonly ctx: ControllerContext,
    options: NodeIpamOptions = {},
  ) {
    this.cidrs = new CidrSet(
      options.clusterCIDR ?? DEFAULT_CLUSTER_CIDR,
      options.nodeCIDRMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE,
    );
    this.queue = ctx.newQueue("nodeipam");
    this.client = ctx.client.resource<Node>(builtinType("nodes"));
    this.recorder = ctx.recorder(EVENT_COMPONENT);
    this.nodes = ctx.informers.informerFor<Node>("nodes");
    this.nodes.addEventHandler({
      onAdd: (node) => this.queue.add(keyOf(node)),
      onUpdate: (_old, node) => this.queue.add(keyOf(node)),
      onDelete: (obj) => {
        const node = unwrapTombstone(obj);
        // Nodes have no finalizer, so this is the last sight of the node's ranges: release them
        // here (Kubernetes does the same, and logs a failure without retrying it).
        try {
          for (const cidr of nodePodCIDRs(node.spec)) this.cidrs.release(cidr);
        } catch (error) {
          this.ctx.log(
            `[${this.name}] releasing the pod CIDRs of deleted node ${node.metadata.name}: ${messageOf(error)}`,
          );
        }
        this.queue.add(keyOf(node));
      },
    });
  }
  // #endregion wiring

  // #region run
  /**
   * Marks the ranges of the nodes already in the cache, then starts the workers; a range that
   * cannot be marked (not a CIDR, outside the cluster CIDR) stops the controller from starting,
   * as it stops kube-controller-manager: handing out ranges without knowing which are taken
   * could give one twice.
   */
  async run(workers: number): Promise<void> {
    for (const node of this.nodes.indexer.list()) {
      try {
        this.occupy(node);
      } catch (error) {
        this.ctx.log(`[${this.name}] not starting: ${messageOf(error)}`);
        return;
      }
    }
    await runWorkers(workers, {
      queue: this.queue,
      reconcile: (key) => this.reconcile(key),
      onError: logFailedSync(this.ctx.log, this.name),
    });
  }
  // #endregion run

  stop(): void {
    this.queue.shutDown();
  }

  // #region reconcile
  /**
   * syncNode:
   * 1. Read the node from the cache; gone → nothing to do (its ranges went in the delete handler).
   * 2. Being deleted → release its ranges.
   * 3. Has ranges → mark them used (idempotent; a node registered with its own podCIDR keeps it).
   * 4. Otherwise allocate the next free range; none left → CIDRNotAvailable Event and retry.
   * 5. Write it with up to 3 patches; on failure give it back (unless the server timed out),
   *    record CIDRAssignmentFailed and retry.
   */
  async reconcile(name: string): Promise<void> {
    const node = this.nodes.indexer.get(name);
    if (!node) return;
    if (node.metadata.deletionTimestamp) {
      for (const cidr of nodePodCIDRs(node.spec)) this.cidrs.release(cidr);
      return;
    }
    if (nodePodCIDRs(node.spec).length > 0) {
      this.occupy(node);
      return;
    }
    let cidr: string;
    try {
      cidr = this.cidrs.allocateNext();
    } catch (error) {
      this.recordStatusChange(node, "CIDRNotAvailable");
      throw new Error(
        `failed to allocate cidr from cluster cidr ${this.cidrs.clusterCIDR}: ${messageOf(error)}`,
        { cause: error },
      );
    }
    let lastError: unknown;
    for (let attempt = 0; attempt < CIDR_UPDATE_RETRIES; attempt++) {
      try {
        await this.client.patch(name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, "strategic");
        this.ctx.log(`[${this.name}] set node ${name} podCIDRs to [${cidr}]`);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    this.recordStatusChange(node, "CIDRAssignmentFailed");
    if (!(lastError instanceof ApiError && lastError.reason === "ServerTimeout"))
      this.cidrs.release(cidr);
    throw new Error(`failed to patch node ${name} podCIDRs to [${cidr}]: ${messageOf(lastError)}`, {
      cause: lastError,
    });
  }
  // #endregion reconcile

  private occupy(node: Node): void {
    for (const cidr of nodePodCIDRs(node.spec)) {
      try {
        this.cidrs.occupy(cidr);
      } catch (error) {
        throw new Error(
          `failed to mark cidr ${cidr} as occupied for node ${node.metadata.name}: ${messageOf(error)}`,
          { cause: error },
        );
      }
    }
  }

  /**
   * RecordNodeStatusChange: a Warning on the node, "Node <name> status is now: <status>". The
   * reference names the node as Kubernetes' does: kind, name and uid, no resourceVersion.
   */
  private recordStatusChange(node: Node, status: string): void {
    const ref = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: node.metadata.name, uid: node.metadata.uid },
    };
    this.recorder.event(
      ref,
      "Warning",
      status,
      `Node ${node.metadata.name} status is now: ${status}`,
    );
  }
}
