export type { AdvanceOptions } from "./advance-until.ts";
export { advanceUntil } from "./advance-until.ts";
export type { BehaviorRule, ContainerBehavior } from "./behavior.ts";
export { defaultBehavior, shellBehavior } from "./behavior.ts";
export type { FakeImage } from "./images.ts";
export { DEFAULT_IMAGES, fakeImage } from "./images.ts";
export type { FakeRuntimeCall, FakeRuntimeOptions } from "./runtime.ts";
export { FakeRuntime } from "./runtime.ts";
