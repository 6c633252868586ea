export type { Clock, Timer } from "./clock.ts";
export { FakeClock, realClock } from "./clock.ts";
