/**
 * Kubernetes' time formats on the wire: metav1.Time is RFC 3339 to the second
 * ("2026-11-27T10:00:00Z"); metav1.MicroTime, used by Leases and events.k8s.io, to the
 * microsecond ("2026-11-27T10:00:00.123000Z"). Milliseconds in, text out.
 */
export function metaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
