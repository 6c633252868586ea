/**
 * The process runtime's small file primitives. Every record it keeps is a JSON file that readers
 * — this runtime, a restarted one, the shim — may read at any moment, so:
 * - writeJsonAtomic writes a temporary file beside the target and renames it over the target;
 *   rename(2) within a directory is atomic, so a reader sees the old record or the new one,
 *   never half of one. The temporary name carries the writer's pid and a random suffix, so the
 *   runtime and a shim never write to the same temporary file.
 * - readJson answers undefined for a file that does not exist (removed, or not yet written).
 * - newId is 32 random bytes in hex (64 characters), as containerd's util.GenerateID makes
 *   sandbox and container IDs.
 */
import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

export const newId = (): string => randomBytes(32).toString("hex");

export const isNotFound = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
