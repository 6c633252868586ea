/**
 * Static pods: pods a kubelet runs from manifest files on its own disk, with no API server in the
 * loop — the kubelet's file source (pkg/kubelet/config/file.go, defaults from config/common.go,
 * the add/remove bookkeeping of config/config.go). kubeadm runs the control plane this way: the
 * kubelet reads /etc/kubernetes/manifests and starts kube-apiserver, etcd, the controller manager
 * and the scheduler before there is any API server to ask.
 *
 * The source reads every file of the folder (staticPodPath) when it starts and then every
 * fileCheckFrequency — KubeletConfiguration's default of 20 s, the "every 20 s" a kubelet is known
 * to re-read its manifests by. (Kubernetes also watches the folder with inotify and reacts at
 * once; tinykube only polls, so a change shows within 20 s.) Each file holds one Pod, in YAML or
 * JSON; names starting with "." are ignored (editors' swap files), as are sub-folders.
 *
 * Each pod gets the file source's defaults (applyDefaults in common.go):
 * - name `<name>-<nodeName>`, so the same manifest on two nodes makes two pods;
 * - namespace "default" if the file names none; spec.nodeName = this node;
 * - UID = MD5 of the pod, then "host:<nodeName>", then "file:<path>" — so changing a byte of the
 *   file, moving it, or copying it to another node makes a different pod;
 * - annotations kubernetes.io/config.hash (= that UID), kubernetes.io/config.source "file" and
 *   kubernetes.io/config.seen (when this kubelet first saw it);
 * - a toleration of every NoExecute taint, so the taint eviction controller never evicts it.
 *
 * Guarantees:
 * - A change is reported as pods removed and pods added, keyed by UID. Since the UID hashes the
 *   whole pod, an edited file is one pod removed and another added: the kubelet stops the old
 *   containers and starts new ones (Kubernetes has no in-place update of a static pod).
 * - A file that cannot be read, parsed or validated is logged with its path and the error, and
 *   skipped; the other files are read as usual. Of two files giving the same name, the first in
 *   file-name order wins and the other is logged (filterInvalidPods).
 * - A folder that does not exist holds no pods (Kubernetes sends an empty set): removing the
 *   folder stops its pods. Any other failure to list it keeps the pods as they were.
 * - Time comes from the injected clock; stop() cancels the next scan.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { applyPodDefaults, type JsonObject } from "../api/defaults/index.ts";
import type { Pod, Toleration } from "../api/types.ts";
import { validatePodCreate } from "../api/validate/pod.ts";
import { fieldErrorMessage } from "../api/validation.ts";
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";

/** The annotations the kubelet keeps on the pods of its sources (pkg/kubelet/types/pod_update.go). */
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";
export const CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash";
export const CONFIG_SEEN_ANNOTATION = "kubernetes.io/config.seen";
/** kubetypes.FileSource. */
export const FILE_SOURCE = "file";

/** KubeletConfiguration fileCheckFrequency: 20 s. */
export const DEFAULT_FILE_CHECK_FREQUENCY_MS = 20_000;
/** maxConfigLength in common.go: a manifest over 10 MiB is refused. */
const MAX_CONFIG_BYTES = 10 * 1024 * 1024;

/** What one scan changed, by UID. */
export interface StaticPodChange {
  added: Pod[];
  removed: Pod[];
}

export interface StaticPodSourceOptions {
  /** The folder of manifests (staticPodPath, --pod-manifest-path); a single file works too. */
  path: string;
  nodeName: string;
  fileCheckFrequencyMs?: number;
  clock?: Clock;
  /** Called after a scan that added or removed pods; never called with both lists empty. */
  onChange: (change: StaticPodChange) => void;
  log?: (line: string) => void;
}

