/**
 * kube-proxy's iptables mode, without the kernel: from the proxy's state, the rules
 * pkg/proxy/iptables/proxier.go syncProxyRules would install, both as the text it hands to
 * `iptables-restore --noflush` on each sync and as the tables stand afterwards.
 *
 * Guarantees:
 * - A full sync renders every Service port. A partial sync renders only the ports of Services
 *   that changed since the last sync and reuses the rest; like Kubernetes it still rewrites the
 *   shared chains (KUBE-SERVICES, KUBE-NODEPORTS, the filter table) in full, but leaves the
 *   per-service chains of unchanged Services out of the restore input.
 * - Chains a changed Service no longer uses (an endpoint gone, the whole Service gone) are
 *   flushed and deleted (`:CHAIN` then `-X CHAIN`) in the same restore.
 * - A full sync happens first, once an hour after (proxyutil.FullSyncPeriod), and whenever
 *   large-cluster mode flips: its rules differ for every Service, so no cached text is reusable
 *   (Kubernetes' partial sync would keep the stale comments until the next full sync).
 * - `save()` prints the tables in iptables-save layout, in the canonical order Kubernetes' own
 *   tests compare them (proxier_test.go sortIPTablesRules): tables by name; KUBE-NODEPORTS, then
 *   KUBE-SERVICES, then the other chains alphabetically; each chain's rules in order. Rules are
 *   spelled as kube-proxy writes them (`-d 10.96.0.1`, `-m tcp -p tcp`, mark 0x00004000); the
 *   kernel's own iptables-save would normalise a few (`-d 10.96.0.1/32`, mark 0x4000).
 * - Each sync reports how long it took; the clock decides only when a full sync is due.
 */
import { type Clock, realClock } from "../../util/clock.ts";
import { categorizeEndpoints } from "../categorize.ts";
import type { ServicePortInfo } from "../service-port.ts";
import type { ProxyState } from "../state.ts";
import { PortRulesStore, type StoredRules } from "./port-rules-store.ts";
import {
  KUBE_EXTERNAL_SERVICES,
  KUBE_FIREWALL,
  KUBE_FORWARD,
  KUBE_MARK_MASQ,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
  type RuleConfig,
  renderServicePort,
} from "./service-rules.ts";

/** largeClusterEndpointsThreshold: beyond this many endpoints, rules drop their comments. */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;
/** proxyutil.FullSyncPeriod: a full sync at least this often, whatever changed. */
export const FULL_SYNC_PERIOD_MS = 3_600_000;
/** --iptables-masquerade-bit default: marks 0x4000. */
export const DEFAULT_MASQUERADE_BIT = 14;
/** metrics.IPTablesCTStateInvalidDroppedNFAcctCounter. */
const INVALID_DROPPED_NFACCT = "ct_state_invalid_dropped_pkts";

export interface IptablesRendererOptions {
  nodeIP?: string;
  /** --iptables-masquerade-bit (default 14). */
  masqueradeBit?: number;
  /** --masquerade-all (default false). */
  masqueradeAll?: boolean;
  /** --cluster-cidr: pod traffic is told apart by it; unset, no such rules are written. */
  clusterCIDR?: string;
  /** --iptables-localhost-nodeports (default true). */
  localhostNodePorts?: boolean;
  /** iptables ≥ 1.6.2 has MASQUERADE --random-fully, and kube-proxy uses it (default true). */
  randomFully?: boolean;
  /** The nfacct counters could be created (default false: it needs the kernel's nfnetlink_acct). */
  nfacct?: boolean;
  /** nf_conntrack_tcp_be_liberal is set: no DROP of INVALID packets (default false). */
  conntrackTCPLiberal?: boolean;
  clock?: Clock;
}

export interface IptablesSyncResult {
  full: boolean;
  /** Service ports rendered afresh in this sync; the rest were reused. */
  renderedServicePorts: number;
  servicePorts: number;
  endpoints: number;
  /** Chains flushed and deleted. */
  deletedChains: number;
  /** Rules in the tables after the sync (Kubernetes' sync_proxy_rules_iptables_total). */
  filterRules: number;
  natRules: number;
  /** What kube-proxy would pass to `iptables-restore --noflush --counters`. */
  restoreInput: string;
  durationMs: number;
}

export class IptablesRenderer {
  /** One entry per Service port in the state at the last sync. */
  private readonly rendered = new PortRulesStore();
  private needFullSync = true;
  private lastFullSync = 0;
  private largeClusterMode = false;
  private readonly clock: Clock;
  private readonly config: Omit<RuleConfig, "largeClusterMode">;
  private readonly markForRestore: string;
  private readonly options: Required<
    Pick<IptablesRendererOptions, "randomFully" | "nfacct" | "conntrackTCPLiberal">
  >;

