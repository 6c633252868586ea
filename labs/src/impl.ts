/** Loads the implementation a lab's tests run against: the file named by TINYKUBE_LAB_IMPL. */
export async function labImplementation<T>(exportName: string): Promise<T> {
  const file = process.env.TINYKUBE_LAB_IMPL;
  if (!file) {
    throw new Error("TINYKUBE_LAB_IMPL is not set: run labs through `npm run lab -- check <n>`");
  }
  const mod = (await import(file)) as Record<string, unknown>;
  if (!(exportName in mod)) {
    throw new Error(`${file} does not export ${exportName}: keep the export the starter has`);
  }
  return mod as T;
}
