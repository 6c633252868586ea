/**
 * Volumes, materialised on the node's disk before the pod's containers start — the kubelet's
 * volume manager and the emptyDir, configMap, secret, downwardAPI and hostPath plugins
 * (pkg/volume/...), with the atomic writer that publishes API data (pkg/volume/util/atomic_writer.go),
 * and makeMounts (pkg/kubelet/kubelet_pods.go) turning volumeMounts into the runtime's mounts.
 *
 * Where each volume lives, as in Kubernetes (<root> is the kubelet's directory, /var/lib/kubelet):
 *   emptyDir     <root>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>
 *   configMap    <root>/pods/<uid>/volumes/kubernetes.io~configmap/<name>
 *   secret       <root>/pods/<uid>/volumes/kubernetes.io~secret/<name>
 *   downwardAPI  <root>/pods/<uid>/volumes/kubernetes.io~downward-api/<name>
 *   hostPath     the host path itself
 * The process runtime shows each mount to the container as a link under $TINYKUBE_ROOT (see
 * runtime/process/container-spec.ts): the pod's /etc/config is $TINYKUBE_ROOT/etc/config.
 *
 * Guarantees:
 * - setUpVolumes runs on every sync, so a changed ConfigMap or Secret reaches the files — within
 *   the kubelet's resync (1 minute), as Kubernetes promises "eventually" (its default watch-based
 *   cache is faster). Unchanged data is not rewritten.
 * - API data is published atomically: files are written into a fresh `..<timestamp>` directory and
 *   the `..data` link is renamed onto it; the visible names are links through `..data`. A reader
 *   sees the old set or the new set, never a mix.
 * - A volume that cannot be set up (a missing ConfigMap or Secret that is not optional, a hostPath
 *   whose type does not match) fails the sync with Kubernetes' message, naming the volume, and the
 *   pod's containers wait in ContainerCreating.
 * - removePodDir deletes everything under <root>/pods/<uid>, the host paths never.
 *
 * Simplified, honestly: emptyDir `medium: Memory` is a directory on disk (no tmpfs without root)
 * and `sizeLimit` is not enforced; secrets are plain files (Kubernetes keeps them on tmpfs); file
 * modes are applied but no fsGroup ownership; projected, persistentVolumeClaim and the other
 * plugins do not exist here.
 */
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import type { Container, Pod } from "../api/types.ts";
import type { Mount } from "../runtime/cri.ts";
import type { Clock } from "../util/clock.ts";
import {
  type ConfigMapLike,
  ContainerConfigError,
  containerResourceValue,
  type EnvObjects,
  podFieldValue,
} from "./env.ts";

/** Kubernetes' default file mode for configMap, secret and downwardAPI volumes: 0644. */
export const DEFAULT_MODE = 0o644;

export interface VolumeContext {
  rootDir: string;
  objects: EnvObjects;
  clock: Clock;
  podIP: string;
  hostIP: string;
  nodeAllocatable: Record<string, string>;
}

