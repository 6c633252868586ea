/**
 * The `pod-template-hash` label: the name suffix of a Deployment's ReplicaSets (web-7d4b9c8f6)
 * and the label that keeps their pods apart (kubernetes `pkg/controller/controller_utils.go`
 * ComputeHash, apimachinery `pkg/util/rand` SafeEncodeString).
 *
 * Kubernetes: FNV-32a over a dump of the PodTemplateSpec, then, if the Deployment's
 * status.collisionCount is set, over 8 more bytes (the count as a little-endian uint32, then 4
 * zero bytes); the 32-bit result in decimal, each digit mapped to a letter or digit.
 *
 * SIMPLIFICATION: Kubernetes dumps the Go struct with go-spew (`%#v`, sorted map keys, Go type
 * names, every zero-valued field). We cannot reproduce that byte for byte, so we hash a canonical
 * JSON instead: object keys sorted at every depth, no whitespace, absent fields left out. So the
 * hash of a template differs from the one real Kubernetes computes, and `kubectl` users should
 * not expect the same ReplicaSet names. Everything else is the same: FNV-32a, the collision
 * bytes, SafeEncodeString, and the properties that matter:
 * - deterministic: the same template (in any key order) gives the same hash;
 * - a different template, or a different collisionCount, almost always gives a different hash;
 * - at most 10 characters (a uint32 has at most 10 digits), only from "bcdfghjklmnpqrstvwxz2456789",
 *   in fact only from "456789bcdf", since the encoded string is made of digits.
 *
 * Worked example: the template {spec: {containers: [{name: "web", image: "nginx:1.27"}]},
 * metadata: {labels: {app: "web"}}} is hashed as
 *
 *   {"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1.27","name":"web"}]}}
 *   FNV-32a → 2748304581 → digits 2 7 4 8 3 0 4 5 8 1 → "6c8d7489d5"
 *
 * (digit d is the rune 48 + d, and (48 + d) mod 27 picks the letter: 0→4 … 5→9, 6→b … 9→f).
 * With collisionCount 1, the 8 bytes 01 00 00 00 00 00 00 00 follow: 84549956 → "d898ff9b".
 */

/** The label key (apps/v1 DefaultDeploymentUniqueLabelKey). */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

/** apimachinery's rand alphabet: no vowels, no 0/1/3, so no words and nothing to misread. */
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

/** FNV-1a, 32-bit: offset basis 2166136261, prime 16777619 (the FNV specification). */
const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** Continues an FNV-32a hash over `bytes`; start from the offset basis. */
export function fnv32a(bytes: Uint8Array, hash: number = FNV32_OFFSET): number {
  let h = hash;
  for (const byte of bytes) {
    h ^= byte;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** SafeEncodeString: each character c becomes ALPHANUMS[codePoint(c) mod 27]. */
export function safeEncodeString(s: string): string {
  let out = "";
  for (const ch of s) out += ALPHANUMS[(ch.codePointAt(0) ?? 0) % ALPHANUMS.length];
  return out;
}

// #region compute-hash
/**
 * ComputeHash(template, collisionCount), over canonical JSON (see the module comment). The
 * Deployment controller hashes its spec.template, which has no pod-template-hash label yet.
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  let hash = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    // binary.LittleEndian.PutUint32 into an 8-byte buffer: bytes 4..7 stay zero.
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv32a(bytes, hash);
  }
  return safeEncodeString(String(hash));
}
// #endregion compute-hash

/** JSON with object keys sorted at every depth; undefined members dropped, as JSON does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}