  constructor(options: IptablesRendererOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.config = {
      nodeIP: options.nodeIP,
      masqueradeAll: options.masqueradeAll ?? false,
      clusterCIDR: options.clusterCIDR,
      localhostNodePorts: options.localhostNodePorts ?? true,
      nfacct: options.nfacct ?? false,
    };
    this.options = {
      randomFully: options.randomFully ?? true,
      nfacct: options.nfacct ?? false,
      conntrackTCPLiberal: options.conntrackTCPLiberal ?? false,
    };
    // Go's fmt.Sprintf("%#08x", 1<<14) pads the digits to 8: "0x00004000".
    const bit = options.masqueradeBit ?? DEFAULT_MASQUERADE_BIT;
    this.markForRestore = `0x${(2 ** bit).toString(16).padStart(8, "0")}`;
  }

  /** Forces the next sync to be full (as the iptables monitor does when the rules vanish). */
  forceFullSync(): void {
    this.needFullSync = true;
  }

  // #region sync
  /**
   * syncProxyRules, minus the kernel:
   * 1. Decide full or partial: full when forced, first, hourly, or large-cluster mode flips.
   * 2. Pick the ports to render (all, or those of updated Services) and the cached ones gone.
   * 3. Render them; collect the chains the re-rendered Services no longer use.
   * 4. Write the restore input: the filter table whole; the nat table's shared chains whole,
   *    the per-service chains of the rendered ports only, then the deletions.
   */
  sync(state: ProxyState, updatedServices: ReadonlySet<string>): IptablesSyncResult {
    const started = performance.now();
    // 1. Full or partial.
    let totalEndpoints = 0;
    for (const key of state.servicePorts.keys()) {
      totalEndpoints += state.endpoints.get(key)?.length ?? 0;
    }
    const large = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
    const full =
      this.needFullSync ||
      large !== this.largeClusterMode ||
      this.clock.now() - this.lastFullSync >= FULL_SYNC_PERIOD_MS;
    this.largeClusterMode = large;
    const config: RuleConfig = { ...this.config, largeClusterMode: large };

    // 2. Which ports to render, and which cached ones are gone.
    const toRender: ServicePortInfo[] = [];
    const removed: string[] = [];
    if (full) {
      for (const key of this.rendered.keys()) if (!state.servicePorts.has(key)) removed.push(key);
      for (const info of state.servicePorts.values()) toRender.push(info);
    } else {
      for (const serviceKey of updatedServices) {
        const ports = state.portsOfService(serviceKey);
        for (const info of ports) toRender.push(info);
        const keep = new Set(ports.map((info) => info.key));
        for (const key of this.rendered.keysOfService(serviceKey)) {
          if (!keep.has(key)) removed.push(key);
        }
      }
    }

    // 3. Render; note the chains that disappear.
    const before = new Set<string>();
    const after = new Set<string>();
    for (const key of removed) {
      for (const chain of this.rendered.delete(key)?.natChains ?? []) before.add(chain);
    }
    for (const info of toRender) {
      for (const chain of this.rendered.get(info.key)?.natChains ?? []) before.add(chain);
      const endpoints = categorizeEndpoints(state.endpoints.get(info.key) ?? [], info);
      const rules = renderServicePort(info, endpoints, config);
      for (const chain of rules.natChains) after.add(chain);
      this.rendered.set({
        ...rules,
        key: info.key,
        serviceKey: info.serviceKey,
        filterText: text(rules.filterRules),
        natTopText: text(rules.natTopRules),
        chainsText: text(rules.natChains.map((chain) => `:${chain} - [0:0]`)),
        natRulesText: text(rules.natRules),
      });
    }
    const deleted = [...before].filter((chain) => !after.has(chain));

    // 4. The restore input.
    const restoreInput = this.restoreInput(full ? null : toRender, deleted);
    if (full) this.lastFullSync = this.clock.now();
    this.needFullSync = false;
    return {
      full,
      renderedServicePorts: toRender.length,
      servicePorts: state.servicePorts.size,
      endpoints: totalEndpoints,
      deletedChains: deleted.length,
      filterRules:
        this.rendered.filterRules + this.filterBaseRules().length + this.forwardRules().length,
      natRules: this.rendered.natRules + this.natBaseRules().length + 1,
      restoreInput,
      durationMs: performance.now() - started,
    };
  }
  // #endregion sync

  /** The tables after the last sync, in iptables-save layout and Kubernetes' canonical order. */
  save(): string {
    const entries = this.rendered.ordered();
    const filterByChain = groupByChain([
      ...this.filterBaseRules(),
      ...entries.flatMap((e) => e.filterRules),
      ...this.forwardRules(),
    ]);
    const natByChain = groupByChain([
      ...this.natBaseRules(),
      ...entries.flatMap((e) => [...e.natTopRules, ...e.natRules]),
      this.nodePortsJump(),
    ]);
    const natChains = sortChains([
      KUBE_SERVICES,
      KUBE_NODEPORTS,
      KUBE_POSTROUTING,
      KUBE_MARK_MASQ,
      ...entries.flatMap((e) => e.natChains),
    ]);
    const filterChains = sortChains(this.filterChains());
    const lines: string[] = ["*filter"];
    for (const chain of filterChains) lines.push(`:${chain} - [0:0]`);
    for (const chain of filterChains) append(lines, filterByChain.get(chain) ?? []);
    lines.push("COMMIT", "*nat");
    for (const chain of natChains) lines.push(`:${chain} - [0:0]`);
    for (const chain of natChains) append(lines, natByChain.get(chain) ?? []);
    lines.push("COMMIT");
    return `${lines.join("\n")}\n`;
  }

