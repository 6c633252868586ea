/**
 * The ServiceAccount controller: every active namespace has a ServiceAccount named `default` —
 * kube-controller-manager's pkg/controller/serviceaccount/serviceaccounts_controller.go. Pods
 * that name no account run as `default`, and the ServiceAccount admission plugin refuses a pod
 * whose account does not exist, so without this controller no pod could be created in a new
 * namespace.
 *
 * Shape (STYLE rule 1): namespace adds and updates, and ServiceAccount deletions, turn into
 * namespace names on the queue; `reconcile(namespace)` creates what is missing.
 *
 * Guarantees:
 * - A new namespace gets its `default` account; a deleted `default` account is recreated.
 * - Nothing is created in a namespace that is not Active: a Terminating namespace is being
 *   emptied, and the API server would refuse the create anyway.
 * - An account that already exists (in the cache, or per the API server's AlreadyExists) is left
 *   as it is: the controller never updates accounts.
 */
import type { KubeObject } from "../../api/object.ts";
import type { Namespace } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import { keyOf } from "../../client/indexer.ts";
import type { SharedIndexInformer } from "../../client/informer.ts";
import { unwrapTombstone } from "../../client/informer.ts";
import { ApiError, isAlreadyExists, type ResourceClient } from "../../client/rest.ts";
import type { Controller, ControllerContext, ControllerQueue } from "../context.ts";
import { runWorkers } from "../worker.ts";

/** DefaultServiceAccountsControllerOptions: the accounts every namespace gets. */
export const SERVICE_ACCOUNTS_TO_ENSURE = ["default"];

export class ServiceAccountController implements Controller {
  readonly name = "serviceaccount-controller";
  private readonly queue: ControllerQueue;
  private readonly serviceAccounts: SharedIndexInformer<KubeObject>;
  private readonly namespaces: SharedIndexInformer<Namespace>;
  private readonly client: ResourceClient<KubeObject>;

  // #region wiring
  constructor(private readonly ctx: ControllerContext) {
    this.queue = ctx.newQueue("serviceaccount");
    this.client = ctx.client.resource(builtinType("serviceaccounts"));
    this.serviceAccounts = ctx.informers.informerFor("serviceaccounts");
    this.namespaces = ctx.informers.informerFor<Namespace>("namespaces");
    this.serviceAccounts.addEventHandler({
      onDelete: (obj) => this.queue.add(unwrapTombstone(obj).metadata.namespace ?? ""),
    });
    // Updates too: a re-list or resync revisits every namespace, repairing anything missed.
    this.namespaces.addEventHandler({
      onAdd: (ns) => this.queue.add(keyOf(ns)),
      onUpdate: (_old, ns) => this.queue.add(keyOf(ns)),
    });
  }
  // #endregion wiring

  async run(workers: number): Promise<void> {
    await runWorkers(workers, {
      queue: this.queue,
      reconcile: (key) => this.reconcile(key),
      onError: (key, error) =>
        this.ctx.log(
          `[${this.name}] sync of namespace ${key} failed, will retry: ${error instanceof Error ? error.message : error}`,
        ),
    });
  }

  stop(): void {
    this.queue.shutDown();
  }

  // #region reconcile
  /**
   * 1. Read the namespace from the cache; gone, or not Active → nothing to do.
   * 2. For each account to ensure that the cache does not have: create it. AlreadyExists (the
   *    cache lagged) is success; a namespace that began terminating meanwhile is not an error.
   * 3. Any other failure fails the sync, to be retried.
   */
  async reconcile(namespace: string): Promise<void> {
    const ns = this.namespaces.indexer.get(namespace);
    if (ns?.status?.phase !== "Active") return;
    const failures: string[] = [];
    for (const name of SERVICE_ACCOUNTS_TO_ENSURE) {
      if (this.serviceAccounts.indexer.get(`${namespace}/${name}`)) continue;
      try {
        await this.client.in(namespace).create({
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name, namespace },
        });
      } catch (error) {
        if (isAlreadyExists(error) || namespaceTerminating(error)) continue;
        failures.push(
          `creating ServiceAccount ${namespace}/${name}: ${error instanceof Error ? error.message : error}`,
        );
      }
    }
    if (failures.length > 0) throw new Error(failures.join("; "));
  }
  // #endregion reconcile
}

/** The API server's Status cause for a create refused in a namespace being deleted. */
function namespaceTerminating(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.status.details?.causes ?? []).some((c) => c.reason === "NamespaceTerminating")
  );
}
