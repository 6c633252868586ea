export {
  backoffDuration,
  DEFAULT_POD_INITIAL_BACKOFF_MS,
  DEFAULT_POD_MAX_BACKOFF_MS,
} from "./backoff.ts";
export type { ClusterEvent, EventRegistration, EventResource } from "./events.ts";
export {
  ActionType,
  AssignedPodAdd,
  AssignedPodDelete,
  AssignedPodUpdate,
  eventMatches,
  NodeAdd,
  NodeAllocatableChange,
  NodeConditionChange,
  NodeDelete,
  NodeLabelChange,
  NodeSpecUnschedulableChange,
  NodeTaintChange,
  PLUGIN_EVENTS,
  podMatchesEvent,
  UnschedulableTimeout,
  WildCardEvent,
} from "./events.ts";
export { Heap } from "./heap.ts";
export type { QueuedPodInfo } from "./queued-pod-info.ts";
export { podKey, podPriority, prioritySortLess } from "./queued-pod-info.ts";
export type { PreEnqueueCheck, PriorityQueueOptions, SubQueue } from "./scheduling-queue.ts";
export {
  AlreadyQueuedError,
  BACKOFF_FLUSH_PERIOD_MS,
  DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_MS,
  isPodUpdated,
  PriorityQueue,
  QueueClosedError,
  UNSCHEDULABLE_FLUSH_PERIOD_MS,
} from "./scheduling-queue.ts";
