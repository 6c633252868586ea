/**
 * Crash safety: a child process writes to the embedded store and reports every acknowledged write;
 * the parent kills it with SIGKILL at random moments, reopens the store and checks that every
 * acknowledged write is there, that transactions are all-or-nothing, and that nothing half-written
 * appears. The same directory is reused across kills, so recovery also recovers from recoveries
 * and from snapshots taken between kills.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { valueForKey } from "./crash-values.ts";
import { EmbeddedStore } from "./embedded.ts";

const here = dirname(fileURLToPath(import.meta.url));
const KILLS = 24;

/** A small seeded generator, so a failing run can be replayed with TINYKUBE_CRASH_SEED. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** Runs the writer until it has acknowledged `acks` writes, then SIGKILLs it. */
async function writeThenKill(dir: string, run: number, acks: number): Promise<Map<string, number>> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(here, "crash-child.ts"), dir, String(run)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.add(child);
  const acked = new Map<string, number>();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  let killed = false;
  for await (const line of lines) {
    const [word, key, rev] = line.split(" ");
    if (word === "ack") acked.set(key as string, Number(rev));
    if (!killed && (acked.size >= acks || (word === "ready" && acks === 0))) {
      killed = true;
      child.kill("SIGKILL");
    }
  }
  await exited;
  children.delete(child);
  expect(killed, `writer for run ${run} exited before it was killed (code ${child.exitCode})`).toBe(
    true,
  );
  return acked;
}

describe("crash safety", () => {
  const seed = Number(process.env.TINYKUBE_CRASH_SEED ?? Date.now() % 1_000_000);
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged write through ${KILLS} SIGKILLs (seed ${seed})`, async () => {
    dir = await mkdtemp(join(tmpdir(), "tinykube-crash-"));
    const rand = random(seed);
    const everAcked = new Map<string, number>();
    let lastRevision = 0;
    for (let run = 0; run < KILLS; run++) {
      const acks = Math.floor(rand() * 400);
      for (const [key, rev] of await writeThenKill(dir, run, acks)) everAcked.set(key, rev);

      const store = await EmbeddedStore.open({ dataDir: dir });
      const revision = await store.revision();
      const where = `after kill ${run + 1} (seed ${seed}, ${acks} acks wanted)`;
      expect(revision, `revision went backwards ${where}`).toBeGreaterThanOrEqual(lastRevision);
      lastRevision = revision;
      const { kvs } = await store.range({ key: "/crash/", prefix: true });
      const present = new Map(kvs.map((kv) => [kv.key, kv]));
      for (const [key, rev] of everAcked) {
        const kv = present.get(key);
        expect(kv, `acknowledged write ${key} @${rev} missing ${where}`).toBeDefined();
        expect(kv?.modRevision, `${key} has the wrong revision ${where}`).toBe(rev);
      }
      for (const kv of kvs) {
        expect(kv.value, `${kv.key} half-written ${where}`).toBe(valueForKey(kv.key));
        if (kv.key.endsWith("/a") || kv.key.endsWith("/b")) {
          const other = kv.key.replace(/\/[ab]$/, (m) => (m === "/a" ? "/b" : "/a"));
          expect(
            present.get(other)?.modRevision,
            `transaction ${kv.key} only half applied ${where}`,
          ).toBe(kv.modRevision);
        }
      }
      await store.close();
    }
    expect(everAcked.size).toBeGreaterThan(KILLS * 50);
  }, 120_000);
});