export class StaticPodSource {
  private readonly clock: Clock;
  /** The pods of the last scan, by UID; the objects are handed out and never changed again. */
  private current = new Map<string, Pod>();
  private timer: Timer | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: StaticPodSourceOptions) {
    this.clock = options.clock ?? realClock;
  }

  /** Reads the folder once (resolving when that first scan is reported), then keeps re-reading. */
  async start(): Promise<void> {
    const period = this.options.fileCheckFrequencyMs ?? DEFAULT_FILE_CHECK_FREQUENCY_MS;
    const tick = () => {
      if (this.stopped) return;
      this.scanning = this.scan().finally(() => {
        if (!this.stopped) this.timer = this.clock.setTimeout(tick, period);
      });
    };
    tick();
    await this.scanning;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** The scan under way, or the last one (tests wait on it after moving the clock). */
  whenScanned(): Promise<void> {
    return this.scanning;
  }

  /** The static pods as of the last scan. */
  pods(): Pod[] {
    return [...this.current.values()];
  }

  // #region scan
  /**
   * One scan, as listConfig + podStorage.merge:
   * 1. read every manifest (a missing folder reads as none; a folder that cannot be listed ends
   *    the scan with nothing changed);
   * 2. drop pods whose full name an earlier file already gave;
   * 3. a UID not seen before is added (stamped config.seen), a UID gone is removed.
   */
  private async scan(): Promise<void> {
    const { path, log } = this.options;
    let read: Pod[];
    try {
      read = await this.readManifests();
    } catch (error) {
      log?.(`unable to read config path ${path}: ${messageOf(error)}`);
      return;
    }
    const next = new Map<string, Pod>();
    const names = new Set<string>();
    for (const pod of read) {
      const fullName = `${pod.metadata.name}_${pod.metadata.namespace}`;
      if (names.has(fullName)) {
        log?.(
          `static pod ${pod.metadata.namespace}/${pod.metadata.name}: duplicate pod name, ignoring`,
        );
        continue;
      }
      names.add(fullName);
      const uid = pod.metadata.uid as string;
      const known = this.current.get(uid);
      if (known) {
        next.set(uid, known); // unchanged: keep the object, and its first-seen time
        continue;
      }
      (pod.metadata.annotations as Record<string, string>)[CONFIG_SEEN_ANNOTATION] = rfc3339Nano(
        this.clock.now(),
      );
      next.set(uid, pod);
    }
    const added = [...next.values()].filter((p) => !this.current.has(p.metadata.uid as string));
    const removed = [...this.current.values()].filter((p) => !next.has(p.metadata.uid as string));
    this.current = next;
    if (this.stopped || (added.length === 0 && removed.length === 0)) return;
    this.options.onChange({ added, removed });
  }
  // #endregion scan

  /** Every valid pod of the folder (or the one file), in file-name order. */
  private async readManifests(): Promise<Pod[]> {
    const { path, nodeName, log } = this.options;
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      log?.(`unable to read config path ${path}: path does not exist, ignoring`);
      return [];
    }
    const files = info.isDirectory()
      ? (await readdir(path))
          .filter((name) => !name.startsWith("."))
          .sort()
          .map((name) => join(path, name))
      : [path];
    const pods: Pod[] = [];
    for (const file of files) {
      try {
        const entry = await stat(file);
        if (entry.isDirectory()) {
          log?.(`${file} is a directory, not recursing into manifest path`);
          continue;
        }
        if (!entry.isFile()) {
          log?.(`${file}: manifest path is not a directory or file`);
          continue;
        }
        if (entry.size > MAX_CONFIG_BYTES)
          throw new Error(`manifest is ${entry.size} bytes, the limit is ${MAX_CONFIG_BYTES}`);
        pods.push(staticPodFromManifest(await readFile(file, "utf8"), { file, nodeName }));
      } catch (error) {
        // Removed between the listing and the read: nothing to report (file.go does the same).
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
        log?.(`could not process manifest file ${file}: ${messageOf(error)}`);
      }
    }
    return pods;
  }
}

