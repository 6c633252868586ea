/**
 * IPAddress objects as the cluster-IP allocator and its repair loop use them: what one looks
 * like (newIPAddress in Kubernetes' ipallocator), and the three operations they need on the
 * IPAddress registry.
 *
 * An IPAddress is named by the address it holds, so "is 127.96.0.10 free?" is "does the object
 * 127.96.0.10 exist?", and the store's create-if-absent transaction decides every race.
 */
import { BUILTIN_TYPES, type ResourceType, storageKey } from "../../../api/scheme.ts";
import type { IPAddress, ParentReference } from "../../../api/types.ts";
import type { WatchCache } from "../../storage/watch-cache.ts";
import type { Registry } from "../registry.ts";

/** networkingv1.LabelIPAddressFamily. */
export const LABEL_IP_FAMILY = "ipaddress.kubernetes.io/ip-family";
/** networkingv1.LabelManagedBy. */
export const LABEL_MANAGED_BY = "ipaddress.kubernetes.io/managed-by";
/** ipallocator.ControllerName: the repair loop only touches addresses with this manager. */
export const IP_ALLOCATOR = "ipallocator.k8s.io";

export const IPADDRESS_TYPE = BUILTIN_TYPES.find(
  (t) => t.group === "networking.k8s.io" && t.resource === "ipaddresses",
) as ResourceType;

export interface ServiceName {
  namespace: string;
  name: string;
}

/** serviceToRef: group "" is left out, as Go's omitempty leaves it out. */
export function serviceRef(service: ServiceName): ParentReference {
  return { resource: "services", namespace: service.namespace, name: service.name };
}

export function newIPAddress(ip: string, service: ServiceName): IPAddress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "IPAddress",
    metadata: {
      name: ip,
      labels: { [LABEL_IP_FAMILY]: "IPv4", [LABEL_MANAGED_BY]: IP_ALLOCATOR },
    },
    spec: { parentRef: serviceRef(service) },
  };
}

/** What the allocator and its repair loop need from the IPAddress registry. */
export interface IPAddressStore {
  /** Resolves once the watch cache holds its first list: the allocator is not ready before. */
  ready(): Promise<void>;
  /**
   * The address's object from the watch cache, as Kubernetes' allocator asks its informer's
   * lister: it may lag a write by a moment, so it only saves a doomed create; `create` decides.
   */
  cached(name: string): IPAddress | undefined;
  /** Whether the object exists, read from the store (not the cache). */
  exists(name: string): Promise<boolean>;
  /** Creates the object; throws the registry's 409 AlreadyExists if the name is taken. */
  create(ipAddress: IPAddress): Promise<void>;
  /** Deletes the object; one that is already gone is not an error. */
  delete(name: string): Promise<void>;
  /** Every IPAddress, read consistently (the repair loop compares them with the Services). */
  list(): Promise<IPAddress[]>;
}

/** The IPAddress registry and its watch cache as an IPAddressStore. */
export function registryIPAddresses(registry: Registry, cache: WatchCache): IPAddressStore {
  return {
    ready: () => cache.start(),
    cached: (name) =>
      cache.object(storageKey(IPADDRESS_TYPE, undefined, name)) as IPAddress | undefined,
    async exists(name) {
      try {
        await registry.get(undefined, name);
        return true;
      } catch (error) {
        if ((error as { code?: number }).code === 404) return false;
        throw error;
      }
    },
    async create(ipAddress) {
      await registry.create(undefined, ipAddress);
    },
    async delete(name) {
      try {
        await registry.delete(undefined, name);
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
      }
    },
    list: async () => (await registry.list(undefined)).items as IPAddress[],
  };
}

export const isAlreadyExists = (error: unknown) =>
  (error as { reason?: string }).reason === "AlreadyExists";
