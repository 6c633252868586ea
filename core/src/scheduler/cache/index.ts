export type { CacheDump, SchedulerCacheOptions } from "./cache.ts";
export {
  CLEAN_ASSUMED_PERIOD_MS,
  DEFAULT_ASSUMED_POD_TTL_MS,
  SchedulerCache,
} from "./cache.ts";
export type { CacheErrorReason } from "./errors.ts";
export { CacheError } from "./errors.ts";
export { NodeTree, zoneKey } from "./node-tree.ts";
export { cloneNodeInfo, Snapshot } from "./snapshot.ts";
