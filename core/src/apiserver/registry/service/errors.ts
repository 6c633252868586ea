/**
 * Why an allocator refused, worded as Kubernetes' ipallocator and portallocator errors
 * (pkg/registry/core/service/ipallocator/interfaces.go, portallocator/allocator.go). The
 * Service registry puts the message after "failed to allocate IP <ip>: " or under the node
 * port's field path, so the words are what a user reads.
 */

export type AllocationReason =
  /** No free address or port is left (ErrFull). */
  | "Full"
  /** Someone holds it already (ErrAllocated). */
  | "Allocated"
  /** Inside no service CIDR at all (ErrMismatchedNetwork, from the MetaAllocator). */
  | "MismatchedNetwork"
  /** Inside the CIDR but not usable (network or broadcast address), or outside the port range. */
  | "NotInRange";

export class AllocationError extends Error {
  override name = "AllocationError";
  constructor(
    readonly reason: AllocationReason,
    message: string,
  ) {
    super(message);
  }
}

export const rangeFull = () => new AllocationError("Full", "range is full");

export const ipAllocated = () =>
  new AllocationError("Allocated", "provided IP is already allocated");

export const mismatchedNetwork = () =>
  new AllocationError("MismatchedNetwork", "the provided network does not match the current range");

export const ipNotInRange = (ip: string, cidr: string) =>
  new AllocationError(
    "NotInRange",
    `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`,
  );

export const portAllocated = () =>
  new AllocationError("Allocated", "provided port is already allocated");

export const portNotInRange = (validPorts: string) =>
  new AllocationError(
    "NotInRange",
    `provided port is not in the valid range. The range of valid ports is ${validPorts}`,
  );

/** An error's message for a log line or a wrapped error, without "Error: " in front. */
export const errorMessage = (error: unknown) =>
  error instanceof Error ? error.message : String(error);
