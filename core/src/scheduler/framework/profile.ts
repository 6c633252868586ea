/**
 * A Profile: one schedulerName and the plugin instances serving each extension point, with the
 * Score weights — what kube-scheduler's NewFramework (framework/runtime/framework.go) builds from
 * a KubeSchedulerProfile and a Registry. Pods choose a profile with spec.schedulerName.
 *
 * Guarantees (each checked while building, with Kubernetes' error wording):
 * - Every enabled name is registered: `FilterPlugin "Foo" does not exist`.
 * - A plugin named at a specific point implements it: `plugin "Foo" does not extend FilterPlugin plugin`.
 * - No plugin serves one point twice: `plugin "Foo" already registered as "FilterPlugin"`.
 * - Exactly one QueueSort plugin and at least one Bind plugin.
 * - Every Score plugin has a weight of at least 1 (0 or unset means 1).
 * - Each plugin is built once per profile, with its pluginConfig args, however many points it serves.
 */
import type { ExtensionPoint, PluginRef, ProfileConfig, SchedulerConfig } from "./config.ts";
import type { Registry } from "./registry.ts";
import type {
  BindPlugin,
  FilterPlugin,
  PermitPlugin,
  Plugin,
  PostBindPlugin,
  PostFilterPlugin,
  PreBindPlugin,
  PreFilterPlugin,
  PreScorePlugin,
  ReservePlugin,
  ScorePlugin,
} from "./types.ts";

export interface Profile {
  schedulerName: string;
  /** The profile's own percentageOfNodesToScore; unset defers to the top-level value. */
  percentageOfNodesToScore?: number;
  /** Plugins the queue calls: PreEnqueue gates and the one QueueSort (method `less`). */
  preEnqueue: Plugin[];
  queueSort: Plugin[];
  preFilter: PreFilterPlugin[];
  filter: FilterPlugin[];
  postFilter: PostFilterPlugin[];
  preScore: PreScorePlugin[];
  score: ScorePlugin[];
  reserve: ReservePlugin[];
  permit: PermitPlugin[];
  preBind: PreBindPlugin[];
  bind: BindPlugin[];
  postBind: PostBindPlugin[];
  /** Score plugin name → weight (≥ 1). */
  scoreWeights: Map<string, number>;
}

/** A profile with no plugins, for tests and for building by hand. */
export function emptyProfile(schedulerName = "default-scheduler"): Profile {
  return {
    schedulerName,
    preEnqueue: [],
    queueSort: [],
    preFilter: [],
    filter: [],
    postFilter: [],
    preScore: [],
    score: [],
    reserve: [],
    permit: [],
    preBind: [],
    bind: [],
    postBind: [],
    scoreWeights: new Map(),
  };
}

/**
 * Each point with the Go interface name Kubernetes prints in errors and the method that marks
 * a plugin as implementing it. The order is getExtensionPoints', which fixes which name an
 * unknown multiPoint plugin is reported under (the first: PreFilterPlugin).
 */
const POINTS: { point: ExtensionPoint; type: string; method: string }[] = [
  { point: "preFilter", type: "PreFilterPlugin", method: "preFilter" },
  { point: "filter", type: "FilterPlugin", method: "filter" },
  { point: "postFilter", type: "PostFilterPlugin", method: "postFilter" },
  { point: "reserve", type: "ReservePlugin", method: "reserve" },
  { point: "preScore", type: "PreScorePlugin", method: "preScore" },
  { point: "score", type: "ScorePlugin", method: "score" },
  { point: "preBind", type: "PreBindPlugin", method: "preBind" },
  { point: "bind", type: "BindPlugin", method: "bind" },
  { point: "postBind", type: "PostBindPlugin", method: "postBind" },
  { point: "permit", type: "PermitPlugin", method: "permit" },
  { point: "preEnqueue", type: "PreEnqueuePlugin", method: "preEnqueue" },
  { point: "queueSort", type: "QueueSortPlugin", method: "less" },
];

const implementsMethod = (plugin: Plugin, method: string) =>
  typeof (plugin as unknown as Record<string, unknown>)[method] === "function";

// #region build-profile
/**
 * Builds a profile, in five steps (NewFramework's order):
 *   1. Build every plugin the profile names anywhere, once, passing its pluginConfig args.
 *   2. Fill each point from its own enabled list.
 *   3. Expand multiPoint: add each multiPoint plugin to every point it implements, unless that
 *      point disables it (or "*"), or already names it (then the point's entry wins and moves
 *      first). Order at a point: overridden plugins, then multiPoint ones, then the point's others.
 *   4. Require one QueueSort and at least one Bind plugin.
 *   5. Take Score weights from score.enabled first, then multiPoint; 0 or unset means 1.
 */
