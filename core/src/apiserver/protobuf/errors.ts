/**
 * Why a protobuf body could not be decoded. Two families, because the API server answers them
 * differently:
 *
 * - ProtobufDecodeError: the body is not a valid Kubernetes protobuf message (wrong magic,
 *   truncated, a field with the wrong wire type). The client sent garbage: 400 BadRequest.
 * - UnsupportedProtobufError: the body is well-formed, but tinykube has no schema for what it
 *   carries (a kind, or a field of a kind, that tinykube's .proto files leave out). The same object
 *   sent as JSON may well work: 415 UnsupportedMediaType, with a message that says so.
 */

export class ProtobufDecodeError extends Error {
  override name = "ProtobufDecodeError";
}

export class UnsupportedProtobufError extends Error {
  override name = "UnsupportedProtobufError";
}

/** The envelope names a kind tinykube cannot decode from protobuf (batch/v1 Job, ...). */
export class UnsupportedProtobufType extends UnsupportedProtobufError {
  override name = "UnsupportedProtobufType";
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(
      `the protobuf body for ${apiVersion} ${kind} is not supported by tinykube; send the object ` +
        `as JSON instead (for example: kubectl create ... --dry-run=client -o json | kubectl create -f -)`,
    );
  }
}

/**
 * The body sets a field that tinykube's .proto files leave out (a pod's volumes, say). Dropping
 * it would store a different object than the client asked for, so the decoder refuses instead.
 */
export class UnsupportedProtobufField extends UnsupportedProtobufError {
  override name = "UnsupportedProtobufField";
  constructor(
    /** The protobuf message that holds the field, as "k8s.io.api.core.v1.PodSpec". */
    readonly messageType: string,
    readonly fieldNumber: number,
    /** Where the message sits in the object, as "spec.template.spec" ("" for the object itself). */
    readonly path: string,
  ) {
    super(
      `the protobuf body sets field ${fieldNumber} of ${messageType} (at ${path || "the top level"}), ` +
        "which tinykube does not decode; send the object as JSON instead",
    );
  }
}
