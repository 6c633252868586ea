import { describe, expect, it } from "vitest";
import {
  containerEnv,
  DEFAULT_PATH,
  hostWorkingDir,
  resolvConf,
  rootLinks,
} from "./container-spec.ts";

const sandboxFiles = {
  "/etc/hostname": "/node/sandboxes/s1/hostname",
  "/etc/resolv.conf": "/node/sandboxes/s1/resolv.conf",
};

describe("containerEnv", () => {
  it("layers the runtime's variables, then the image's env, then the container's envs", () => {
    const env = containerEnv({
      hostname: "web-0",
      podIp: "127.128.1.2",
      namespace: "shop",
      root: "/node/containers/c1/root",
      node: "/opt/node/bin/node",
      imageEnv: { PATH: "/image/bin:/usr/bin", IMAGE_TAG: "1.0", MODE: "image" },
      envs: [
        { key: "MODE", value: "pod" },
        { key: "HOSTNAME", value: "renamed" },
      ],
    });
    expect(env).toEqual({
      PATH: "/image/bin:/usr/bin",
      HOSTNAME: "renamed",
      POD_IP: "127.128.1.2",
      POD_NAMESPACE: "shop",
      TINYKUBE_ROOT: "/node/containers/c1/root",
      TINYKUBE_NODE: "/opt/node/bin/node",
      IMAGE_TAG: "1.0",
      MODE: "pod",
    });
  });

  it("gives containerd's default PATH when the image sets none", () => {
    const env = containerEnv({
      hostname: "h",
      podIp: "127.128.1.2",
      namespace: "default",
      root: "/r",
      node: "/n",
      imageEnv: {},
      envs: [],
    });
    expect(env.PATH).toBe(DEFAULT_PATH);
  });

  it("puts the image's bin/ in front of the image's PATH; a container's PATH replaces it all", () => {
    const input = {
      hostname: "h",
      podIp: "127.128.1.2",
      namespace: "default",
      root: "/r",
      node: "/n",
      imageEnv: { PATH: "/usr/bin:/bin" },
      imageBin: "/node/images/abc/bin",
    };
    expect(containerEnv({ ...input, envs: [] }).PATH).toBe("/node/images/abc/bin:/usr/bin:/bin");
    expect(containerEnv({ ...input, imageEnv: {}, envs: [] }).PATH).toBe(
      `/node/images/abc/bin:${DEFAULT_PATH}`,
    );
    expect(containerEnv({ ...input, envs: [{ key: "PATH", value: "/mine" }] }).PATH).toBe("/mine");
  });
});

describe("rootLinks", () => {
  it("links each mount, then the sandbox's files no mount covers", () => {
    expect(
      rootLinks(
        [
          { containerPath: "/data/", hostPath: "/var/volumes/data", readonly: false },
          { containerPath: "/etc/config", hostPath: "/var/volumes/config", readonly: true },
        ],
        sandboxFiles,
      ),
    ).toEqual([
      { containerPath: "/data", hostPath: "/var/volumes/data", readonly: false },
      { containerPath: "/etc/config", hostPath: "/var/volumes/config", readonly: true },
      { containerPath: "/etc/hostname", hostPath: sandboxFiles["/etc/hostname"], readonly: true },
      {
        containerPath: "/etc/resolv.conf",
        hostPath: sandboxFiles["/etc/resolv.conf"],
        readonly: true,
      },
    ]);
  });

  it("leaves out a sandbox file the kubelet mounts itself, or mounts a directory above", () => {
    const own = rootLinks(
      [{ containerPath: "/etc/resolv.conf", hostPath: "/kubelet/resolv.conf", readonly: true }],
      sandboxFiles,
    );
    expect(own.map((l) => [l.containerPath, l.hostPath])).toEqual([
      ["/etc/resolv.conf", "/kubelet/resolv.conf"],
      ["/etc/hostname", sandboxFiles["/etc/hostname"]],
    ]);
    const above = rootLinks(
      [{ containerPath: "/etc", hostPath: "/x", readonly: false }],
      sandboxFiles,
    );
    expect(above.map((l) => l.containerPath)).toEqual(["/etc"]);
  });

  it.each([
    [["data"], /not absolute/],
    [["/data", "/data"], /two mounts at \/data/],
    [["/data", "/data/cache"], /nest/],
    [["/data/cache", "/data"], /nest/],
    [["/", "/data"], /nest/],
  ])("refuses mounts at %j", (paths, message) => {
    const mounts = paths.map((containerPath) => ({
      containerPath,
      hostPath: "/h",
      readonly: false,
    }));
    expect(() => rootLinks(mounts, {})).toThrow(message);
    expect(() => rootLinks(mounts, {})).toThrow(
      expect.objectContaining({ code: "InvalidArgument" }),
    );
  });

  it("lets sibling paths that share a prefix be (/data and /database do not nest)", () => {
    const mounts = ["/data", "/database"].map((containerPath) => ({
      containerPath,
      hostPath: "/h",
      readonly: false,
    }));
    expect(rootLinks(mounts, {})).toHaveLength(2);
  });
});

describe("hostWorkingDir", () => {
  const links = rootLinks(
    [{ containerPath: "/data", hostPath: "/var/volumes/data", readonly: false }],
    {},
  );
  it.each([
    [undefined, "/images/app"],
    ["", "/images/app"],
    ["/data", "/var/volumes/data"],
    ["/data/out/", "/var/volumes/data/out"],
    ["/tmp", "/tmp"],
    ["/database", "/database"],
  ])("workingDir %j starts the process in %s", (workingDir, expected) => {
    expect(hostWorkingDir(workingDir, links, "/images/app")).toBe(expected);
  });
});

describe("resolvConf", () => {
  it("writes search, nameservers and options, each only when given", () => {
    expect(
      resolvConf({
        servers: ["127.96.0.10", "127.0.0.53"],
        searches: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
        options: ["ndots:5"],
      }),
    ).toBe(
      "search default.svc.cluster.local svc.cluster.local cluster.local\n" +
        "nameserver 127.96.0.10\nnameserver 127.0.0.53\noptions ndots:5\n",
    );
    expect(resolvConf({ servers: ["1.1.1.1"], searches: [], options: [] })).toBe(
      "nameserver 1.1.1.1\n",
    );
  });
});
