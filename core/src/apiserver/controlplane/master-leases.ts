/**
 * Which API servers are alive, for the `kubernetes` Service's endpoints (Kubernetes' storageLeases
 * in pkg/controlplane/reconcilers/lease.go, the default --endpoint-reconciler-type=lease).
 *
 * Each API server keeps a key /registry/masterleases/<its IP> alive: the key holds a small
 * Endpoints object naming the IP and is attached to a store lease of 15 s, renewed every 10 s.
 * An API server that dies stops renewing; its key expires and the next reconcile of a live one
 * drops its address. Nothing else decides membership: no heartbeat protocol, just TTLs in the
 * store every API server already shares.
 */
import type { Store } from "../../store/index.ts";

/** Kubernetes' storage prefix + "/masterleases/". */
export const MASTER_LEASES_PREFIX = "/registry/masterleases/";

/** --endpoint-reconciler lease TTL: MasterEndpointReconcileTTL, 15 s. */
export const MASTER_LEASE_TTL_SECONDS = 15;

export interface MasterLeases {
  /** The IPs of the API servers whose lease is alive. */
  list(): Promise<string[]>;
  /** Adds or refreshes this API server's lease. */
  update(ip: string): Promise<void>;
  remove(ip: string): Promise<void>;
}

interface LeaseRecord {
  kind: "Endpoints";
  apiVersion: "v1";
  /** Bumped on every refresh: Kubernetes' GuaranteedUpdate writes nothing that did not change. */
  metadata: { generation: number };
  subsets: { addresses: { ip: string }[] }[];
}

export function storeMasterLeases(
  store: Store,
  ttlSeconds = MASTER_LEASE_TTL_SECONDS,
): MasterLeases {
  const key = (ip: string) => MASTER_LEASES_PREFIX + ip;
  return {
    async list() {
      const { kvs } = await store.range({ key: MASTER_LEASES_PREFIX, prefix: true });
      return kvs.flatMap((kv) => {
        const ip = (JSON.parse(kv.value) as LeaseRecord).subsets[0]?.addresses[0]?.ip;
        return ip ? [ip] : [];
      });
    },
    async update(ip) {
      const current = await store.get(key(ip));
      const generation = current
        ? (JSON.parse(current.value) as LeaseRecord).metadata.generation + 1
        : 1;
      const record: LeaseRecord = {
        kind: "Endpoints",
        apiVersion: "v1",
        metadata: { generation },
        subsets: [{ addresses: [{ ip }] }],
      };
      // A new lease per refresh: the key moves to it, and the old one expires holding nothing.
      const lease = await store.grantLease(ttlSeconds);
      await store.put(key(ip), JSON.stringify(record), { lease: lease.id });
    },
    async remove(ip) {
      await store.delete({ key: key(ip) });
    },
  };
}
