import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostLocalIpam } from "../ipam.ts";
import { DiskIpamStore } from "./ipam-store.ts";
import { temporaryRoot } from "./testing.ts";

let dir: string;

beforeEach(async () => {
  dir = join(await temporaryRoot("ipam-store"), "ipam");
});

afterEach(async () => {
  await rm(join(dir, ".."), { recursive: true, force: true });
});

describe("DiskIpamStore", () => {
  it("lays holdings out as host-local does: a file per address holding its owner, and the last one reserved", async () => {
    const store = new DiskIpamStore(dir);
    expect(await store.reserve("127.128.1.2", "sandbox-a")).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(["127.128.1.2", "last_reserved_ip.0"]);
    expect(await readFile(join(dir, "127.128.1.2"), "utf8")).toBe("sandbox-a");
    expect(await store.lastReserved()).toBe("127.128.1.2");
  });

  it("reserves an address once, even from two stores on one directory", async () => {
    const [one, two] = [new DiskIpamStore(dir), new DiskIpamStore(dir)];
    const outcomes = await Promise.all([
      one.reserve("127.128.1.2", "a"),
      two.reserve("127.128.1.2", "b"),
    ]);
    expect(outcomes.sort()).toEqual([false, true]);
  });

  it("releases only the owner's addresses, and releasing twice is fine", async () => {
    const store = new DiskIpamStore(dir);
    await store.reserve("127.128.1.2", "a");
    await store.reserve("127.128.1.3", "b");
    await store.release("a");
    await store.release("a");
    expect(await store.holdings()).toEqual(new Map([["127.128.1.3", "b"]]));
    expect(await store.lastReserved(), "kept after release, as host-local keeps it").toBe(
      "127.128.1.3",
    );
  });

  it("an empty or missing directory holds nothing", async () => {
    const store = new DiskIpamStore(dir);
    expect(await store.holdings()).toEqual(new Map());
    expect(await store.lastReserved()).toBeUndefined();
    await expect(store.release("nobody")).resolves.toBeUndefined();
  });

  it("a new allocator on the same directory goes on where the old one stopped", async () => {
    const cidr = "127.128.1.0/24";
    expect(await new HostLocalIpam(new DiskIpamStore(dir)).allocate(cidr, "a")).toBe("127.128.1.2");
    expect(await new HostLocalIpam(new DiskIpamStore(dir)).allocate(cidr, "b")).toBe("127.128.1.3");
  });
});