  /**
   * The restore input: the filter table, then the nat table's chain declarations and rules —
   * shared chains first, then each written port's own chains. iptables-restore appends each rule
   * to its chain, so only the order within a chain matters, and that is kube-proxy's.
   * `only`: the ports whose own chains are written (null: all of them, a full sync).
   */
  private restoreInput(only: ServicePortInfo[] | null, deleted: string[]): string {
    const written = only
      ? only.map((info) => this.rendered.get(info.key) as StoredRules)
      : this.rendered.ordered();
    const parts: string[] = ["*filter\n"];
    for (const chain of this.filterChains()) parts.push(`:${chain} - [0:0]\n`);
    parts.push(text(this.filterBaseRules()), this.rendered.filterText());
    parts.push(text(this.forwardRules()), "COMMIT\n*nat\n");
    for (const chain of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) {
      parts.push(`:${chain} - [0:0]\n`);
    }
    for (const entry of written) parts.push(entry.chainsText);
    for (const chain of deleted) parts.push(`:${chain} - [0:0]\n`);
    parts.push(text(this.natBaseRules()), this.rendered.natTopText());
    parts.push(`${this.nodePortsJump()}\n`);
    for (const entry of written) parts.push(entry.natRulesText);
    for (const chain of deleted) parts.push(`-X ${chain}\n`);
    parts.push("COMMIT\n");
    return parts.join("");
  }

  /** The filter chains kube-proxy fills on every sync; KUBE-FIREWALL only for localhost NodePorts. */
  private filterChains(): string[] {
    const chains = [
      KUBE_SERVICES,
      KUBE_EXTERNAL_SERVICES,
      KUBE_FORWARD,
      KUBE_NODEPORTS,
      KUBE_PROXY_FIREWALL,
    ];
    if (this.config.localhostNodePorts) chains.push(KUBE_FIREWALL);
    return chains;
  }

  /** kubelet writes the same rule: with route_localnet on, the world could otherwise reach 127/8. */
  private filterBaseRules(): string[] {
    if (!this.config.localhostNodePorts) return [];
    return [
      `-A ${KUBE_FIREWALL} -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    ];
  }

  /** Drop INVALID packets (they cause spurious resets), and let marked and established traffic through. */
  private forwardRules(): string[] {
    const rules: string[] = [];
    if (!this.options.conntrackTCPLiberal) {
      const nfacct = this.options.nfacct
        ? ` -m nfacct --nfacct-name ${INVALID_DROPPED_NFACCT}`
        : "";
      rules.push(`-A ${KUBE_FORWARD} -m conntrack --ctstate INVALID${nfacct} -j DROP`);
    }
    const mark = this.markForRestore;
    rules.push(
      `-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`,
      `-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    );
    return rules;
  }

  /** KUBE-POSTROUTING masquerades marked packets (clearing the mark first); KUBE-MARK-MASQ marks. */
  private natBaseRules(): string[] {
    const mark = this.markForRestore;
    const random = this.options.randomFully ? " --random-fully" : "";
    return [
      `-A ${KUBE_POSTROUTING} -m mark ! --mark ${mark}/${mark} -j RETURN`,
      `-A ${KUBE_POSTROUTING} -j MARK --xor-mark ${mark}`,
      `-A ${KUBE_POSTROUTING} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${random}`,
      `-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${mark}`,
    ];
  }

  /** The last rule of KUBE-SERVICES: anything addressed to this node goes on to KUBE-NODEPORTS. */
  private nodePortsJump(): string {
    const notLoopback = this.config.localhostNodePorts ? "" : " ! -d 127.0.0.0/8";
    return `-A ${KUBE_SERVICES} -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL${notLoopback} -j ${KUBE_NODEPORTS}`;
  }
}

/** Lines as text, each ending in a newline; none is "". */
function text(lines: readonly string[]): string {
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** Rules ("-A CHAIN ...") by chain, in order. */
function groupByChain(rules: readonly string[]): Map<string, string[]> {
  const byChain = new Map<string, string[]>();
  for (const rule of rules) {
    const chain = rule.slice(3, rule.indexOf(" ", 3));
    const list = byChain.get(chain) ?? [];
    byChain.set(chain, list);
    list.push(rule);
  }
  return byChain;
}

/** Appends in a loop: spreading a list of 100,000 lines into push() overflows the stack. */
function append(target: string[], source: readonly string[]): void {
  for (const item of source) target.push(item);
}

/** KUBE-NODEPORTS, KUBE-SERVICES, then the other KUBE-* chains alphabetically, then the rest. */
function sortChains(chains: string[]): string[] {
  const rank = (chain: string) =>
    chain === KUBE_NODEPORTS ? 0 : chain === KUBE_SERVICES ? 1 : chain.startsWith("KUBE-") ? 2 : 3;
  return [...new Set(chains)].sort((a, b) => {
    const d = rank(a) - rank(b);
    if (d !== 0) return d;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}
