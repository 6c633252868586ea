/**
 * The networking.k8s.io/v1 Ingress and IngressClass fields the ingress controller reads, and the
 * core/v1 Secret fields of a TLS certificate. Objects travel as plain JSON; these interfaces name
 * what the controller uses and leave the rest open (as api/types.ts does for other kinds).
 */
import type { KubeObject } from "../api/object.ts";

/** A Service and one of its ports: `number` or `name`, never both (validation sees to it). */
export interface IngressServiceBackend {
  name: string;
  port: { number?: number; name?: string };
}

/** A Service, or a reference to another kind of object (which this controller does not serve). */
export interface IngressBackend {
  service?: IngressServiceBackend;
  resource?: { apiGroup?: string; kind: string; name: string };
}

export type PathType = "Exact" | "Prefix" | "ImplementationSpecific";

export interface HTTPIngressPath {
  /** Absolute for Exact and Prefix; may be empty for ImplementationSpecific. */
  path?: string;
  pathType: PathType;
  backend: IngressBackend;
}

export interface IngressRule {
  /** Lower-case DNS name, or "*." and one: absent means every host. */
  host?: string;
  http?: { paths: HTTPIngressPath[] };
}

export interface IngressTLS {
  hosts?: string[];
  secretName?: string;
}

export interface IngressLoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ports?: { port: number; protocol: string; error?: string }[];
}

export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    rules?: IngressRule[];
    tls?: IngressTLS[];
  };
  status?: { loadBalancer?: { ingress?: IngressLoadBalancerIngress[] } };
}

export interface IngressClass extends KubeObject {
  spec?: {
    /** Which controller implements the class, e.g. "k8s.io/ingress-nginx". Immutable. */
    controller?: string;
    parameters?: { apiGroup?: string; kind: string; name: string; scope?: string };
  };
}

/** A Secret; type kubernetes.io/tls carries `tls.crt` and `tls.key`, base64 in `data`. */
export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}
