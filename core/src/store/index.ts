export { EmbeddedStore, type EmbeddedStoreOptions, type RecoveryReport } from "./embedded.ts";
export {
  CompactedError,
  CorruptDataError,
  FutureRevisionError,
  InvalidRequestError,
  LeaseNotFoundError,
  StoreClosedError,
  StoreError,
  WatchCancelledError,
} from "./errors.ts";
export { EtcdStore, type EtcdStoreOptions } from "./etcd.ts";
export {
  ETCD_NOT_FOUND,
  type EtcdCluster,
  type EtcdMember,
  type EtcdServer,
  findEtcd,
  type StartEtcdClusterOptions,
  type StartEtcdOptions,
  type StopSignal,
  startEtcd,
  startEtcdCluster,
} from "./etcd-server.ts";
export { isTombstone, KeyHistory, type KeyHistoryLike, tombstone } from "./key-history.ts";
export { FROM_KEY, prefixEnd } from "./keys.ts";
export type {
  Compare,
  CompareOp,
  DeleteResult,
  KeySelector,
  KeyValue,
  LeaseGrant,
  LeaseId,
  LeaseStatus,
  ProgressWatch,
  PutResult,
  RangeOptions,
  RangeResult,
  Store,
  Txn,
  TxnOp,
  TxnOpResult,
  TxnResult,
  Watch,
  WatchEvent,
  WatchOptions,
  WatchProgress,
} from "./types.ts";
