/**
 * An IPAddress registry on an in-memory store, as the allocator and repair tests use it: the
 * real registry, strategy and validation, without an API server around them.
 */
import { EmbeddedStore } from "../../../store/index.ts";
import { FakeClock } from "../../../util/clock.ts";
import { WatchCache } from "../../storage/watch-cache.ts";
import { Registry } from "../registry.ts";
import { strategyFor } from "../strategies.ts";
import { IPADDRESS_TYPE, type IPAddressStore, registryIPAddresses } from "./ip-addresses.ts";

export interface IPAddressFixture {
  store: EmbeddedStore;
  clock: FakeClock;
  registry: Registry;
  addresses: IPAddressStore;
  close(): Promise<void>;
}

export async function ipAddressFixture(): Promise<IPAddressFixture> {
  const clock = new FakeClock();
  const store = await EmbeddedStore.open({ clock });
  const cache = new WatchCache(store, IPADDRESS_TYPE, { clock });
  const registry = new Registry({
    type: IPADDRESS_TYPE,
    store,
    cache,
    strategy: strategyFor(IPADDRESS_TYPE),
    clock,
  });
  return {
    store,
    clock,
    registry,
    addresses: registryIPAddresses(registry, cache),
    async close() {
      cache.stop();
      await store.close();
    },
  };
}

/** A RandomInt that answers `values` in turn (then the last one again). */
export function fixedRandom(...values: number[]): (n: number) => number {
  let i = 0;
  return (n) => {
    const value = values[Math.min(i++, values.length - 1)] ?? 0;
    if (value >= n) throw new Error(`fixed random value ${value} is not below ${n}`);
    return value;
  };
}
