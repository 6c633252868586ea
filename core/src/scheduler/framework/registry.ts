/**
 * Plugin name → factory — kube-scheduler's framework/runtime/registry.go. The scheduler builds
 * only the plugins a profile enables, once per profile, passing each its pluginConfig args.
 *
 * Guarantees:
 * - A name is registered at most once; registering it again throws, as Kubernetes' Register does.
 * - The registry knows nothing about extension points: which points a plugin serves is read off
 *   the instance (the methods it has) when a profile is built.
 */
import type { Plugin } from "./types.ts";

/** Builds a plugin from its pluginConfig args (undefined when the profile gives none). */
export type PluginFactory = (args: unknown) => Plugin;

export class Registry {
  private readonly factories = new Map<string, PluginFactory>();

  constructor(entries: Iterable<[string, PluginFactory]> = []) {
    for (const [name, factory] of entries) this.register(name, factory);
  }

  register(name: string, factory: PluginFactory): void {
    if (this.factories.has(name)) throw new Error(`a plugin named ${name} already exists`);
    this.factories.set(name, factory);
  }

  unregister(name: string): void {
    if (!this.factories.delete(name)) throw new Error(`no plugin named ${name} exists`);
  }

  /** Adds every entry of `other`; out-of-tree registries merge into the in-tree one this way. */
  merge(other: Registry): void {
    for (const [name, factory] of other.factories) this.register(name, factory);
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  get(name: string): PluginFactory | undefined {
    return this.factories.get(name);
  }

  names(): string[] {
    return [...this.factories.keys()];
  }
}
