/**
 * Fixtures for the table tests: a fixed "now" and timestamps relative to it, so every expected
 * age is exact.
 */
import type { KubeObject } from "../../api/object.ts";
import type { Cell, KindKey, PrintContext } from "./printer.ts";
import { printerFor } from "./printers/index.ts";

export const NOW = Date.parse("2026-01-01T12:00:00Z");

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * An RFC 3339 timestamp this long before NOW, written as Kubernetes writes them (whole seconds).
 * `ago("2m30s")`, `ago("3d")`.
 */
export function ago(duration: string): string {
  let ms = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)([smhd])/g)) {
    ms += Number(n) * (UNITS[unit as string] ?? 0);
  }
  return new Date(NOW - ms).toISOString().replace(".000Z", "Z");
}

/** The cells of one object's row, printed as the API server prints it (wide unless told). */
export function cellsOf(kind: KindKey, obj: KubeObject, ctx: Partial<PrintContext> = {}): Cell[] {
  return printerFor(kind).print(obj, { now: NOW, wide: true, ...ctx }).cells;
}

/** The column names of a kind, as Kubernetes spells them (kubectl upper-cases them). */
export function columnNames(kind: KindKey): string[] {
  return printerFor(kind).columns.map((c) => c.name);
}
