/**
 * One scheduling cycle as a compact table: what the scheduler's onCycle hook reported (Filter's
 * verdict per node, each Score plugin's weighted score, the outcome), never what the chapter
 * expects. Rows follow node names, so tables of successive cycles line up.
 *
 *   [scheduler] cycle 1: default/web-1 (cpu 500m, memory 1Gi)
 *       node   Filter  Taint  Fit  Balanced  Image  total
 *       a1     ✓         300   87       100      0    487  ← highest
 *       gpu1   ✗ TaintToleration (UnschedulableAndUnresolvable): node(s) had untolerated taint(s)
 *       → a1: the highest total
 */
import type { Pod } from "@tinykube/core/api/types";
import type { CycleTrace } from "@tinykube/core/scheduler/scheduler";

/** A cycle reduced to plain data, for the narration and the test. */
export interface CycleSummary {
  cycle: number;
  /** namespace/name */
  pod: string;
  /** A one-line account of what the pod asks for. */
  asks: string;
  feasible: string[];
  rejected: Record<string, { plugin: string; code: string; reasons: string[] }>;
  /** Per feasible node: each Score plugin's weighted score, and their sum; empty when not scored. */
  scores: Record<string, { total: number; byPlugin: Record<string, number> }>;
  host?: string;
  failure?: string;
  nominatedNodeName?: string;
}

export function summarize(trace: CycleTrace): CycleSummary {
  const rejected: CycleSummary["rejected"] = {};
  for (const [node, s] of trace.rejected) {
    rejected[node] = { plugin: s.plugin ?? "", code: s.code, reasons: [...s.reasons] };
  }
  const scores: CycleSummary["scores"] = {};
  for (const node of trace.scores) {
    scores[node.name] = {
      total: node.totalScore,
      byPlugin: Object.fromEntries(node.scores.map((s) => [s.name, s.score])),
    };
  }
  return {
    cycle: trace.cycle,
    pod: `${trace.pod.metadata.namespace}/${trace.pod.metadata.name}`,
    asks: asks(trace.pod),
    feasible: [...trace.feasible],
    rejected,
    scores,
    ...(trace.host === undefined ? {} : { host: trace.host }),
    ...(trace.failure === undefined ? {} : { failure: trace.failure }),
    ...(trace.nominatedNodeName === undefined
      ? {}
      : { nominatedNodeName: trace.nominatedNodeName }),
  };
}

/** Column headings: the plugins' names are long, and the legend (see `legend`) spells them out. */
const SHORT: Record<string, string> = {
  TaintToleration: "Taint",
  NodeAffinity: "NodeAff",
  NodeResourcesFit: "Fit",
  NodeResourcesBalancedAllocation: "Balanced",
  ImageLocality: "Image",
  PodTopologySpread: "TopoSpread",
  InterPodAffinity: "PodAff",
};

/** "Taint = TaintToleration, ...": what the column headings of these plugins stand for. */
export function legend(plugins: string[]): string {
  return plugins.map((p) => (SHORT[p] && SHORT[p] !== p ? `${SHORT[p]} = ${p}` : p)).join(", ");
}

