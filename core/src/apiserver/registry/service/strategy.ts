/**
 * The Service registry's rules (Kubernetes' svcStrategy in pkg/registry/core/service/strategy.go
 * and the begin/after hooks of pkg/registry/core/service/storage/storage.go):
 *
 * - create: status starts empty (`loadBalancer: {}`); then the cluster IP and node ports are
 *   allocated before validation, so validation sees a complete Service (after a check that
 *   refuses bad input before anything is allocated: validateFirst);
 * - update: status stays as it was; fields the new type no longer uses are dropped; values the
 *   client left out are carried over from what was allocated; then allocation for whatever the
 *   change needs (a type change from or to ExternalName, NodePort, LoadBalancer);
 * - delete: the Service answers with itself; afterwards its addresses and ports are released
 *   and its Endpoints object of the same name is deleted (so a Service re-created under that
 *   name never sees stale endpoints);
 * - a PUT of a missing Service creates it.
 *
 * Without allocations (a registry built for tests of other things) the hooks are left out.
 */
import type { KubeObject } from "../../../api/object.ts";
import type { ResourceType } from "../../../api/scheme.ts";
import type { Service } from "../../../api/types.ts";
import type { FieldError } from "../../../api/validation.ts";
import { invalid } from "../../errors.ts";
import { defaultStrategy, type FinishWrite, type Strategy } from "../strategy.ts";
import type { ServiceAllocations, Transaction } from "./allocations.ts";
import { errorMessage } from "./errors.ts";
import {
  dropTypeDependentFields,
  normalizeClusterIPs,
  patchAllocatedValues,
} from "./update-fields.ts";

export interface ServiceStrategyDeps {
  allocations: ServiceAllocations;
  /** Deletes the Endpoints of a deleted Service; a missing one is fine. */
  deleteEndpoints(namespace: string, name: string): Promise<void>;
  log?: (line: string) => void;
}

const asService = (object: KubeObject) => object as Service;

const SERVICE_KIND = { group: "", kind: "Service" };

/** Ends the transaction as the write ended; errors are only logged (a repair loop catches leaks). */
function finishWith(txn: Transaction, log: (line: string) => void): FinishWrite {
  return async (success) => {
    try {
      await (success ? txn.commit() : txn.revert());
    } catch (error) {
      log(
        `[apiserver] finishing a Service's allocations after ${success ? "success" : "failure"}: ${errorMessage(error)}`,
      );
    }
  };
}

// #region validate-first
/**
 * Kubernetes reserves first and validates after, giving back what it reserved when something
 * refuses: a watch on IPAddresses can see an address come and go for a Service that was never
 * stored. tinykube first runs the allocation as a check on a copy (every refusal a real write
 * would give, nothing reserved) and validates that copy, so bad input never touches the store;
 * the answer is the same. What can still come and go: a cluster IP taken before a node-port
 * range turns out full, or before validating admission (ResourceQuota) refuses.
 */
async function validateFirst(
  svc: Service,
  trial: (copy: Service) => Promise<FieldError[]>,
): Promise<void> {
  const errors = await trial(structuredClone(svc));
  if (errors.length > 0) throw invalid(SERVICE_KIND, svc.metadata.name ?? "", errors);
}
// #endregion validate-first

export function serviceStrategy(type: ResourceType, deps?: ServiceStrategyDeps): Strategy {
  const log = deps?.log ?? (() => {});
  const base = defaultStrategy(type, {
    returnDeletedObject: true,
    allowCreateOnUpdate: true,
    prepareForCreate(service) {
      service.status = { loadBalancer: {} };
    },
  });
  return {
    ...base,
    prepareForUpdate(service, old) {
      base.prepareForUpdate(service, old);
      dropTypeDependentFields(asService(service), asService(old));
    },
    ...(deps
      ? {
          // #region service-hooks
          async beginCreate(service, { dryRun }) {
            const svc = asService(service);
            normalizeClusterIPs(svc, undefined);
            // A dry run writes nothing anyway, and must answer as Kubernetes' dry run does.
            if (!dryRun) {
              await validateFirst(svc, async (copy) => {
                await deps.allocations.allocateCreate(copy, "check");
                return base.validate(copy);
              });
            }
            const txn = await deps.allocations.allocateCreate(svc, dryRun ? "dry-run" : "write");
            return finishWith(txn, log);
          },
          async beginUpdate(service, old, { dryRun }) {
            const svc = asService(service);
            patchAllocatedValues(svc, asService(old));
            normalizeClusterIPs(svc, asService(old));
            if (!dryRun) {
              await validateFirst(svc, async (copy) => {
                await deps.allocations.allocateUpdate(copy, asService(old), "check");
                return base.validateUpdate(copy, old);
              });
            }
            const txn = await deps.allocations.allocateUpdate(
              svc,
              asService(old),
              dryRun ? "dry-run" : "write",
            );
            return finishWith(txn, log);
          },
          async afterDelete(service) {
            const { namespace = "", name = "" } = service.metadata;
            await deps.deleteEndpoints(namespace, name).catch((error: unknown) => {
              log(
                `[apiserver] deleting the Endpoints of deleted Service ${namespace}/${name}: ${errorMessage(error)}`,
              );
            });
            await deps.allocations.releaseAllocatedResources(asService(service));
          },
          // #endregion service-hooks
        }
      : {}),
  };
}
