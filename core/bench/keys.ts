/** The keys the benchmarks load: what an API server would store for many ConfigMaps. */
export const configMapKey = (i: number): string =>
  `/registry/configmaps/default/cm-${String(i).padStart(7, "0")}`;