export function cycleTable(c: CycleSummary): string[] {
  const lines = [`[scheduler] cycle ${c.cycle}: ${c.pod} (${c.asks})`];
  const nodes = [...c.feasible, ...Object.keys(c.rejected)].sort();
  const plugins = [...new Set(Object.values(c.scores).flatMap((s) => Object.keys(s.byPlugin)))];
  const heads = plugins.map((p) => SHORT[p] ?? p);
  const nameWidth = Math.max(4, ...nodes.map((n) => n.length));
  const best = Math.max(...Object.values(c.scores).map((s) => s.total));
  const cell = (value: number | string, head: string) =>
    String(value).padStart(Math.max(head.length, 3));
  if (nodes.length === 0) {
    lines.push(`    → ${outcome(c, best)}`);
    return lines;
  }
  // Not scored (one feasible node, or none): no score columns at all.
  const scoreHeads = plugins.length === 0 ? [] : [...heads, "total"].map((h) => cell(h, h));
  lines.push(`    ${"node".padEnd(nameWidth)}  Filter  ${scoreHeads.join("  ")}`.trimEnd());
  for (const node of nodes) {
    const no = c.rejected[node];
    if (no) {
      lines.push(
        `    ${node.padEnd(nameWidth)}  ✗ ${no.plugin} (${no.code}): ${no.reasons.join(", ")}`,
      );
      continue;
    }
    const s = c.scores[node];
    if (!s) {
      lines.push(`    ${node.padEnd(nameWidth)}  ✓`);
      continue;
    }
    const values = plugins.map((p, i) => cell(s.byPlugin[p] ?? "-", heads[i] as string));
    const mark = s.total === best ? "  ← highest" : "";
    lines.push(
      `    ${node.padEnd(nameWidth)}  ✓       ${[...values, cell(s.total, "total")].join("  ")}${mark}`,
    );
  }
  lines.push(`    → ${outcome(c, best)}`);
  return lines;
}

function outcome(c: CycleSummary, best: number): string {
  if (c.failure !== undefined) {
    const nominated =
      c.nominatedNodeName === undefined || c.nominatedNodeName === ""
        ? ""
        : `\n    → PostFilter: DefaultPreemption nominated ${c.nominatedNodeName}; the pod is not bound in this cycle, it waits for its victims to go`;
    // A FitError says which nodes failed and why; anything else is an error of the cycle itself
    // (a plugin that threw, say), which Kubernetes retries with backoff.
    const fits = /^0\/\d+ nodes are available/.test(c.failure);
    return `${fits ? "no node" : "the cycle failed"}: ${c.failure}${nominated}`;
  }
  if (Object.keys(c.scores).length === 0) {
    return `${c.host}: the only node that passed Filter (with one feasible node Kubernetes skips scoring)`;
  }
  const tied = Object.values(c.scores).filter((s) => s.total === best).length;
  return tied > 1
    ? `${c.host}: one of ${tied} nodes tied at ${best}, picked at random (selectHost)`
    : `${c.host}: the highest total`;
}

/** Tolerations every pod gets at creation (DefaultTolerationSeconds), left out of the narration. */
const ADMISSION_DEFAULT_TOLERATIONS = new Set([
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
]);

/** "cpu 500m, memory 1Gi · nodeSelector zone=a · priority 1000": what the scheduler looks at. */
export function asks(pod: Pod): string {
  const parts: string[] = [];
  const requests = pod.spec.containers.flatMap((c) =>
    Object.entries(
      (c.resources as { requests?: Record<string, string> } | undefined)?.requests ?? {},
    ),
  );
  parts.push(
    requests.length === 0
      ? "no requests"
      : requests.map(([name, value]) => `${name} ${value}`).join(", "),
  );
  const app = pod.metadata.labels?.app;
  if (app) parts.push(`app=${app}`);
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) {
    parts.push(`nodeSelector ${k}=${v}`);
  }
  const terms =
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const e of term.matchExpressions ?? []) {
      parts.push(`requires ${e.key} ${e.operator} [${(e.values ?? []).join(", ")}]`);
    }
  }
  for (const t of pod.spec.tolerations ?? []) {
    // The DefaultTolerationSeconds admission plugin gives every pod these two (300 s): not news.
    if (ADMISSION_DEFAULT_TOLERATIONS.has(t.key ?? "") && t.effect === "NoExecute") continue;
    parts.push(`tolerates ${t.key}${t.value ? `=${t.value}` : ""}:${t.effect ?? "*"}`);
  }
  // The Priority admission plugin resolves the class name into spec.priority on create.
  const priority = pod.spec.priority as number | undefined;
  const priorityClass = pod.spec.priorityClassName as string | undefined;
  if (priority !== undefined && priority !== 0) parts.push(`priority ${priority}`);
  else if (priorityClass) parts.push(`priorityClassName ${priorityClass}`);
  return parts.join(" · ");
}
