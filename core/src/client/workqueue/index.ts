export { DelayingQueue } from "./delaying.ts";
export type { WorkQueue } from "./queue.ts";
export { Queue } from "./queue.ts";
export type { ControllerRateLimiterOptions, RateLimiter } from "./rate-limiters.ts";
export {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
} from "./rate-limiters.ts";
export { RateLimitingQueue } from "./rate-limiting.ts";
