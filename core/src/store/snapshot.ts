/**
 * Snapshots: the whole kept state in one file, so the log before it can be deleted.
 *
 * A snapshot file uses the log's framing: a header record, the kept versions in revision order in
 * batches, and an end record with the count (so a file that was cut short is detected even where
 * every record in it is intact). It is written to a temporary name, synced, then renamed: a
 * snapshot either exists whole or not at all.
 */
import { open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { CorruptDataError } from "./errors.ts";
import type { KeyValue } from "./types.ts";
import { frame, readRecords, syncDir } from "./wal.ts";

export interface SnapshotHeader {
  t: "snapshot";
  revision: number;
  compactRevision: number;
  /** The first log segment not covered by this snapshot: recovery replays from it. */
  segment: number;
  leases: { id: string; ttl: number }[];
  nextLeaseId: number;
}

type SnapshotRecord =
  | SnapshotHeader
  | { t: "versions"; kvs: KeyValue[] }
  | { t: "end"; count: number };

export interface SnapshotData {
  header: SnapshotHeader;
  versions: KeyValue[];
}

/** Versions per record: large enough to amortise framing, small enough to keep writes short. */
const BATCH = 1000;

export function snapshotName(segment: number): string {
  return `snap-${String(segment).padStart(10, "0")}.snap`;
}

export async function writeSnapshot(dir: string, data: SnapshotData): Promise<string> {
  const name = snapshotName(data.header.segment);
  const tmp = join(dir, `${name}.tmp`);
  const file = await open(tmp, "w");
  try {
    await file.write(frame(data.header));
    for (let i = 0; i < data.versions.length; i += BATCH) {
      await file.write(frame({ t: "versions", kvs: data.versions.slice(i, i + BATCH) }));
    }
    await file.write(frame({ t: "end", count: data.versions.length }));
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await file.close();
  await rename(tmp, join(dir, name));
  await syncDir(dir);
  return name;
}

export async function readSnapshot(dir: string, name: string): Promise<SnapshotData> {
  const path = join(dir, name);
  const data = await readFile(path);
  const { records } = readRecords<SnapshotRecord>(data, path, false);
  const [header, ...rest] = records;
  if (header?.t !== "snapshot") throw new CorruptDataError(path, 0, "no snapshot header");
  const end = rest.pop();
  if (end?.t !== "end") throw new CorruptDataError(path, data.length, "snapshot has no end record");
  const versions: KeyValue[] = [];
  for (const r of rest) {
    if (r.t !== "versions") throw new CorruptDataError(path, 0, `unexpected record ${r.t}`);
    for (const kv of r.kvs) versions.push(kv);
  }
  if (versions.length !== end.count) {
    throw new CorruptDataError(
      path,
      data.length,
      `${versions.length} versions, end record says ${end.count}`,
    );
  }
  return { header, versions };
}
