/**
 * API errors as Kubernetes reports them: a metav1.Status with a reason, a code and a message
 * worded as k8s.io/apimachinery/pkg/api/errors words it. kubectl prints
 * `Error from server (<reason>): <message>`, so the wording is part of the interface.
 */
import type { Status, StatusDetails } from "../api/object.ts";
import { groupResource, type ResourceType } from "../api/scheme.ts";
import { type FieldError, formatInvalid } from "../api/validation.ts";

export class ApiError extends Error {
  override name = "ApiError";
  constructor(readonly status: Status) {
    super(status.message);
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): ApiError {
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

type Named = Pick<ResourceType, "group" | "resource">;

function details(type: Named, name?: string): StatusDetails {
  return {
    ...(name !== undefined ? { name } : {}),
    ...(type.group ? { group: type.group } : {}),
    kind: type.resource,
  };
}

export const notFound = (type: Named, name: string) =>
  failure(404, "NotFound", `${groupResource(type)} "${name}" not found`, details(type, name));

/** Kubernetes' answer to a path it has no handler for: a 404 that names no object. */
export const resourceNotFound = () =>
  failure(404, "NotFound", "the server could not find the requested resource", {});

export const alreadyExists = (type: Named, name: string) =>
  failure(
    409,
    "AlreadyExists",
    `${groupResource(type)} "${name}" already exists`,
    details(type, name),
  );

export const conflict = (type: Named, name: string, why: string) =>
  failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${groupResource(type)} "${name}": ${why}`,
    details(type, name),
  );

export const MODIFIED =
  "the object has been modified; please apply your changes to the latest version and try again";

/** 422 Invalid: `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be ...`. */
export function invalid(
  type: Pick<ResourceType, "group" | "kind">,
  name: string,
  errors: readonly FieldError[],
): ApiError {
  const { message, causes } = formatInvalid(type, name, errors);
  return failure(422, "Invalid", message, {
    name,
    ...(type.group ? { group: type.group } : {}),
    kind: type.kind,
    causes,
  });
}

export const badRequest = (message: string) => failure(400, "BadRequest", message);

export const unauthorized = () => failure(401, "Unauthorized", "Unauthorized");

export const forbidden = (message: string, type?: Named, name?: string) =>
  failure(403, "Forbidden", message, type ? details(type, name) : undefined);

export const methodNotAllowed = () =>
  failure(
    405,
    "MethodNotAllowed",
    "the server does not allow this method on the requested resource",
  );

export const notAcceptable = (accepted: string[]) =>
  failure(
    406,
    "NotAcceptable",
    `only the following media types are accepted: ${accepted.join(", ")}`,
  );

/** 410 for a watch or list from a resourceVersion compaction or the watch cache forgot. */
export const expired = (message: string) => failure(410, "Expired", message);

export const gone = (message: string) => failure(410, "Gone", message);

export const requestEntityTooLarge = (message: string) =>
  failure(413, "RequestEntityTooLarge", `Request entity too large: ${message}`);

export const unsupportedMediaType = (message: string) =>
  failure(415, "UnsupportedMediaType", message);

export const internalError = (cause: unknown) =>
  failure(
    500,
    "InternalError",
    `Internal error occurred: ${cause instanceof Error ? cause.message : String(cause)}`,
  );

export const serviceUnavailable = (message: string) => failure(503, "ServiceUnavailable", message);

export function successStatus(details?: StatusDetails): Status {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    ...(details ? { details } : {}),
    code: 200,
  };
}
