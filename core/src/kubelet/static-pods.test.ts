/**
 * The static pod file source on a real folder and a fake clock: the file source's defaults, a
 * rescan only every fileCheckFrequency, an edit as one pod removed and another added, removed
 * files, and bad files that are reported and skipped without disturbing the others.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import { FakeClock } from "../util/clock.ts";
import {
  CONFIG_HASH_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
  DEFAULT_FILE_CHECK_FREQUENCY_MS,
  type StaticPodChange,
  StaticPodSource,
  staticPodFromManifest,
} from "./static-pods.ts";

const WEB_YAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: { app: web }
spec:
  containers:
  - name: hello
    image: tinykube/hello:1.0
`;

const CACHE_JSON = JSON.stringify({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "cache", namespace: "kube-system" },
  spec: { containers: [{ name: "c", image: "tinykube/echo:1.0" }] },
});

const names = (pods: Pod[]) => pods.map((p) => p.metadata.name).sort();

describe("the static pod file source", () => {
  let dir = "";
  let clock: FakeClock;
  let changes: StaticPodChange[];
  let logs: string[];
  let source: StaticPodSource | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "tinykube-static-"));
    clock = new FakeClock(Date.parse("2026-11-27T10:00:00.120Z"));
    changes = [];
    logs = [];
  });
  afterEach(async () => {
    source?.stop();
    source = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (path = dir) => {
    source = new StaticPodSource({
      path,
      nodeName: "node-1",
      clock,
      onChange: (change) => changes.push(change),
      log: (line) => logs.push(line),
    });
    await source.start();
    return source;
  };
  /** Moves the clock and waits for the scan it started. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    await source?.whenScanned();
  };

  it("reads YAML and JSON manifests with the file source's defaults; dotfiles and folders are skipped", async () => {
    await writeFile(join(dir, "web.yaml"), WEB_YAML);
    await writeFile(join(dir, "cache.json"), CACHE_JSON);
    await writeFile(join(dir, ".web.yaml.swp"), "not a pod");
    await mkdir(join(dir, "old"));
    await writeFile(join(dir, "old", "other.yaml"), WEB_YAML.replace("web", "other"));
    await start();

    expect(changes).toHaveLength(1);
    expect(names(changes[0]?.added ?? [])).toEqual(["cache-node-1", "web-node-1"]);
    const web = changes[0]?.added.find((p) => p.metadata.name === "web-node-1") as Pod;
    expect(web.metadata.namespace).toBe("default");
    expect(web.spec.nodeName).toBe("node-1");
    expect(web.metadata.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(web.metadata.annotations).toEqual({
      [CONFIG_HASH_ANNOTATION]: web.metadata.uid,
      [CONFIG_SOURCE_ANNOTATION]: "file",
      // RFC3339Nano: trailing zeros of the fraction dropped.
      [CONFIG_SEEN_ANNOTATION]: "2026-11-27T10:00:00.12Z",
    });
    expect(web.spec.tolerations).toEqual([{ operator: "Exists", effect: "NoExecute" }]);
    expect(web.status).toEqual({ phase: "Pending" });
    // The API's pod defaults were applied, as decoding a manifest applies them.
    expect(web.spec.restartPolicy).toBe("Always");
    expect(web.spec.containers[0]?.imagePullPolicy).toBe("IfNotPresent");
    const cache = changes[0]?.added.find((p) => p.metadata.name === "cache-node-1") as Pod;
    expect(cache.metadata.namespace).toBe("kube-system");
    expect(logs).toContain(`${join(dir, "old")} is a directory, not recursing into manifest path`);
  });

  it("rescans every 20 s, not before; an unchanged file keeps its pod and first-seen time", async () => {
    await writeFile(join(dir, "web.yaml"), WEB_YAML);
    await start();
    const first = changes[0]?.added[0] as Pod;
    await writeFile(join(dir, "cache.json"), CACHE_JSON);
    await advance(DEFAULT_FILE_CHECK_FREQUENCY_MS - 1);
    expect(changes, "no scan before fileCheckFrequency").toHaveLength(1);
    await advance(1);
    expect(changes).toHaveLength(2);
    expect(names(changes[1]?.added ?? [])).toEqual(["cache-node-1"]);
    expect(changes[1]?.removed).toEqual([]);
    expect(source?.pods().find((p) => p.metadata.name === "web-node-1")).toBe(first);
    await advance(DEFAULT_FILE_CHECK_FREQUENCY_MS);
    expect(changes, "nothing changed: nothing reported").toHaveLength(2);
  });

  it("an edited file is its old pod removed and a new one added, with a new hash", async () => {
    await writeFile(join(dir, "web.yaml"), WEB_YAML);
    await start();
    const before = changes[0]?.added[0] as Pod;
    await writeFile(join(dir, "web.yaml"), WEB_YAML.replace("hello:1.0", "hello:2.0"));
    await advance(DEFAULT_FILE_CHECK_FREQUENCY_MS);
    expect(changes).toHaveLength(2);
    const { added, removed } = changes[1] as StaticPodChange;
    expect(removed).toEqual([before]);
    expect(added).toHaveLength(1);
    const after = added[0] as Pod;
    expect(after.metadata.name).toBe("web-node-1");
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(after.metadata.annotations?.[CONFIG_HASH_ANNOTATION]).toBe(after.metadata.uid);
    expect(after.metadata.annotations?.[CONFIG_SEEN_ANNOTATION]).toBe("2026-11-27T10:00:20.12Z");
  });

  it("a removed file removes its pod; a removed folder removes them all", async () => {
    await writeFile(join(dir, "web.yaml"), WEB_YAML);
    await writeFile(join(dir, "cache.json"), CACHE_JSON);
    await start();
    await rm(join(dir, "web.yaml"));
    await advance(DEFAULT_FILE_CHECK_FREQUENCY_MS);
    expect(names(changes[1]?.removed ?? [])).toEqual(["web-node-1"]);
    expect(changes[1]?.added).toEqual([]);
    await rm(dir, { recursive: true });
    await advance(DEFAULT_FILE_CHECK_FREQUENCY_MS);
    expect(names(changes[2]?.removed ?? [])).toEqual(["cache-node-1"]);
    expect(logs).toContain(`unable to read config path ${dir}: path does not exist, ignoring`);
  });

  it("reports a bad file with its path and error and skips it; the others run, and a fix adds it", async () => {
    await writeFile(join(dir, "web.yaml"), WEB_YAML);
    await writeFile(join(dir, "broken.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: [oops\n");
    await writeFile(join(dir, "deploy.yaml"), "apiVersion: apps/v1\nkind: Deployment\n");
    await writeFile(
      join(dir, "empty.yaml"),
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: empty\nspec:\n  containers: []\n",
    );
    await start();
    expect(names(changes[0]?.added ?? [])).toEqual(["web-node-1"]);
    const line = (file: string) =>
      logs.find((l) => l.startsWith(`could not process manifest file ${join(dir, file)}: `));
    expect(line("broken.yaml")).toMatch(/couldn't parse as pod \(.+\), please check config file$/);
    expect(line("deploy.yaml")).toContain(
      'expected apiVersion v1, kind Pod; got apiVersion "apps/v1", kind "Deployment"',
    );
    expect(line("empty.yaml")).toContain("invalid pod: [spec.containers: Required value]");

    await writeFile(join(dir, "empty.yaml"), WEB_YAML.replace("name: web", "name: empty"));
    await advance(DEFAULT_FILE_CHECK_FREQUENCY_MS);
    expect(names(changes[1]?.added ?? [])).toEqual(["empty-node-1"]);
    expect(changes[1]?.removed, "the good pod is left alone").toEqual([]);
  });

  it("of two files naming the same pod, the first in file-name order wins", async () => {
    await writeFile(join(dir, "a.yaml"), WEB_YAML);
    await writeFile(join(dir, "b.yaml"), WEB_YAML.replace("hello:1.0", "hello:2.0"));
    await start();
    expect(changes[0]?.added.map((p) => p.spec.containers[0]?.image)).toEqual([
      "tinykube/hello:1.0",
    ]);
    expect(logs).toContain("static pod default/web-node-1: duplicate pod name, ignoring");
  });

  it("stop() cancels the next scan", async () => {
    await start();
    expect(clock.pending()).toBe(1);
    source?.stop();
    expect(clock.pending()).toBe(0);
  });
});

describe("staticPodFromManifest", () => {
  const make = (file: string, nodeName = "node-1") =>
    staticPodFromManifest(WEB_YAML, { file, nodeName });

  it("hashes the pod, the node and the file into the UID", () => {
    const uid = make("/etc/manifests/web.yaml").metadata.uid;
    expect(make("/etc/manifests/web.yaml").metadata.uid, "stable").toBe(uid);
    expect(make("/etc/manifests/web2.yaml").metadata.uid, "another file").not.toBe(uid);
    expect(make("/etc/manifests/web.yaml", "node-2").metadata.uid, "another node").not.toBe(uid);
  });

  it("keeps a NoExecute toleration the manifest already has, adds it otherwise", () => {
    const text = `${WEB_YAML}  tolerations:\n  - operator: Exists\n    effect: NoExecute\n  - key: gpu\n    operator: Exists\n`;
    const pod = staticPodFromManifest(text, { file: "/m/web.yaml", nodeName: "node-1" });
    expect(pod.spec.tolerations).toEqual([
      { operator: "Exists", effect: "NoExecute" },
      { key: "gpu", operator: "Exists" },
    ]);
  });

  it("refuses a document without a kind", () => {
    expect(() => staticPodFromManifest("just: text\n", { file: "/m/x", nodeName: "n" })).toThrow(
      "couldn't parse as pod (Object 'Kind' is missing), please check config file",
    );
  });
});
