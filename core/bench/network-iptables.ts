/**
 * Part 4 of the network benchmark: how long the iptables renderer (core/src/proxy/iptables) takes
 * to sync 1,000 / 5,000 / 10,000 Services, in full and with one Service changed — kube-proxy's
 * syncProxyRules without the kernel, in this process, on no clock but the CPU's.
 *
 * For each size:
 * 1. A ProxyState holding `services` ClusterIP Services of one port, each with 3 ready endpoints,
 *    fed and applied as the informers would.
 * 2. Full syncs: the first sync of a fresh renderer, then forced ones (as kube-proxy's hourly
 *    full sync), the median of 3.
 * 3. Partial syncs: one Service's slice changes — its third endpoint turns not ready, so its
 *    KUBE-SEP chain goes — then the state applies the change and the renderer syncs that Service
 *    alone; a different Service each time. The median and the slowest.
 * Beyond 1,000 endpoints kube-proxy drops the rules' comments (large-cluster mode): every size
 * here is past it, as real clusters of such sizes are.
 */

import { IptablesRenderer } from "../src/proxy/iptables/renderer.ts";
import { ProxyState } from "../src/proxy/state.ts";
import { makeService, makeSlice } from "../src/proxy/testing.ts";
import { ENDPOINTS_PER_SERVICE, NAMESPACE, type Sizes } from "./network-workload.ts";
import { percentiles } from "./stats.ts";

export interface IptablesRow {
  services: number;
  endpoints: number;
  natRules: number;
  fullMs: number;
  /** iptables-restore input of a full sync, and of a partial one. */
  fullRestoreKB: number;
  incrementalRestoreKB: number;
  incrementalP50Ms: number;
  incrementalMaxMs: number;
}

/** Full syncs timed per size: enough for a median that one GC pause does not decide. */
const FULL_SYNCS = 3;
const NODE_NAME = "network-bench-node";

/** Service `i`'s ClusterIP and its endpoints' pod IPs, unique up to 65,536 Services. */
const clusterIP = (i: number) => `127.98.${i >> 8}.${i & 255}`;
const podIP = (i: number, e: number) => `127.${129 + e}.${i >> 8}.${i & 255}`;

function slice(i: number, lastReady: boolean) {
  return makeSlice(
    `${NAMESPACE}/svc-${i}-1`,
    `svc-${i}`,
    [{ name: "http", port: 8080 }],
    Array.from({ length: ENDPOINTS_PER_SERVICE }, (_, e) => ({
      ip: podIP(i, e),
      ready: e < ENDPOINTS_PER_SERVICE - 1 || lastReady,
    })),
  );
}

// #region benchIptables
export function benchIptables(sizes: Sizes, say: (message: string) => void): IptablesRow[] {
  return sizes.iptablesServices.map((services) => {
    say(`iptables rules for ${services.toLocaleString("en-US")} Services`);
    // 1. The state.
    const state = new ProxyState(NODE_NAME);
    for (let i = 0; i < services; i++) {
      state.onService(
        undefined,
        makeService(`${NAMESPACE}/svc-${i}`, clusterIP(i), [
          { name: "http", port: 80, targetPort: 8080 },
        ]),
      );
      state.onEndpointSlice(slice(i, true), false);
    }
    const all = state.applyChanges().updatedServices;
    // 2. Full syncs.
    const renderer = new IptablesRenderer({ nodeIP: "127.1.249.1", clusterCIDR: "127.128.0.0/9" });
    const full = [];
    let fullRestore = 0;
    let natRules = 0;
    for (let n = 0; n < FULL_SYNCS; n++) {
      if (n > 0) renderer.forceFullSync();
      const r = renderer.sync(state, all);
      if (!r.full) throw new Error(`expected sync ${n + 1} to be full, it was partial`);
      full.push(r.durationMs);
      fullRestore = r.restoreInput.length;
      natRules = r.natRules;
    }
    // 3. Partial syncs, one Service changed each.
    const partial = [];
    let partialRestore = 0;
    for (let n = 0; n < sizes.incrementalSyncs; n++) {
      const i = Math.floor(((n + 0.5) * services) / sizes.incrementalSyncs);
      // Each Service is changed once: its last endpoint leaves the rules.
      state.onEndpointSlice(slice(i, false), false);
      const update = state.applyChanges();
      const r = renderer.sync(state, update.updatedServices);
      if (r.full || r.renderedServicePorts !== 1) {
        throw new Error(
          `expected a partial sync of 1 Service port, got ${r.full ? "a full sync" : `${r.renderedServicePorts} ports`}`,
        );
      }
      partial.push(r.durationMs);
      partialRestore = r.restoreInput.length;
    }
    const fullP = percentiles(full);
    const partialP = percentiles(partial);
    return {
      services,
      endpoints: services * ENDPOINTS_PER_SERVICE,
      natRules,
      fullMs: fullP.p50,
      fullRestoreKB: fullRestore / 1024,
      incrementalRestoreKB: partialRestore / 1024,
      incrementalP50Ms: partialP.p50,
      incrementalMaxMs: Math.max(...partial),
    };
  });
}
// #endregion benchIptables
