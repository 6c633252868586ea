import { createSecureContext } from "node:tls";
import { beforeAll, describe, expect, it } from "vitest";
import type { EndpointSlice, Service } from "../api/types.ts";
import { FakeClock } from "../util/clock.ts";
import { CertificateStore } from "./certificates.ts";
import { ingressClassFor } from "./ingress-class.ts";
import { type CertificateAndKey, selfSignedCertificate } from "./self-signed.ts";
import { buildSnapshot, type SnapshotInput } from "./snapshot.ts";
import type { Ingress } from "./types.ts";

const clock = new FakeClock();
let fake: CertificateAndKey;
beforeAll(async () => {
  fake = await selfSignedCertificate({ commonName: "fake", clock });
});

const OURS = "tinykube.io/ingress-controller";

function ingress(name: string, className: string, service: string, tlsSecret?: string): Ingress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: {
      ingressClassName: className,
      rules: [
        {
          host: `${name}.example.com`,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: service, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
      ...(tlsSecret ? { tls: [{ hosts: [`${name}.example.com`], secretName: tlsSecret }] } : {}),
    },
  };
}

const service = (name: string): Service => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { ports: [{ name: "http", port: 80, targetPort: "http" }] },
});

const slice = (serviceName: string, addresses: string[]): EndpointSlice => ({
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: { name: `${serviceName}-x`, namespace: "default" },
  addressType: "IPv4",
  endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
  ports: [{ name: "http", port: 8080 }],
});

function input(over: Partial<SnapshotInput>): SnapshotInput {
  const services = new Map([["default/web", service("web")]]);
  const slices = new Map([["default/web", [slice("web", ["127.128.0.2", "127.128.0.3"])]]]);
  return {
    ingresses: [],
    classes: [
      ingressClassFor({ name: "tinykube", controller: OURS }),
      ingressClassFor({ name: "nginx", controller: "k8s.io/ingress-nginx" }),
    ],
    selection: { controller: OURS, className: "tinykube" },
    service: (k) => services.get(k),
    slices: (k) => slices.get(k) ?? [],
    secret: () => undefined,
    certificateStore: new CertificateStore(() => {}),
    defaultContext: createSecureContext({ cert: fake.certPem, key: fake.keyPem }),
    clock,
    ...over,
  };
}

describe("buildSnapshot", () => {
  it("serves only Ingresses of our class, with an upstream per backend", () => {
    const snap = buildSnapshot(
      input({ ingresses: [ingress("web", "tinykube", "web"), ingress("theirs", "nginx", "web")] }),
    );
    expect([...snap.served]).toEqual(["default/web"]);
    expect(snap.routes.route("web.example.com", "/")?.key).toBe("default/web:80");
    expect(snap.routes.route("theirs.example.com", "/")).toBeUndefined();
    expect(snap.upstreams.get("default/web:80")?.endpoints).toEqual([
      { address: "127.128.0.2", port: 8080 },
      { address: "127.128.0.3", port: 8080 },
    ]);
  });

  it("notes the Services and Secrets it read, even missing ones, so their arrival triggers a rebuild", () => {
    const snap = buildSnapshot(
      input({
        ingresses: [
          ingress("web", "tinykube", "web"),
          ingress("later", "tinykube", "later", "later-tls"),
        ],
      }),
    );
    expect([...snap.services].sort()).toEqual(["default/later", "default/web"]);
    expect([...snap.secrets]).toEqual(["default/later-tls"]);
    expect(snap.upstreams.get("default/later:80")?.problem).toBe(
      'Service "default/later" not found',
    );
  });

  it("carries each upstream's round-robin position into the next snapshot", () => {
    const first = buildSnapshot(input({ ingresses: [ingress("web", "tinykube", "web")] }));
    expect(first.upstreams.get("default/web:80")?.pick()?.address).toBe("127.128.0.2");
    const second = buildSnapshot(
      input({ ingresses: [ingress("web", "tinykube", "web")], previous: first }),
    );
    expect(second.upstreams.get("default/web:80")?.pick()?.address).toBe("127.128.0.3");
  });
});