/** A volume that could not be set up: the pod's FailedMount event says this. */
export class VolumeSetUpError extends Error {
  override name = "VolumeSetUpError";
  constructor(
    readonly volume: string,
    why: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${why}`);
  }
}

type KeyToPath = { key: string; path: string; mode?: number };
type DownwardItem = {
  path: string;
  mode?: number;
  fieldRef?: { fieldPath: string };
  resourceFieldRef?: { containerName?: string; resource: string; divisor?: string };
};
type Volume = {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string };
  hostPath?: { path: string; type?: string };
  configMap?: { name: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  secret?: { secretName: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  downwardAPI?: { items?: DownwardItem[]; defaultMode?: number };
};
type VolumeMount = {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  subPathExpr?: string;
};

/** <root>/pods/<uid>: the pod's own directory (kubelet getPodDir). */
export const podDir = (rootDir: string, uid: string) => join(rootDir, "pods", uid);

const PLUGIN_DIRS: Record<string, string> = {
  emptyDir: "kubernetes.io~empty-dir",
  configMap: "kubernetes.io~configmap",
  secret: "kubernetes.io~secret",
  downwardAPI: "kubernetes.io~downward-api",
};

// #region setUpVolumes
/** Sets up every volume of the pod; returns each volume's host path by name. */
export async function setUpVolumes(pod: Pod, ctx: VolumeContext): Promise<Map<string, string>> {
  const uid = pod.metadata.uid as string;
  const namespace = (pod.metadata.namespace as string | undefined) ?? "default";
  const paths = new Map<string, string>();
  for (const volume of (pod.spec.volumes as Volume[] | undefined) ?? []) {
    const plugin = Object.keys(PLUGIN_DIRS).find((k) => k in volume);
    const dir = plugin
      ? join(podDir(ctx.rootDir, uid), "volumes", PLUGIN_DIRS[plugin] as string, volume.name)
      : undefined;
    try {
      if (volume.hostPath) {
        await checkHostPath(volume.hostPath.path, volume.hostPath.type ?? "");
        paths.set(volume.name, volume.hostPath.path);
        continue;
      }
      if (!dir) throw new Error("tinykube's kubelet has no plugin for this volume type");
      await mkdir(dir, { recursive: true, mode: 0o750 });
      if (volume.configMap) {
        const source = volume.configMap;
        const cm = await ctx.objects.configMap(namespace, source.name);
        if (!cm && !source.optional) throw new Error(`configmap "${source.name}" not found`);
        const data = configMapPayload(cm);
        await writeAtomically(dir, project(data, source, CONFIGMAP_MISSING_KEY), ctx.clock);
      } else if (volume.secret) {
        const source = volume.secret;
        const secret = await ctx.objects.secret(namespace, source.secretName);
        if (!secret && !source.optional) throw new Error(`secret "${source.secretName}" not found`);
        const data = new Map(
          Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64")]),
        );
        await writeAtomically(dir, project(data, source, SECRET_MISSING_KEY), ctx.clock);
      } else if (volume.downwardAPI) {
        await writeAtomically(dir, downwardPayload(pod, volume.downwardAPI, ctx), ctx.clock);
      }
      paths.set(volume.name, dir);
    } catch (error) {
      throw new VolumeSetUpError(volume.name, error instanceof Error ? error.message : `${error}`);
    }
  }
  return paths;
}
// #endregion setUpVolumes

const CONFIGMAP_MISSING_KEY = "configmap references non-existent config key:";
const SECRET_MISSING_KEY = "references non-existent secret key:";

type Payload = Map<string, { data: Buffer; mode: number }>;

function configMapPayload(cm: ConfigMapLike | undefined): Map<string, Buffer> {
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm?.data ?? {})) data.set(k, Buffer.from(v));
  for (const [k, v] of Object.entries(cm?.binaryData ?? {})) data.set(k, Buffer.from(v, "base64"));
  return data;
}

/** Every key to a file of its name, or only `items`, each to its `path` (a missing key fails). */
function project(
  data: Map<string, Buffer>,
  source: { items?: KeyToPath[]; defaultMode?: number; optional?: boolean },
  /** The plugin's words before the key (configmap.go, secret.go). */
  missingKey: string,
): Payload {
  const mode = source.defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  if (!source.items?.length) {
    for (const [key, bytes] of data) payload.set(key, { data: bytes, mode });
    return payload;
  }
  for (const item of source.items) {
    const bytes = data.get(item.key);
    if (!bytes) {
      if (source.optional) continue;
      throw new Error(`${missingKey} ${item.key}`);
    }
    payload.set(item.path, { data: bytes, mode: item.mode ?? mode });
  }
  return payload;
}

function downwardPayload(
  pod: Pod,
  source: NonNullable<Volume["downwardAPI"]>,
  ctx: VolumeContext,
): Payload {
  const payload: Payload = new Map();
  const mode = source.defaultMode ?? DEFAULT_MODE;
  for (const item of source.items ?? []) {
    let text = "";
    if (item.fieldRef) text = podFieldValue(pod, item.fieldRef.fieldPath, ctx);
    else if (item.resourceFieldRef) {
      const container = pod.spec.containers[0] as Container;
      text = containerResourceValue(item.resourceFieldRef, {
        pod,
        container,
        nodeAllocatable: ctx.nodeAllocatable,
      });
    }
    payload.set(item.path, { data: Buffer.from(text), mode: item.mode ?? mode });
  }
  return payload;
}

// #region writeAtomically
/**
 * The atomic writer. Example, a ConfigMap with keys a and b:
 *   dir/..2026_11_27_08_30_00.123456789/a   the files, in a timestamped directory
 *   dir/..data -> ..2026_11_27_08_30_00.123456789
 *   dir/a -> ..data/a,  dir/b -> ..data/b
 * An update writes a new timestamped directory, points a temporary link at it and renames that
 * link onto ..data (a rename is atomic), then removes the old directory and links to keys gone.
 * Nothing is written when the payload equals what ..data holds.
 */
export async function writeAtomically(dir: string, payload: Payload, clock: Clock): Promise<void> {
  for (const path of payload.keys()) checkPayloadPath(path);
  const dataLink = join(dir, "..data");
  const current = await readlink(dataLink).catch(() => undefined);
  if (current && (await samePayload(join(dir, current), payload))) return;

  const stamp = timestampDir(clock.now());
  const fresh = join(dir, stamp);
  await rm(fresh, { recursive: true, force: true });
  for (const [path, { data, mode }] of payload) {
    const file = join(fresh, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data);
    await chmod(file, mode);
  }
  await mkdir(fresh, { recursive: true }); // an empty payload is an empty directory
  const tmp = join(dir, "..data_tmp");
  await rm(tmp, { force: true });
  await symlink(stamp, tmp);
  await rename(tmp, dataLink);

  // The visible names: one link per top-level entry of the payload.
  const tops = new Set([...payload.keys()].map((p) => p.split("/")[0] as string));
  for (const top of tops) {
    const link = join(dir, top);
    const target = posix.join("..data", top);
    if ((await readlink(link).catch(() => undefined)) === target) continue;
    await rm(link, { force: true, recursive: true });
    await symlink(target, link);
  }
  for (const entry of await readdir(dir)) {
    if (entry === "..data" || entry === stamp || tops.has(entry)) continue;
    await rm(join(dir, entry), { recursive: true, force: true }); // old ..<stamp>, removed keys
  }
}
// #endregion writeAtomically

async function samePayload(dir: string, payload: Payload): Promise<boolean> {
  const files = await listFiles(dir).catch(() => undefined);
  if (!files || files.length !== payload.size) return false;
  for (const [path, { data, mode }] of payload) {
    const file = join(dir, path);
    const [bytes, info] = await Promise.all([readFile(file), stat(file)]).catch(() => []);
    if (!bytes || !info || !bytes.equals(data) || (info.mode & 0o777) !== mode) return false;
  }
  return true;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

/** ..2006_01_02_15_04_05.000000000, as atomic_writer.go names its directories (UTC here). */
function timestampDir(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-27T08:30:00.123Z
  const [date, time] = iso.slice(0, 19).split("T") as [string, string];
  const nanos = `${iso.slice(20, 23)}000000`;
  return `..${date.replaceAll("-", "_")}_${time.replaceAll(":", "_")}.${nanos}`;
}

/** atomic_writer.go validatePath: relative, no `..` element, not starting with `..`. */
function checkPayloadPath(path: string): void {
  if (posix.isAbsolute(path)) throw new Error(`invalid path: must be relative path: ${path}`);
  if (path.split("/").includes(".."))
    throw new Error(`invalid path: must not contain '..': ${path}`);
  if (path.startsWith("..")) throw new Error(`invalid path: must not start with '..': ${path}`);
}

// #region checkHostPath
/**
 * hostPath's `type` (pkg/volume/hostpath/host_path.go checkType): "" checks nothing;
 * DirectoryOrCreate and FileOrCreate create what is missing (a directory 0755, an empty file
 * 0644); Directory, File, Socket, CharDevice and BlockDevice must already be one.
 */
export async function checkHostPath(path: string, type: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  const fail = (what: string) => {
    throw new Error(`hostPath type check failed: ${path} is not ${what}`);
  };
  switch (type) {
    case "":
      return;
    case "DirectoryOrCreate":
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory()) fail("a directory");
      return;
    case "FileOrCreate":
      if (!info) {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, "", { mode: 0o644, flag: "a" });
      } else if (info.isDirectory()) fail("a file");
      return;
    case "Directory":
      if (!info?.isDirectory()) fail("a directory");
      return;
    case "File":
      if (!info?.isFile()) fail("a file");
      return;
    case "Socket":
      if (!info?.isSocket()) fail("a socket file");
      return;
    case "CharDevice":
      if (!info?.isCharacterDevice()) fail("a character device");
      return;
    case "BlockDevice":
      if (!info?.isBlockDevice()) fail("a block device");
      return;
    default:
      throw new Error(`hostPath type check failed: unknown type ${type}`);
  }
}
// #endregion checkHostPath

// #region makeMounts
/**
 * The container's mounts: each volumeMount becomes {containerPath: mountPath, hostPath: the
 * volume's path, joined with subPath (or subPathExpr expanded with the container's environment)}.
 * A subPath directory that does not exist yet is created, as the kubelet does. ConfigMap, Secret
 * and downwardAPI volumes are always read-only (ReadOnlyAPIDataVolumes).
 */
export async function makeMounts(
  pod: Pod,
  container: Container,
  volumePaths: Map<string, string>,
  env: Map<string, string>,
): Promise<Mount[]> {
  const volumes = new Map(
    ((pod.spec.volumes as Volume[] | undefined) ?? []).map((v) => [v.name, v]),
  );
  const mounts: Mount[] = [];
  for (const m of (container.volumeMounts as VolumeMount[] | undefined) ?? []) {
    const base = volumePaths.get(m.name);
    const volume = volumes.get(m.name);
    if (!base || !volume) {
      throw new ContainerConfigError(
        `cannot find volume "${m.name}" to mount into container "${container.name}"`,
      );
    }
    let subPath = m.subPath ?? "";
    if (m.subPathExpr)
      subPath = m.subPathExpr.replace(/\$\(([^)]*)\)/g, (_, n) => env.get(n) ?? "");
    if (subPath && (posix.isAbsolute(subPath) || subPath.split("/").includes(".."))) {
      throw new ContainerConfigError(`subPath "${subPath}" must be a relative path without '..'`);
    }
    const hostPath = subPath ? join(base, subPath) : base;
    if (subPath && !(await exists(hostPath))) await mkdir(hostPath, { recursive: true });
    const apiData = Boolean(volume.configMap || volume.secret || volume.downwardAPI);
    mounts.push({ containerPath: m.mountPath, hostPath, readonly: apiData || m.readOnly === true });
  }
  return mounts;
}
// #endregion makeMounts

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

/** Removes the pod's directory and its volumes (kubelet cleanupOrphanedPodDirs). */
export async function removePodDir(rootDir: string, uid: string): Promise<void> {
  if (!uid || uid.includes("/")) return;
  await rm(podDir(rootDir, uid), { recursive: true, force: true });
}
