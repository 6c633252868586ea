/**
 * Pod address holdings on disk, laid out as host-local's disk backend lays them out under
 * /var/lib/cni/networks/<network>/ (plugins/ipam/host-local/backend/disk/backend.go):
 *
 *   <dir>/127.128.1.2          holds "<sandbox id>": the address is taken
 *   <dir>/last_reserved_ip.0   holds "127.128.1.2": where the next search starts (range 0)
 *
 * Guarantees: reserve creates the address's file with O_EXCL, so of two reservations of one
 * address — also from two runtimes sharing the directory — exactly one succeeds. Holdings
 * survive a restart of the runtime because they are just these files.
 */
import { mkdir, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type IpamStore, parseIpv4 } from "../ipam.ts";
import { isNotFound, writeJsonAtomic } from "./files.ts";

/** host-local's name for the last reserved address of range 0 (lastIPFilePrefix + rangeID). */
const LAST_RESERVED = "last_reserved_ip.0";

export class DiskIpamStore implements IpamStore {
  constructor(private readonly dir: string) {}

  async reserve(ip: string, owner: string): Promise<boolean> {
    await mkdir(this.dir, { recursive: true });
    try {
      await writeFile(join(this.dir, ip), owner, { flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
    await writeJsonAtomic(join(this.dir, LAST_RESERVED), ip);
    return true;
  }

  async release(owner: string): Promise<void> {
    for (const [ip, holder] of await this.holdings()) {
      if (holder !== owner) continue;
      await unlink(join(this.dir, ip)).catch((error: unknown) => {
        // Released meanwhile by another call for the same owner: the outcome is the same.
        if (!isNotFound(error)) throw error;
      });
    }
  }

  async lastReserved(): Promise<string | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, LAST_RESERVED), "utf8")) as string;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async holdings(): Promise<Map<string, string>> {
    const held = new Map<string, string>();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isNotFound(error)) return held;
      throw error;
    }
    for (const name of names) {
      if (parseIpv4(name) === undefined) continue;
      try {
        held.set(name, await readFile(join(this.dir, name), "utf8"));
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return held;
  }
}
