/**
 * What the chapter applies, as a user would `kubectl apply` it: two Deployments, three Services
 * and one Ingress, plus the TLS Secret for a.example.
 *
 * The Services name their ClusterIPs, from 127.96.8.0/24. Left out, the API server would allocate
 * one (a random free address of --service-cluster-ip-range, 127.96.0.0/12); named, the chapter
 * prints the same addresses every run, and its kube-proxy never binds an address that another
 * cluster on this machine's loopback interface allocated too — no other chapter or test uses this
 * corner of the range.
 */
import type { KubeObject } from "@tinykube/core/api/object";

export const WEB_IP = "127.96.8.20";
export const API_IP = "127.96.8.21";

/**
 * The `api` Deployment's server: it answers every path with what it received — its pod, the
 * path and the headers an ingress controller adds — as echo servers such as
 * registry.k8s.io/e2e-test-images/agnhost netexec do. A command-style pod on the busybox image:
 * `node` there is the Node.js running tinykube.
 */
const ECHO_SERVER = `
const http = require("node:http");
http.createServer((req, res) => {
  const h = req.headers;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({
    pod: process.env.HOSTNAME, path: req.url, host: h.host,
    "x-forwarded-for": h["x-forwarded-for"], "x-forwarded-host": h["x-forwarded-host"],
    "x-forwarded-proto": h["x-forwarded-proto"],
  }) + "\\n");
}).listen(8080, process.env.POD_IP);
`;

const readiness = (path: string) => ({
  httpGet: { path, port: "http" },
  periodSeconds: 1,
});

function deployment(
  name: string,
  replicas: number,
  container: Record<string, unknown>,
): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name, ports: [{ name: "http", containerPort: 8080 }], ...container }],
        },
      },
    },
  } as KubeObject;
}

export const webDeployment = () =>
  deployment("web", 2, { image: "tinykube/hello:1.0", readinessProbe: readiness("/readyz") });

export const apiDeployment = () =>
  deployment("api", 1, {
    image: "busybox:1.36",
    command: ["node", "-e", ECHO_SERVER],
    readinessProbe: readiness("/"),
  });

function service(name: string, clusterIP: string, app: string, port: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: {
      clusterIP,
      selector: { app },
      // targetPort by name: each pod's port named "http", whatever its number.
      ports: [{ name: "http", port, protocol: "TCP", targetPort: "http" }],
    },
  } as KubeObject;
}

/** ClusterIP Services: one virtual address each, port 80 → the pods' "http" (8080). */
export const webService = () => service("web", WEB_IP, "web", 80);
export const apiService = () => service("api", API_IP, "api", 80);
/** Headless (clusterIP: None): no virtual address; DNS answers with the pods themselves. */
export const webPodsService = () => service("web-pods", "None", "web", 8080);

export const TLS_SECRET = "a-example-tls";

export function tlsSecret(certPem: string, keyPem: string): KubeObject {
  const b64 = (pem: string) => Buffer.from(pem).toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: TLS_SECRET, namespace: "default" },
    type: "kubernetes.io/tls",
    data: { "tls.crt": b64(certPem), "tls.key": b64(keyPem) },
  } as KubeObject;
}

/**
 * Two hosts on one address: a.example → web (everything under /, over HTTP and HTTPS), and
 * b.example → api for /api and below. Nothing else is routed: no defaultBackend.
 */
export function siteIngress(className: string): KubeObject {
  const backend = (name: string) => ({ service: { name, port: { name: "http" } } });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "site", namespace: "default" },
    spec: {
      ingressClassName: className,
      tls: [{ hosts: ["a.example"], secretName: TLS_SECRET }],
      rules: [
        {
          host: "a.example",
          http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("web") }] },
        },
        {
          host: "b.example",
          http: { paths: [{ path: "/api", pathType: "Prefix", backend: backend("api") }] },
        },
      ],
    },
  } as KubeObject;
}
