/**
 * KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1), the subset tinykube reads:
 * top-level percentageOfNodesToScore and profiles[] with schedulerName, plugins,
 * pluginConfig and percentageOfNodesToScore.
 *
 * Guarantees:
 * - Decoding is strict, as kube-scheduler's is (its codec factory uses serializer.EnableStrict):
 *   an unknown field fails with Kubernetes' wording,
 *   `strict decoding error: unknown field "profiles[0].plugins.unreserve"`.
 * - Defaulting follows pkg/scheduler/apis/config/v1/defaults.go and default_plugins.go: no
 *   profiles means one "default-scheduler" profile; every profile's plugins are the defaults
 *   (all in multiPoint) merged with what the profile enables and disables.
 * - Plugin names are not checked here: only a registry knows them. Building a profile
 *   (profile.ts) reports an unknown one as Kubernetes does: `FilterPlugin "Foo" does not exist`.
 */

import { parse as parseYaml } from "yaml";
import { parseGoDuration } from "../../util/go-duration.ts";

/** The configuration's extension points, in kube-scheduler's field order. */
export const EXTENSION_POINTS = [
  "preEnqueue",
  "queueSort",
  "preFilter",
  "filter",
  "postFilter",
  "preScore",
  "score",
  "reserve",
  "permit",
  "preBind",
  "bind",
  "postBind",
] as const;
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];

export interface PluginRef {
  name: string;
  /** Score weight; only read for Score plugins. 0 or absent means 1 (getScoreWeights). */
  weight?: number;
}

export interface PluginSet {
  enabled: PluginRef[];
  /** "*" disables every default plugin at this point. */
  disabled: PluginRef[];
}

export type Plugins = Record<ExtensionPoint | "multiPoint", PluginSet>;

export interface ProfileConfig {
  schedulerName: string;
  /** Overrides the top-level value when set; 0 means "adaptive" (see feasible.ts). */
  percentageOfNodesToScore?: number;
  plugins: Plugins;
  /** Plugin name → its args, passed to the plugin's factory. */
  pluginConfig: Map<string, unknown>;
}

export interface SchedulerConfig {
  /** 0 (the default) means adaptive: 50% minus 1% per 125 nodes, at least 5%. */
  percentageOfNodesToScore: number;
  /** The queue's backoff for a pod that failed: from 1 s, doubling, up to 10 s (the defaults). */
  podInitialBackoffSeconds: number;
  podMaxBackoffSeconds: number;
  /** Which Lease the scheduler competes for, and how (LeaderElectionConfiguration). */
  leaderElection: LeaderElectionConfig;
  profiles: ProfileConfig[];
}

/**
 * kube-scheduler's leaderElection block, with its v1 defaults: leaderElect true, the Lease
 * kube-system/kube-scheduler, 15 s / 10 s / 2 s. A second scheduler names its own resourceName.
 */
export interface LeaderElectionConfig {
  leaderElect: boolean;
  resourceName: string;
  resourceNamespace: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}
const LEADER_ELECTION_FIELDS = new Set([
  "leaderElect",
  "leaseDuration",
  "renewDeadline",
  "retryPeriod",
  "resourceLock",
  "resourceName",
  "resourceNamespace",
]);

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

// #region default-plugins
/**
 * kube-scheduler's default profile (pkg/scheduler/apis/config/v1/default_plugins.go), all
 * enabled at multiPoint: each plugin serves every extension point it implements. Only the
 * Score weights differ from 1: TaintToleration 3 (avoid PreferNoSchedule taints firmly),
 * NodeAffinity, PodTopologySpread and InterPodAffinity 2, the rest 1. The storage plugins
 * (VolumeRestrictions, EBSLimits, GCEPDLimits, NodeVolumeLimits, AzureDiskLimits, VolumeBinding,
 * VolumeZone) and DynamicResources (behind a feature gate) are left out: tinykube has no volumes
 * or DRA yet.
 */
export const DEFAULT_PLUGINS: readonly PluginRef[] = Object.freeze([
  { name: "SchedulingGates" },
  { name: "PrioritySort" },
  { name: "NodeUnschedulable" },
  { name: "NodeName" },
  { name: "TaintToleration", weight: 3 },
  { name: "NodeAffinity", weight: 2 },
  { name: "NodePorts" },
  { name: "NodeResourcesFit", weight: 1 },
  { name: "PodTopologySpread", weight: 2 },
  { name: "InterPodAffinity", weight: 2 },
  { name: "DefaultPreemption" },
  { name: "NodeResourcesBalancedAllocation", weight: 1 },
  { name: "ImageLocality", weight: 1 },
  { name: "DefaultBinder" },
]);
// #endregion default-plugins

