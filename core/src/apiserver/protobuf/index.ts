export {
  decodeDeleteOptionsProtobuf,
  decodeKubernetesProtobuf,
} from "./decode.ts";
export { isKubernetesProtobuf, KUBERNETES_PROTOBUF } from "./envelope.ts";
export {
  ProtobufDecodeError,
  UnsupportedProtobufError,
  UnsupportedProtobufField,
  UnsupportedProtobufType,
} from "./errors.ts";
export { PROTOBUF_KINDS } from "./schema.ts";
