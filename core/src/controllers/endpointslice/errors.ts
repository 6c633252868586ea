/**
 * Errors the endpoints and endpointslice controllers tell apart (pkg/controller/util/endpointslice
 * errors.go; apimachinery's HasStatusCause).
 */

import { ApiError } from "../../client/rest.ts";
import { messageOf } from "../../util/errors.ts";

/**
 * The cache is behind this controller's own writes: the sync is retried after a back-off, by
 * which time the informer has caught up. Not a failure of the API server.
 */
export class StaleInformerCacheError extends Error {
  override name = "StaleInformerCacheError";
}

/**
 * The API server refused a create because the namespace is being deleted (the Status carries the
 * cause NamespaceTerminating). Retrying cannot succeed; the namespace controller will delete the
 * Service soon, so the sync is dropped.
 */
export function isNamespaceTerminating(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.status.details?.causes ?? []).some((c) => c.reason === "NamespaceTerminating")
  );
}

/** utilerrors.NewAggregate's message: one error as itself, several as "[a, b]". */
export function aggregate(errors: unknown[]): Error | undefined {
  if (errors.length === 0) return undefined;
  if (errors.length === 1)
    return errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
  return new Error(`[${errors.map(messageOf).join(", ")}]`);
}