const emptyPlugins = (): Plugins =>
  Object.fromEntries(
    ["multiPoint", ...EXTENSION_POINTS].map((p) => [p, { enabled: [], disabled: [] }]),
  ) as unknown as Plugins;

/** The default plugins, before any profile's changes. */
export function defaultPlugins(): Plugins {
  const plugins = emptyPlugins();
  plugins.multiPoint.enabled = DEFAULT_PLUGINS.map((p) => ({ ...p }));
  return plugins;
}

// #region merge-plugin-set
/**
 * Merges a profile's plugin set into the default one (mergePluginSet), in three steps:
 *   1. Drop the defaults the profile disables; "*" drops them all.
 *   2. A default the profile also enables is replaced in place by the profile's entry (so a
 *      new weight keeps the default order).
 *   3. Append the profile's other enabled plugins, in its order.
 * The disabled list is kept: framework building needs it to hold multiPoint plugins back.
 *
 * Example: defaults [A, B(w1), C]; profile enables [B(w5), D], disables [C] → [A, B(w5), D].
 */
export function mergePluginSet(defaults: PluginSet, custom: PluginSet): PluginSet {
  const disabled = new Set([...custom.disabled, ...defaults.disabled].map((p) => p.name));
  const customByName = new Map(custom.enabled.map((p, i) => [p.name, { p, i }]));
  const replaced = new Set<number>();
  const enabled: PluginRef[] = [];
  if (!disabled.has("*")) {
    for (const plugin of defaults.enabled) {
      if (disabled.has(plugin.name)) continue;
      const override = customByName.get(plugin.name);
      if (override) replaced.add(override.i);
      enabled.push(override ? override.p : plugin);
    }
  }
  custom.enabled.forEach((p, i) => {
    if (!replaced.has(i)) enabled.push(p);
  });
  return { enabled, disabled: [...custom.disabled, ...defaults.disabled] };
}
// #endregion merge-plugin-set

/** A field-path error in Kubernetes' field.Error format: `<path>: Invalid value: <v>: <detail>`. */
export class SchedulerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SchedulerConfigError";
  }
}

/** Parses a KubeSchedulerConfiguration from YAML or JSON (JSON is YAML), then defaults and validates it. */
export function parseSchedulerConfig(text: string): SchedulerConfig {
  const raw: unknown = parseYaml(text);
  if (!isObject(raw)) {
    throw new SchedulerConfigError(
      `expected a KubeSchedulerConfiguration object, got ${JSON.stringify(raw)}`,
    );
  }
  return schedulerConfigFrom(raw);
}

const API_VERSION = "kubescheduler.config.k8s.io/v1";
const KIND = "KubeSchedulerConfiguration";

/**
 * Top-level fields of the v1 type. percentageOfNodesToScore, the two backoff fields,
 * leaderElection and profiles are read; the others are accepted (a real kube-scheduler config
 * carries them) and not used: the client connection is `tinykube scheduler`'s, parallelism
 * (tinykube filters in one thread), extenders (not supported).
 */
const TOP_LEVEL_FIELDS = new Set([
  "apiVersion",
  "kind",
  "parallelism",
  "leaderElection",
  "clientConnection",
  "healthzBindAddress",
  "metricsBindAddress",
  "enableProfiling",
  "enableContentionProfiling",
  "percentageOfNodesToScore",
  "podInitialBackoffSeconds",
  "podMaxBackoffSeconds",
  "profiles",
  "extenders",
  "delayCacheUntilActive",
]);
const PROFILE_FIELDS = new Set([
  "schedulerName",
  "percentageOfNodesToScore",
  "plugins",
  "pluginConfig",
]);
const PLUGINS_FIELDS = new Set<string>(["multiPoint", ...EXTENSION_POINTS]);
const PLUGIN_SET_FIELDS = new Set(["enabled", "disabled"]);
const PLUGIN_FIELDS = new Set(["name", "weight"]);
const PLUGIN_CONFIG_FIELDS = new Set(["name", "args"]);