// #region staticPodFromManifest
/**
 * One manifest as the file source makes it a pod (tryDecodeSinglePod + applyDefaults):
 * 1. parse YAML (JSON is YAML); it must be a v1 Pod;
 * 2. apply the API's pod defaults, as decoding does;
 * 3. hash it into the UID (before renaming, as Kubernetes does), then set name, namespace,
 *    nodeName, the hash and source annotations, the NoExecute toleration and phase Pending;
 * 4. validate it as the API server validates a new pod.
 * Throws with the reason; config.seen is the source's to set.
 */
export function staticPodFromManifest(
  text: string,
  { file, nodeName }: { file: string; nodeName: string },
): Pod {
  let object: unknown;
  try {
    object = parse(text);
  } catch (error) {
    // The parser's first line names the problem and where; the rest is a drawing of the line.
    const reason = messageOf(error).split("\n")[0];
    throw new Error(`couldn't parse as pod (${reason}), please check config file`);
  }
  const o = object as Partial<Pod> | null;
  if (!o || typeof o !== "object" || Array.isArray(o) || !o.kind) {
    throw new Error("couldn't parse as pod (Object 'Kind' is missing), please check config file");
  }
  if (o.kind !== "Pod" || o.apiVersion !== "v1") {
    throw new Error(
      `couldn't parse as pod (expected apiVersion v1, kind Pod; got apiVersion ${JSON.stringify(o.apiVersion)}, kind ${JSON.stringify(o.kind)}), please check config file`,
    );
  }
  const pod = applyPodDefaults(o as JsonObject) as unknown as Pod;
  pod.metadata ??= {};
  const meta = pod.metadata;
  if (!meta.uid) meta.uid = staticPodUid(pod, nodeName, file);
  meta.name = `${meta.name ?? ""}-${nodeName.toLowerCase()}`;
  meta.namespace ||= "default";
  pod.spec.nodeName = nodeName;
  meta.annotations = {
    ...meta.annotations,
    [CONFIG_HASH_ANNOTATION]: meta.uid,
    [CONFIG_SOURCE_ANNOTATION]: FILE_SOURCE,
  };
  pod.spec.tolerations = withNoExecuteToleration(pod.spec.tolerations ?? []);
  pod.status = { phase: "Pending" };
  const errors = validatePodCreate(pod as unknown as JsonObject);
  if (errors.length > 0)
    throw new Error(`invalid pod: [${errors.map(fieldErrorMessage).join(" ")}]`);
  return pod;
}
// #endregion staticPodFromManifest

// #region staticPodUid
/**
 * The UID of a static pod: MD5 (hex) of the pod, then "host:<nodeName>", then "file:<path>", as
 * applyDefaults writes them into one hasher. Kubernetes hashes the Go object's printed form
 * (hash.DeepHashObject); tinykube hashes its JSON with sorted keys — a different string, so the
 * same manifest gets a different UID than on a real kubelet, with the same properties: stable
 * while nothing changes, different as soon as the pod, the node or the file does.
 */
export function staticPodUid(pod: Pod, nodeName: string, file: string): string {
  return createHash("md5")
    .update(stableJson(pod))
    .update(`host:${nodeName}`)
    .update(`file:${file}`)
    .digest("hex");
}
// #endregion staticPodUid

/** AddOrUpdateTolerationInPod with {operator: Exists, effect: NoExecute}: added unless present. */
function withNoExecuteToleration(tolerations: Toleration[]): Toleration[] {
  const present = tolerations.some(
    (t) => !t.key && t.operator === "Exists" && t.effect === "NoExecute" && !t.value,
  );
  return present ? tolerations : [...tolerations, { operator: "Exists", effect: "NoExecute" }];
}

/** JSON with object keys sorted at every level. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * Go's time.RFC3339Nano, which config.seen uses: fractional seconds without trailing zeros, none
 * at all on a whole second. 1_700_000_000_120 ms → "2023-11-14T22:13:20.12Z". (tinykube writes
 * UTC; a kubelet writes its local zone, e.g. "+01:00".)
 */
function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, "Z");
}
