export type { ProberManagerOptions, ProbeUpdate } from "./manager.ts";
export { ProberManager } from "./manager.ts";
export type { PodProbeStatus, ProbedContainer } from "./observed.ts";
export { probeStatusOf } from "./observed.ts";
export type { ProbeEvent } from "./prober.ts";
export type { ProbeResult } from "./results.ts";
export type { Probe, ProbeType } from "./spec.ts";
