/**
 * Why a patch was refused, in the shape the API server answers with: an HTTP code, a metav1.Status
 * reason and message. The classification follows kube-apiserver's patch handler
 * (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go):
 *
 * | what went wrong                                  | code | reason                | Status message                       |
 * |--------------------------------------------------|------|-----------------------|--------------------------------------|
 * | body is not a patch of that type (decode error)  | 400  | BadRequest            | the decoder's error                  |
 * | JSON patch operation cannot be applied           | 422  | Invalid               | the generic 422 sentence (see below) |
 * | more than 10,000 JSON patch operations           | 413  | RequestEntityTooLarge | "Request entity too large: ..."      |
 * | malformed strategic merge directive              | 400  | BadRequest            | the directive error                  |
 * | list of lists in a strategic merge patch         | 422  | Invalid               | the generic 422 sentence             |
 * | any other strategic merge patch failure          | 500  | (unknown, omitted)    | the error itself                     |
 * | strategic merge patch on a custom resource       | 415  | UnsupportedMediaType  | the accepted media types             |
 * | server-side apply conflicts                      | 409  | Conflict              | "Apply failed with N conflict(s)..." |
 *
 * A failed JSON patch operation becomes `NewGenericServerResponse(422, ...)`, which throws the
 * operation's error text away and says only "the server rejected our request due to an error in
 * our request"; kubectl prints "The request is invalid: the server rejected our request due to an
 * error in our request". We keep that Status message and carry the real reason (which operation,
 * and evanphx/json-patch's words for why) in `detail`, `operation` and this Error's message, for
 * logs and tests.
 */
import type { Status, StatusCause } from "../object.ts";

/** metav1.StatusReason values a patch can fail with; "" is StatusReasonUnknown (omitted on the wire). */
export type PatchFailureReason =
  | "BadRequest"
  | "Invalid"
  | "Conflict"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "";

/** kube-apiserver's message for any 422 built by NewGenericServerResponse. */
export const GENERIC_INVALID_MESSAGE =
  "the server rejected our request due to an error in our request";

export interface PatchErrorInit {
  code: 400 | 409 | 413 | 415 | 422 | 500;
  reason: PatchFailureReason;
  /** What metav1.Status.message says. */
  statusMessage: string;
  /** The underlying error in the patch library's words, when the Status message hides it. */
  detail?: string;
  /** Index of the JSON patch operation that failed. */
  operation?: number;
  causes?: StatusCause[];
}

export class PatchError extends Error {
  override name = "PatchError";
  readonly code: PatchErrorInit["code"];
  readonly reason: PatchFailureReason;
  readonly statusMessage: string;
  readonly detail: string;
  readonly operation: number | undefined;
  readonly causes: readonly StatusCause[];

  constructor(init: PatchErrorInit) {
    const detail = init.detail ?? init.statusMessage;
    super(init.operation === undefined ? detail : `operation ${init.operation}: ${detail}`);
    this.code = init.code;
    this.reason = init.reason;
    this.statusMessage = init.statusMessage;
    this.detail = detail;
    this.operation = init.operation;
    this.causes = init.causes ?? [];
  }

  /** 400: the body could not be decoded as a patch of its type. */
  static badRequest(message: string): PatchError {
    return new PatchError({ code: 400, reason: "BadRequest", statusMessage: message });
  }

  /** 422 with the generic message, as NewGenericServerResponse(422) builds it. */
  static invalid(detail: string, operation?: number): PatchError {
    return new PatchError({
      code: 422,
      reason: "Invalid",
      statusMessage: GENERIC_INVALID_MESSAGE,
      detail,
      ...(operation === undefined ? {} : { operation }),
    });
  }

  /** 500 with StatusReasonUnknown: an error the handler did not classify, message kept. */
  static unknown(message: string): PatchError {
    return new PatchError({ code: 500, reason: "", statusMessage: message });
  }

  static tooLarge(message: string): PatchError {
    return new PatchError({
      code: 413,
      reason: "RequestEntityTooLarge",
      statusMessage: `Request entity too large: ${message}`,
    });
  }

  /** 415, as negotiation.NewUnsupportedMediaTypeError words it. */
  static unsupportedMediaType(accepted: readonly string[]): PatchError {
    return new PatchError({
      code: 415,
      reason: "UnsupportedMediaType",
      statusMessage: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    });
  }

  /** The metav1.Status the API server replies with. */
  toStatus(): Status {
    const status: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.statusMessage,
      code: this.code,
    };
    if (this.reason !== "") status.reason = this.reason;
    if (this.causes.length > 0) status.details = { causes: [...this.causes] };
    return status;
  }
}
