/**
 * What a container's process gets besides its argv — environment, working directory and a view of
 * its mounts — worked out at CreateContainer, as containerd works out an OCI spec (containerd
 * internal/cri/server/container_create_linux.go). Pure: the runtime writes the result into the
 * container's config.json and the shim runs it.
 *
 * A process cannot be shown a filesystem of its own without root (mount namespaces), so mounts
 * are simplified, honestly:
 * - Each container gets a directory, its "root", holding a symlink at every mount's containerPath
 *   that points at the mount's hostPath. $TINYKUBE_ROOT names that directory, so a program that
 *   wants the volume the pod mounts at /etc/config opens $TINYKUBE_ROOT/etc/config/app.yaml. The
 *   host path itself works too: a process sees the host's whole filesystem.
 * - The runtime adds the pod's /etc/hostname and /etc/resolv.conf from the sandbox's directory, as
 *   containerd bind-mounts them, unless the kubelet mounts something at (or above) those paths.
 *   Programs that resolve names through libc still read the host's /etc/resolv.conf; the busybox
 *   image's nslookup and wget read the pod's settings (core/images/busybox/resolver.mjs).
 * - `readonly` is recorded but not enforced: a symlink cannot be read-only.
 * - One mount inside another (/data and /data/cache) is refused: the inner link would have to be
 *   written into the outer mount's host directory.
 *
 * Environment, in order, a later value winning (as containerd builds it):
 * 1. PATH, from containerd's default spec (oci/spec.go defaultUnixEnv), so a host command such
 *    as `sleep` is found even when the image sets no PATH;
 * 2. HOSTNAME, the sandbox's hostname (containerd adds it; a pod's hostname is its name), and
 *    tinykube's additions: POD_IP (the sandbox's address, which the container binds — its
 *    "network namespace"), POD_NAMESPACE, TINYKUBE_ROOT (above), and TINYKUBE_NODE, the Node.js
 *    running tinykube, which an image's executables run their scripts with (process-args.ts);
 * 3. the image's env (its manifest, the image config's Env), with the image's bin/ directory, if
 *    it has one, put in front of its PATH: it stands in for the image's own /bin;
 * 4. the container's envs from the kubelet (the pod spec's env, resolved). A container that sets
 *    PATH replaces the whole of it, image directory and all, as it would in Kubernetes.
 */
import { posix } from "node:path";
import type { ContainerConfig, Mount } from "../cri.ts";
import { CriError } from "../cri.ts";

/** containerd's default PATH for a Linux container (oci/spec.go defaultUnixEnv). */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A symlink to create in the container's root: <root><containerPath> → hostPath. */
export interface RootLink {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
}

// #region container-env
export function containerEnv(input: {
  hostname: string;
  podIp: string;
  namespace: string;
  root: string;
  /** process.execPath, in the runtime. */
  node: string;
  imageEnv: Record<string, string>;
  /** The image's bin/ directory in the node's copy, if it has one (imageBinDir). */
  imageBin?: string;
  envs: ContainerConfig["envs"];
}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    HOSTNAME: input.hostname,
    POD_IP: input.podIp,
    POD_NAMESPACE: input.namespace,
    TINYKUBE_ROOT: input.root,
    TINYKUBE_NODE: input.node,
  };
  Object.assign(env, input.imageEnv);
  if (input.imageBin) env.PATH = env.PATH ? `${input.imageBin}:${env.PATH}` : input.imageBin;
  for (const { key, value } of input.envs) env[key] = value;
  return env;
}
// #endregion container-env

// #region root-links
/**
 * The links of a container's root: the kubelet's mounts, then the sandbox's files at the
 * paths no mount covers. Throws InvalidArgument for a relative, duplicated or nested
 * containerPath.
 */
export function rootLinks(mounts: Mount[], sandboxFiles: Record<string, string>): RootLink[] {
  const links: RootLink[] = [];
  for (const mount of mounts) {
    const path = containerPathOf(mount.containerPath);
    const clash = links.find((l) => covers(l.containerPath, path) || covers(path, l.containerPath));
    if (clash) {
      throw new CriError(
        "InvalidArgument",
        clash.containerPath === path
          ? `two mounts at ${path}`
          : `mount at ${path} and mount at ${clash.containerPath} nest, which the process runtime cannot show (its mounts are symlinks)`,
      );
    }
    links.push({ containerPath: path, hostPath: mount.hostPath, readonly: mount.readonly });
  }
  for (const [containerPath, hostPath] of Object.entries(sandboxFiles)) {
    if (links.some((l) => covers(l.containerPath, containerPath))) continue;
    links.push({ containerPath, hostPath, readonly: true });
  }
  return links;
}
// #endregion root-links

/**
 * Where the process starts: the image's directory (its WORKDIR), or `workingDir` — through the
 * mount that covers it, if one does ("/data/out" under a mount of /data from /var/x is
 * /var/x/out), else the host path of that name.
 */
export function hostWorkingDir(
  workingDir: string | undefined,
  links: RootLink[],
  imageDir: string,
): string {
  if (!workingDir) return imageDir;
  const path = containerPathOf(workingDir);
  const link = links.find((l) => covers(l.containerPath, path));
  return link ? posix.join(link.hostPath, posix.relative(link.containerPath, path)) : path;
}

/** The pod's resolv.conf, as containerd writes it (sandbox_run.go parseDNSOptions). */
export function resolvConf(dns: {
  servers: string[];
  searches: string[];
  options: string[];
}): string {
  let text = "";
  if (dns.searches.length > 0) text += `search ${dns.searches.join(" ")}\n`;
  for (const server of dns.servers) text += `nameserver ${server}\n`;
  if (dns.options.length > 0) text += `options ${dns.options.join(" ")}\n`;
  return text;
}

function containerPathOf(path: string): string {
  if (!posix.isAbsolute(path)) {
    throw new CriError("InvalidArgument", `container path ${JSON.stringify(path)} is not absolute`);
  }
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

/** Whether `outer` is `inner` or a directory above it. */
const covers = (outer: string, inner: string): boolean =>
  outer === inner || inner.startsWith(outer === "/" ? "/" : `${outer}/`);
