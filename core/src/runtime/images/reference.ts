/**
 * Image references as a pod names them — "tinykube/hello", "tinykube/hello:2.0",
 * "busybox@sha256:<64 hex>" — split into repository, tag and digest, with the grammar of
 * distribution/reference (regexp.go), which containerd and the kubelet parse with:
 * - a repository is path components of lowercase letters and digits, joined inside a component
 *   by one "." or "_", two "_", or any number of "-" (so "tinykube/cpu-burner", not "Hello");
 * - a tag is `[\w][\w.-]{0,127}`;
 * - a digest is "sha256:" and 64 lowercase hex digits (the only algorithm tinykube makes).
 * A reference without tag or digest means ":latest" (normalizedImageName). A malformed
 * reference parses to undefined; in Kubernetes the kubelet rejects it first (InvalidImageName).
 * Because components cannot be "." or "..", a repository is also a safe relative path.
 */
import { normalizedImageName } from "../../api/image-name.ts";

export interface ImageReference {
  /** "tinykube/hello": also the image's directory under the registry root. */
  repository: string;
  /** "latest" when the reference names neither tag nor digest. */
  tag?: string;
  /** "sha256:<hex>": the image ID it must have. */
  digest?: string;
}

const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** distribution/reference's NameTotalLengthMax. */
const NAME_MAX = 255;

export function parseImageReference(image: string): ImageReference | undefined {
  const normalized = normalizedImageName(image);
  const at = normalized.indexOf("@");
  const named = at === -1 ? normalized : normalized.slice(0, at);
  const digest = at === -1 ? undefined : normalized.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) return undefined;
  const colon = named.lastIndexOf(":");
  const hasTag = colon > named.lastIndexOf("/");
  const repository = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag)) return undefined;
  if (repository.length === 0 || repository.length > NAME_MAX) return undefined;
  if (!repository.split("/").every((c) => NAME_COMPONENT.test(c))) return undefined;
  return { repository, ...(tag === undefined ? {} : { tag }), ...(digest ? { digest } : {}) };
}

/** "repository:tag", as repoTags and node status list images. */
export const repoTag = (repository: string, tag: string): string => `${repository}:${tag}`;
