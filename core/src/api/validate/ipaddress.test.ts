import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, type Json, updateErrors } from "./testing.ts";

const ip: KubeObject = {
  apiVersion: "networking.k8s.io/v1",
  kind: "IPAddress",
  metadata: { name: "127.96.0.10" },
  spec: { parentRef: { resource: "services", namespace: "kube-system", name: "kube-dns" } },
};

describe("IPAddress validation", () => {
  it("accepts an address held by a Service", () => {
    expect(createErrors(ip)).toEqual([]);
  });

  it.each<[string, (x: Json) => void, string[]]>([
    [
      "a name that is not an IP address",
      (x) => (x.metadata.name = "dns"),
      [
        'metadata.name: Invalid value: "dns": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      ],
    ],
    ["no parentRef", (x) => delete x.spec.parentRef, ["spec.parentRef: Required value"]],
    [
      "a parentRef without resource or name",
      (x) => (x.spec.parentRef = { namespace: "default" }),
      ["spec.parentRef.resource: Required value", "spec.parentRef.name: Required value"],
    ],
    [
      "a name with a slash",
      (x) => (x.spec.parentRef.name = "a/b"),
      ["spec.parentRef.name: Invalid value: \"a/b\": may not contain '/'"],
    ],
    [
      "a group that is not a DNS subdomain",
      (x) => (x.spec.parentRef.group = "Gateway"),
      [
        "spec.parentRef.group: Invalid value: \"Gateway\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
  ])("refuses %s", (_, edit, errors) => {
    expect(createErrors(edited(ip, edit))).toEqual(errors);
  });

  it("never lets the parentRef change, but labels may", () => {
    const stored = { ...ip, metadata: { ...ip.metadata, resourceVersion: "5" } };
    expect(
      updateErrors(
        edited(stored, (x) => (x.metadata.labels = { a: "b" })),
        stored,
      ),
    ).toEqual([]);
    expect(
      updateErrors(
        edited(stored, (x) => (x.spec.parentRef.name = "other")),
        stored,
      ),
    ).toEqual([
      'spec.parentRef: Invalid value: {"resource":"services","namespace":"kube-system","name":"other"}: field is immutable',
    ]);
  });
});
