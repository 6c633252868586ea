export type { ImageManifest, ImagePort } from "./manifest.ts";
export { ImageManifestError, parseManifest } from "./manifest.ts";
export { hostArgv, imageBinDir, resolveProcess } from "./process-args.ts";
export type { ImageReference } from "./reference.ts";
export { parseImageReference } from "./reference.ts";
export type { RegistryImage } from "./registry.ts";
export { DEFAULT_REGISTRY_DIR, ImageRegistry } from "./registry.ts";
export type { ResolvedImage } from "./store.ts";
export { NodeImageStore } from "./store.ts";
