/**
 * How objects live in the store: JSON, without a resourceVersion. The resourceVersion is not
 * stored; it is the key's modRevision, filled in on every read — so it can never disagree with
 * the store, as in Kubernetes' etcd3 storage (which stores protobuf; tinykube stores JSON, which
 * is what etcdctl would show you).
 */
import type { KubeObject } from "../../api/object.ts";
import type { KeyValue } from "../../store/index.ts";

export function encode(object: KubeObject): string {
  const { resourceVersion: _omitted, ...metadata } = object.metadata;
  return JSON.stringify({ ...object, metadata });
}

export function decode(kv: KeyValue): KubeObject {
  const object = JSON.parse(kv.value) as KubeObject;
  object.metadata.resourceVersion = String(kv.modRevision);
  return object;
}

/** A resourceVersion from a request: "" and "0" have meanings of their own; others are revisions. */
export function parseResourceVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === "") return undefined;
  if (!/^\d+$/.test(rv)) return Number.NaN;
  return Number(rv);
}