/** Defaults and validates an already-decoded configuration object. */
export function schedulerConfigFrom(raw: Record<string, unknown>): SchedulerConfig {
  if (raw.apiVersion !== API_VERSION || raw.kind !== KIND) {
    throw new SchedulerConfigError(
      `expected apiVersion "${API_VERSION}" and kind "${KIND}", got apiVersion ${JSON.stringify(raw.apiVersion)} and kind ${JSON.stringify(raw.kind)}`,
    );
  }
  const unknown: string[] = [];
  const check = (obj: Record<string, unknown>, known: Set<string>, path: string) => {
    for (const key of Object.keys(obj)) {
      if (!known.has(key)) unknown.push(`unknown field "${path ? `${path}.` : ""}${key}"`);
    }
  };
  check(raw, TOP_LEVEL_FIELDS, "");
  const rawProfiles = raw.profiles === undefined ? [{}] : raw.profiles;
  if (!Array.isArray(rawProfiles)) throw invalid("profiles", rawProfiles, "must be a list");
  const profiles = rawProfiles.map((p, i) => decodeProfile(p, `profiles[${i}]`, check));
  if (unknown.length > 0)
    throw new SchedulerConfigError(`strict decoding error: ${unknown.join(", ")}`);

  const percentageOfNodesToScore = raw.percentageOfNodesToScore ?? 0;
  validatePercentage(percentageOfNodesToScore, "percentageOfNodesToScore");
  const seen = new Set<string>();
  profiles.forEach((p, i) => {
    if (p.schedulerName === "") {
      throw new SchedulerConfigError(`profiles[${i}].schedulerName: Required value`);
    }
    if (seen.has(p.schedulerName)) {
      throw new SchedulerConfigError(
        `profiles[${i}].schedulerName: Duplicate value: ${JSON.stringify(p.schedulerName)}`,
      );
    }
    seen.add(p.schedulerName);
    if (p.percentageOfNodesToScore !== undefined) {
      validatePercentage(p.percentageOfNodesToScore, `profiles[${i}].percentageOfNodesToScore`);
    }
  });
  // v1 defaults (SetDefaults_KubeSchedulerConfiguration) and ValidateKubeSchedulerConfiguration.
  const podInitialBackoffSeconds = raw.podInitialBackoffSeconds ?? 1;
  const podMaxBackoffSeconds = raw.podMaxBackoffSeconds ?? 10;
  if (typeof podInitialBackoffSeconds !== "number" || podInitialBackoffSeconds <= 0) {
    throw invalid("podInitialBackoffSeconds", podInitialBackoffSeconds, "must be greater than 0");
  }
  if (typeof podMaxBackoffSeconds !== "number" || podMaxBackoffSeconds < podInitialBackoffSeconds) {
    throw invalid(
      "podMaxBackoffSeconds",
      podMaxBackoffSeconds,
      "must be greater than or equal to PodInitialBackoffSeconds",
    );
  }
  return {
    percentageOfNodesToScore: percentageOfNodesToScore as number,
    podInitialBackoffSeconds,
    podMaxBackoffSeconds,
    leaderElection: decodeLeaderElection(raw.leaderElection),
    profiles,
  };
}

function decodeLeaderElection(raw: unknown): LeaderElectionConfig {
  const obj = raw === undefined ? {} : objectAt(raw, "leaderElection");
  const unknown = Object.keys(obj).filter((k) => !LEADER_ELECTION_FIELDS.has(k));
  if (unknown.length > 0) {
    throw new SchedulerConfigError(
      `strict decoding error: ${unknown.map((k) => `unknown field "leaderElection.${k}"`).join(", ")}`,
    );
  }
  if (obj.resourceLock !== undefined && obj.resourceLock !== "leases") {
    throw invalid("leaderElection.resourceLock", obj.resourceLock, 'only "leases" is supported');
  }
  const duration = (field: string, fallback: number) => {
    const value = obj[field];
    if (value === undefined) return fallback;
    if (typeof value !== "string")
      throw invalid(`leaderElection.${field}`, value, "must be a duration");
    try {
      return parseGoDuration(value);
    } catch (error) {
      throw invalid(`leaderElection.${field}`, value, (error as Error).message);
    }
  };
  const config: LeaderElectionConfig = {
    leaderElect: obj.leaderElect === undefined ? true : obj.leaderElect === true,
    resourceName: typeof obj.resourceName === "string" ? obj.resourceName : "kube-scheduler",
    resourceNamespace:
      typeof obj.resourceNamespace === "string" ? obj.resourceNamespace : "kube-system",
    leaseDurationMs: duration("leaseDuration", 15_000),
    renewDeadlineMs: duration("renewDeadline", 10_000),
    retryPeriodMs: duration("retryPeriod", 2_000),
  };
  // ValidateLeaderElectionConfiguration's rules.
  if (config.leaderElect) {
    if (config.leaseDurationMs <= 0)
      throw invalid("leaderElection.leaseDuration", obj.leaseDuration, "must be greater than zero");
    if (config.leaseDurationMs <= config.renewDeadlineMs)
      throw invalid(
        "leaderElection.leaseDuration",
        obj.leaseDuration ?? "15s",
        "LeaseDuration must be greater than RenewDeadline",
      );
    if (config.retryPeriodMs <= 0)
      throw invalid("leaderElection.retryPeriod", obj.retryPeriod, "must be greater than zero");
  }
  return config;
}

