import { mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Container, Pod } from "../api/types.ts";
import { FakeClock } from "../util/clock.ts";
import type { ConfigMapLike, SecretLike } from "./env.ts";
import {
  checkHostPath,
  makeMounts,
  podDir,
  removePodDir,
  setUpVolumes,
  type VolumeContext,
  VolumeSetUpError,
} from "./volumes.ts";

let root: string;
let configMaps: Map<string, ConfigMapLike>;
let secrets: Map<string, SecretLike>;
let clock: FakeClock;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "tinykube-volumes-"));
  configMaps = new Map([
    ["shop/settings", { data: { "app.yaml": "level: debug\n", color: "red" } }],
  ]);
  secrets = new Map([
    ["shop/creds", { data: { password: Buffer.from("s3cret").toString("base64") } }],
  ]);
  clock = new FakeClock(Date.UTC(2026, 10, 27, 8, 30, 0, 123));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const context = (): VolumeContext => ({
  rootDir: root,
  clock,
  podIP: "127.128.1.5",
  hostIP: "127.1.0.1",
  nodeAllocatable: { cpu: "4", memory: "8Gi" },
  objects: {
    configMap: async (ns, name) => configMaps.get(`${ns}/${name}`),
    secret: async (ns, name) => secrets.get(`${ns}/${name}`),
  },
});

function pod(volumes: unknown[], mounts: unknown[] = []): Pod {
  return {
    metadata: { name: "web-1", namespace: "shop", uid: "uid-1", labels: { app: "web" } },
    spec: {
      nodeName: "node-1",
      volumes,
      containers: [{ name: "app", image: "tinykube/hello", volumeMounts: mounts }],
    },
  } as unknown as Pod;
}

const volumeDir = (plugin: string, name: string) =>
  join(podDir(root, "uid-1"), "volumes", plugin, name);

describe("setUpVolumes", () => {
  it("lays out every volume where the kubelet puts it", async () => {
    const hostDir = join(root, "host-data");
    const paths = await setUpVolumes(
      pod([
        { name: "scratch", emptyDir: {} },
        { name: "config", configMap: { name: "settings" } },
        { name: "creds", secret: { secretName: "creds" } },
        {
          name: "info",
          downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
        },
        { name: "host", hostPath: { path: hostDir, type: "DirectoryOrCreate" } },
      ]),
      context(),
    );
    expect(Object.fromEntries(paths)).toEqual({
      scratch: volumeDir("kubernetes.io~empty-dir", "scratch"),
      config: volumeDir("kubernetes.io~configmap", "config"),
      creds: volumeDir("kubernetes.io~secret", "creds"),
      info: volumeDir("kubernetes.io~downward-api", "info"),
      host: hostDir,
    });
    const config = paths.get("config") as string;
    expect(await readFile(join(config, "app.yaml"), "utf8")).toBe("level: debug\n");
    expect(await readFile(join(paths.get("creds") as string, "password"), "utf8")).toBe("s3cret");
    expect(await readFile(join(paths.get("info") as string, "labels"), "utf8")).toBe('app="web"');
    expect((await stat(hostDir)).isDirectory()).toBe(true);
    // The atomic writer's layout: visible names are links through ..data.
    expect(await readlink(join(config, "app.yaml"))).toBe("..data/app.yaml");
    expect(await readlink(join(config, "..data"))).toBe("..2026_11_27_08_30_00.123000000");
    expect(((await stat(join(config, "color"))).mode & 0o777).toString(8)).toBe("644");
  });

  it("projects items to paths with their modes, and fails on a missing key", async () => {
    const paths = await setUpVolumes(
      pod([
        {
          name: "config",
          configMap: {
            name: "settings",
            defaultMode: 0o600,
            items: [
              { key: "app.yaml", path: "conf/app.yaml" },
              { key: "color", path: "color.txt", mode: 0o400 },
            ],
          },
        },
      ]),
      context(),
    );
    const dir = paths.get("config") as string;
    expect(await readFile(join(dir, "conf/app.yaml"), "utf8")).toBe("level: debug\n");
    expect(((await stat(join(dir, "conf/app.yaml"))).mode & 0o777).toString(8)).toBe("600");
    expect(((await stat(join(dir, "color.txt"))).mode & 0o777).toString(8)).toBe("400");
    expect((await readdir(dir)).filter((e) => !e.startsWith(".."))).toEqual(["color.txt", "conf"]);

    const missing = pod([
      { name: "creds", secret: { secretName: "creds", items: [{ key: "nope", path: "x" }] } },
    ]);
    await expect(setUpVolumes(missing, context())).rejects.toThrow(
      'MountVolume.SetUp failed for volume "creds" : references non-existent secret key: nope',
    );
  });

  it("updates the files atomically when the data changes, and leaves them when it does not", async () => {
    const p = pod([{ name: "config", configMap: { name: "settings" } }]);
    const dir = (await setUpVolumes(p, context())).get("config") as string;
    const first = await readlink(join(dir, "..data"));
    clock.advance(1000);
    await setUpVolumes(p, context());
    expect(await readlink(join(dir, "..data"))).toBe(first); // same data: nothing rewritten

    configMaps.set("shop/settings", { data: { "app.yaml": "level: info\n" } });
    clock.advance(1000);
    await setUpVolumes(p, context());
    expect(await readlink(join(dir, "..data"))).not.toBe(first);
    expect(await readFile(join(dir, "app.yaml"), "utf8")).toBe("level: info\n");
    // The removed key's link and the old timestamped directory are gone.
    expect((await readdir(dir)).sort()).toEqual(
      ["..data", await readlink(join(dir, "..data")), "app.yaml"].sort(),
    );
  });

  it.each([
    ["a missing config map", { configMap: { name: "nope" } }, 'configmap "nope" not found'],
    ["a missing secret", { secret: { secretName: "nope" } }, 'secret "nope" not found'],
    [
      "a hostPath that is not a directory",
      { hostPath: { path: "/etc/hostname", type: "Directory" } },
      "hostPath type check failed: /etc/hostname is not a directory",
    ],
    [
      "a hostPath that does not exist",
      { hostPath: { path: "/nonexistent/tinykube", type: "File" } },
      "hostPath type check failed: /nonexistent/tinykube is not a file",
    ],
  ])("fails on %s with Kubernetes' message naming the volume", async (_, source, why) => {
    const attempt = setUpVolumes(pod([{ name: "v", ...source }]), context());
    await expect(attempt).rejects.toThrow(VolumeSetUpError);
    await expect(attempt).rejects.toThrow(`MountVolume.SetUp failed for volume "v" : ${why}`);
  });

  it("sets up optional sources that do not exist as empty volumes", async () => {
    const paths = await setUpVolumes(
      pod([
        { name: "a", configMap: { name: "nope", optional: true } },
        { name: "b", secret: { secretName: "nope", optional: true } },
      ]),
      context(),
    );
    expect((await readdir(paths.get("a") as string)).filter((e) => !e.startsWith(".."))).toEqual(
      [],
    );
    expect(paths.has("b")).toBe(true);
  });

  it("removePodDir deletes the pod's volumes but never a host path", async () => {
    const hostDir = join(root, "host-data");
    const paths = await setUpVolumes(
      pod([
        { name: "scratch", emptyDir: {} },
        { name: "host", hostPath: { path: hostDir, type: "DirectoryOrCreate" } },
      ]),
      context(),
    );
    await writeFile(join(paths.get("scratch") as string, "f"), "x");
    await removePodDir(root, "uid-1");
    await expect(stat(podDir(root, "uid-1"))).rejects.toThrow();
    expect((await stat(hostDir)).isDirectory()).toBe(true);
  });
});