export function buildProfile(config: ProfileConfig, registry: Registry): Profile {
  const profile = emptyProfile(config.schedulerName);
  if (config.percentageOfNodesToScore !== undefined) {
    profile.percentageOfNodesToScore = config.percentageOfNodesToScore;
  }
  const { plugins } = config;

  // 1. Instantiate what is needed and registered; unknown names fail in steps 2 and 3.
  const needed = new Set<string>();
  for (const set of Object.values(plugins)) for (const p of set.enabled) needed.add(p.name);
  const instances = new Map<string, Plugin>();
  for (const name of needed) {
    const factory = registry.get(name);
    if (!factory) continue;
    try {
      instances.set(name, factory(config.pluginConfig.get(name)));
    } catch (err) {
      throw new Error(`initializing plugin "${name}": ${(err as Error).message}`, { cause: err });
    }
  }

  for (const { point, type, method } of POINTS) {
    // 2. The point's own list.
    const own: string[] = [];
    for (const { name } of plugins[point].enabled) {
      const plugin = instances.get(name);
      if (!plugin) throw new Error(`${type} "${name}" does not exist`);
      if (!implementsMethod(plugin, method)) {
        throw new Error(`plugin "${name}" does not extend ${type} plugin`);
      }
      if (own.includes(name)) throw new Error(`plugin "${name}" already registered as "${type}"`);
      own.push(name);
    }
    // 3. multiPoint expansion.
    const disabled = new Set(plugins[point].disabled.map((p) => p.name));
    const overrides: string[] = [];
    const fromMultiPoint: string[] = [];
    if (!disabled.has("*")) {
      for (const { name } of plugins.multiPoint.enabled) {
        const plugin = instances.get(name);
        if (!plugin) throw new Error(`${POINTS[0]?.type} "${name}" does not exist`);
        if (!implementsMethod(plugin, method) || disabled.has(name)) continue;
        if (own.includes(name)) {
          overrides.push(name);
          continue;
        }
        if (fromMultiPoint.includes(name)) {
          throw new Error(`plugin "${name}" already registered as "${type}"`);
        }
        fromMultiPoint.push(name);
      }
    }
    const ordered = [
      ...own.filter((n) => overrides.includes(n)),
      ...fromMultiPoint,
      ...own.filter((n) => !overrides.includes(n)),
    ];
    (profile[point] as Plugin[]) = ordered.map((n) => instances.get(n) as Plugin);
  }

  // 4. The queue needs one order for all pods; binding needs someone to bind.
  if (profile.queueSort.length !== 1) {
    throw new Error(
      `only one queue sort plugin required for profile with scheduler name "${config.schedulerName}", but got ${profile.queueSort.length}`,
    );
  }
  if (profile.bind.length === 0) {
    throw new Error(
      `at least one bind plugin is needed for profile with scheduler name "${config.schedulerName}"`,
    );
  }

  // 5. Weights: a point-specific entry beats the multiPoint default (getScoreWeights).
  const weighted: PluginRef[] = [...plugins.score.enabled, ...plugins.multiPoint.enabled];
  for (const { name, weight } of weighted) {
    const plugin = instances.get(name);
    if (!plugin || !implementsMethod(plugin, "score") || profile.scoreWeights.has(name)) continue;
    profile.scoreWeights.set(name, weight || 1);
  }
  for (const plugin of profile.score) {
    if (!profile.scoreWeights.get(plugin.name)) {
      throw new Error(`score plugin "${plugin.name}" is not configured with weight`);
    }
  }
  return profile;
}
// #endregion build-profile

/**
 * Builds every profile of a configuration, keyed by schedulerName (profile.NewMap). All profiles
 * share one scheduling queue, so they must sort it the same way: the same QueueSort plugin with
 * the same args.
 */
export function buildProfiles(config: SchedulerConfig, registry: Registry): Map<string, Profile> {
  const profiles = new Map<string, Profile>();
  let first: { plugin: string; args: string } | undefined;
  for (const c of config.profiles) {
    let profile: Profile;
    try {
      profile = buildProfile(c, registry);
    } catch (err) {
      throw new Error(
        `creating profile for scheduler name ${c.schedulerName}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (profiles.has(c.schedulerName)) {
      throw new Error(`duplicate profile with scheduler name "${c.schedulerName}"`);
    }
    const queueSort = (profile.queueSort[0] as Plugin).name;
    const args = JSON.stringify(c.pluginConfig.get(queueSort) ?? null);
    first ??= { plugin: queueSort, args };
    if (first.plugin !== queueSort) {
      throw new Error(
        `different queue sort plugins for profile "${c.schedulerName}": "${queueSort}", first: "${first.plugin}"`,
      );
    }
    if (first.args !== args) {
      throw new Error(`different queue sort plugin args for profile "${c.schedulerName}"`);
    }
    profiles.set(c.schedulerName, profile);
  }
  return profiles;
}