type Check = (obj: Record<string, unknown>, known: Set<string>, path: string) => void;

function decodeProfile(raw: unknown, path: string, check: Check): ProfileConfig {
  const obj = objectAt(raw, path);
  check(obj, PROFILE_FIELDS, path);
  const custom = emptyPlugins();
  if (obj.plugins !== undefined) {
    const plugins = objectAt(obj.plugins, `${path}.plugins`);
    check(plugins, PLUGINS_FIELDS, `${path}.plugins`);
    for (const point of ["multiPoint", ...EXTENSION_POINTS] as const) {
      if (plugins[point] === undefined) continue;
      custom[point] = decodePluginSet(plugins[point], `${path}.plugins.${point}`, check);
    }
  }
  const defaults = defaultPlugins();
  const merged = emptyPlugins();
  for (const point of ["multiPoint", ...EXTENSION_POINTS] as const) {
    merged[point] = mergePluginSet(defaults[point], custom[point]);
  }
  const pluginConfig = new Map<string, unknown>();
  const rawConfig = obj.pluginConfig ?? [];
  if (!Array.isArray(rawConfig)) throw invalid(`${path}.pluginConfig`, rawConfig, "must be a list");
  rawConfig.forEach((entry, i) => {
    const at = `${path}.pluginConfig[${i}]`;
    const c = objectAt(entry, at);
    check(c, PLUGIN_CONFIG_FIELDS, at);
    const name = String(c.name ?? "");
    // NewFramework's wording: two args for one plugin would leave one silently unused.
    if (pluginConfig.has(name))
      throw new SchedulerConfigError(`repeated config for plugin ${name}`);
    pluginConfig.set(name, c.args);
  });
  return {
    schedulerName:
      obj.schedulerName === undefined ? DEFAULT_SCHEDULER_NAME : String(obj.schedulerName),
    percentageOfNodesToScore: obj.percentageOfNodesToScore as number | undefined,
    plugins: merged,
    pluginConfig,
  };
}

function decodePluginSet(raw: unknown, path: string, check: Check): PluginSet {
  const obj = objectAt(raw, path);
  check(obj, PLUGIN_SET_FIELDS, path);
  const list = (key: "enabled" | "disabled"): PluginRef[] => {
    const value = obj[key] ?? [];
    if (!Array.isArray(value)) throw invalid(`${path}.${key}`, value, "must be a list");
    return value.map((entry, i) => {
      const p = objectAt(entry, `${path}.${key}[${i}]`);
      check(p, PLUGIN_FIELDS, `${path}.${key}[${i}]`);
      if (typeof p.name !== "string")
        throw invalid(`${path}.${key}[${i}].name`, p.name, "must be a string");
      if (p.weight !== undefined && (!Number.isInteger(p.weight) || (p.weight as number) < 0)) {
        throw invalid(`${path}.${key}[${i}].weight`, p.weight, "must be a non-negative integer");
      }
      return p.weight === undefined
        ? { name: p.name }
        : { name: p.name, weight: p.weight as number };
    });
  };
  return { enabled: list("enabled"), disabled: list("disabled") };
}

function validatePercentage(value: unknown, path: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 100) {
    throw invalid(path, value, "not in valid range [0-100]");
  }
}

function invalid(path: string, value: unknown, detail: string): SchedulerConfigError {
  return new SchedulerConfigError(`${path}: Invalid value: ${JSON.stringify(value)}: ${detail}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function objectAt(v: unknown, path: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw invalid(path, v, "must be an object");
  return v;
}
