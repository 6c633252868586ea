/**
 * Lab 1's checks: the core's own contract cases for KeyHistory, then the whole store contract with
 * the reader's KeyHistory inside the embedded store. The runner sets TINYKUBE_LAB_IMPL to the file
 * under test (the reader's, the starter, or the core's).
 */

import { EmbeddedStore, type KeyHistoryLike } from "@tinykube/core/store";
import { describeStoreContract } from "@tinykube/core/store/contract";
import { describeKeyHistory } from "@tinykube/core/store/key-history.cases";
import { FakeClock } from "@tinykube/core/util";
import { labImplementation } from "../src/impl.ts";

const { KeyHistory } = await labImplementation<{ KeyHistory: new () => KeyHistoryLike }>(
  "KeyHistory",
);
const make = () => new KeyHistory();

describeKeyHistory("your KeyHistory", make);

const clock = new FakeClock();
describeStoreContract("embedded store using your KeyHistory", {
  open: (options) => EmbeddedStore.open({ clock, history: make, ...options }),
  expire: (ttl) => clock.advance(ttl * 1000),
  expiryWaitMs: 2000,
  advance: (ms) => clock.advance(ms),
});
