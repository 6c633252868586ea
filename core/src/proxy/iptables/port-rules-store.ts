/**
 * The rendered rules of every Service port, in rule order, with the text of the shared chains
 * cached in blocks — what lets a partial sync at 10,000 Services cost milliseconds.
 *
 * Every sync rewrites KUBE-SERVICES and the filter table whole, one or two lines per port.
 * Joining 10,000 ports' lines each time is most of a sync's work, so the ports are kept in
 * blocks of BLOCK_SIZE, each caching its joined text; changing one port re-joins one block:
 *
 *   10,000 ports → 79 blocks; one port changes → join 128 entries + concatenate 79 block texts
 *
 * Guarantees:
 * - `ordered()` is by Service key, then port key — the order Kubernetes' tests sort rules in
 *   (by the Service name in their comment), so "ns/svc1" comes before "ns/svc10".
 * - Replacing a port keeps its place; adding or removing one re-sorts (once, lazily).
 * - The rule counts always equal the sum over the stored ports.
 */
import type { ServicePortRules } from "./service-rules.ts";

/** Ports per cached block: small enough that re-joining one is cheap, large enough to be few. */
const BLOCK_SIZE = 128;

export interface StoredRules extends ServicePortRules {
  key: string;
  serviceKey: string;
  /** The arrays above as text, each line ending in "\n" ("" when empty). */
  filterText: string;
  natTopText: string;
  chainsText: string;
  natRulesText: string;
}

interface Block {
  keys: string[];
  filterText?: string;
  natTopText?: string;
}

export class PortRulesStore {
  private readonly byKey = new Map<string, StoredRules>();
  private readonly byService = new Map<string, Set<string>>();
  /** Keys in rule order, cut into blocks; null once a key came or went. */
  private blocks: Block[] | null = [];
  private readonly blockOf = new Map<string, Block>();
  filterRules = 0;
  natRules = 0;

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): StoredRules | undefined {
    return this.byKey.get(key);
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  keysOfService(serviceKey: string): string[] {
    return [...(this.byService.get(serviceKey) ?? [])];
  }

  set(entry: StoredRules): void {
    const old = this.byKey.get(entry.key);
    if (old) this.uncount(old);
    else {
      this.blocks = null;
      const keys = this.byService.get(entry.serviceKey) ?? new Set<string>();
      this.byService.set(entry.serviceKey, keys);
      keys.add(entry.key);
    }
    this.byKey.set(entry.key, entry);
    this.filterRules += entry.filterRules.length;
    this.natRules += entry.natTopRules.length + entry.natRules.length;
    const block = this.blocks ? this.blockOf.get(entry.key) : undefined;
    if (block) {
      block.filterText = undefined;
      block.natTopText = undefined;
    }
  }

  delete(key: string): StoredRules | undefined {
    const old = this.byKey.get(key);
    if (!old) return undefined;
    this.byKey.delete(key);
    this.uncount(old);
    const keys = this.byService.get(old.serviceKey);
    keys?.delete(key);
    if (keys?.size === 0) this.byService.delete(old.serviceKey);
    this.blocks = null;
    return old;
  }

  ordered(): StoredRules[] {
    const out: StoredRules[] = [];
    for (const block of this.sortedBlocks()) {
      for (const key of block.keys) out.push(this.byKey.get(key) as StoredRules);
    }
    return out;
  }

  /** Every port's filter rules, in order. */
  filterText(): string {
    let text = "";
    for (const block of this.sortedBlocks()) {
      block.filterText ??= block.keys
        .map((k) => (this.byKey.get(k) as StoredRules).filterText)
        .join("");
      text += block.filterText;
    }
    return text;
  }

  /** Every port's rules in the shared nat chains (KUBE-SERVICES, KUBE-NODEPORTS), in order. */
  natTopText(): string {
    let text = "";
    for (const block of this.sortedBlocks()) {
      block.natTopText ??= block.keys
        .map((k) => (this.byKey.get(k) as StoredRules).natTopText)
        .join("");
      text += block.natTopText;
    }
    return text;
  }

  private sortedBlocks(): Block[] {
    if (this.blocks) return this.blocks;
    const keys = [...this.byKey.values()]
      .sort((a, b) => {
        if (a.serviceKey !== b.serviceKey) return a.serviceKey < b.serviceKey ? -1 : 1;
        return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      })
      .map((entry) => entry.key);
    this.blocks = [];
    this.blockOf.clear();
    for (let i = 0; i < keys.length; i += BLOCK_SIZE) {
      const block: Block = { keys: keys.slice(i, i + BLOCK_SIZE) };
      this.blocks.push(block);
      for (const key of block.keys) this.blockOf.set(key, block);
    }
    return this.blocks;
  }

  private uncount(entry: StoredRules): void {
    this.filterRules -= entry.filterRules.length;
    this.natRules -= entry.natTopRules.length + entry.natRules.length;
  }
}