describe("checkHostPath", () => {
  it("creates a file for FileOrCreate and accepts it after", async () => {
    const file = join(root, "deep", "state.txt");
    await checkHostPath(file, "FileOrCreate");
    expect((await stat(file)).isFile()).toBe(true);
    await checkHostPath(file, "File");
    await expect(checkHostPath(root, "File")).rejects.toThrow("is not a file");
    await expect(checkHostPath(root, "Socket")).rejects.toThrow("is not a socket file");
  });
});

describe("makeMounts", () => {
  it("maps volumeMounts to host paths, with subPath and subPathExpr, API data read-only", async () => {
    const p = pod(
      [
        { name: "scratch", emptyDir: {} },
        { name: "config", configMap: { name: "settings" } },
      ],
      [
        { name: "scratch", mountPath: "/data" },
        { name: "scratch", mountPath: "/cache", subPath: "cache", readOnly: true },
        { name: "scratch", mountPath: "/logs", subPathExpr: "logs/$(POD_NAME)" },
        { name: "config", mountPath: "/etc/config" },
      ],
    );
    const paths = await setUpVolumes(p, context());
    const scratch = paths.get("scratch") as string;
    const mounts = await makeMounts(
      p,
      p.spec.containers[0] as Container,
      paths,
      new Map([["POD_NAME", "web-1"]]),
    );
    expect(mounts).toEqual([
      { containerPath: "/data", hostPath: scratch, readonly: false },
      { containerPath: "/cache", hostPath: join(scratch, "cache"), readonly: true },
      { containerPath: "/logs", hostPath: join(scratch, "logs/web-1"), readonly: false },
      { containerPath: "/etc/config", hostPath: paths.get("config"), readonly: true },
    ]);
    expect((await stat(join(scratch, "logs/web-1"))).isDirectory()).toBe(true);
  });

  it("refuses a subPath that climbs out of the volume", async () => {
    const p = pod(
      [{ name: "scratch", emptyDir: {} }],
      [{ name: "scratch", mountPath: "/x", subPath: "../../etc" }],
    );
    const paths = await setUpVolumes(p, context());
    await expect(
      makeMounts(p, p.spec.containers[0] as Container, paths, new Map()),
    ).rejects.toThrow("must be a relative path without '..'");
  });
});
