import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { FakeClock } from "../util/clock.ts";
import { describeStoreContract } from "./contract.ts";
import { EmbeddedStore } from "./embedded.ts";

const clock = new FakeClock();

describeStoreContract("embedded, memory only", {
  open: (options) => EmbeddedStore.open({ clock, ...options }),
  expire: (ttl) => clock.advance(ttl * 1000),
  expiryWaitMs: 2000,
  advance: (ms) => clock.advance(ms),
});

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
const dataDirs = new WeakMap<EmbeddedStore, string>();

describeStoreContract("embedded, on disk", {
  async open(options) {
    const dataDir = await mkdtemp(join(tmpdir(), "tinykube-store-"));
    dirs.push(dataDir);
    const store = await EmbeddedStore.open({ clock, dataDir, snapshotEvery: 7, ...options });
    dataDirs.set(store, dataDir);
    return store;
  },
  expire: (ttl) => clock.advance(ttl * 1000),
  expiryWaitMs: 2000,
  advance: (ms) => clock.advance(ms),
  async reopen(store) {
    const dataDir = dataDirs.get(store as EmbeddedStore) as string;
    await store.close();
    const again = await EmbeddedStore.open({ clock, dataDir, snapshotEvery: 7 });
    dataDirs.set(again, dataDir);
    return again;
  },
});
