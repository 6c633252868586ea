/**
 * An image's manifest: `manifest.json` at the top of an image directory in the registry
 * (core/images/<repository>/manifest.json). It plays the part of an OCI image's config — the
 * entrypoint (a Dockerfile's ENTRYPOINT), default arguments (CMD), environment (ENV) and exposed
 * ports (EXPOSE) — and lists the tags the repository publishes. Every other file in the
 * directory is the image's content.
 *
 * parseManifest accepts exactly the fields below and rejects anything else with the file, the
 * field, what was expected and what was found, so a typo ("entryPoint") fails when the image is
 * looked up instead of running the image with no entrypoint.
 */

/** A port the image listens on. As EXPOSE, it documents; a pod's `ports` are what Kubernetes uses. */
export interface ImagePort {
  containerPort: number;
  /** "TCP" when the manifest leaves it out, as Kubernetes defaults a ContainerPort's protocol. */
  protocol: "TCP" | "UDP" | "SCTP";
}

export interface ImageManifest {
  /** The repository, "tinykube/hello": the directory's path under the registry root. */
  name: string;
  /** The tags published, at least one; each is its own image with its own ID (see registry.ts). */
  tags: string[];
  /** ENTRYPOINT; a container's `command` replaces it. How its strings run: process-args.ts. */
  entrypoint: string[];
  /** CMD: default arguments; a container's `args` replace them. */
  args: string[];
  /** ENV; the runtime starts a container from it and lets the container's env override it. */
  env: Record<string, string>;
  ports: ImagePort[];
  description: string;
}

export class ImageManifestError extends Error {
  constructor(
    readonly file: string,
    /** The offending field ("tags", "ports[1].protocol"), or "" for the file as a whole. */
    readonly field: string,
    problem: string,
    options?: { cause: unknown },
  ) {
    super(`${file}: ${field ? `field "${field}" ` : ""}${problem}`, options);
    this.name = "ImageManifestError";
  }
}

const FIELDS = ["name", "tags", "entrypoint", "args", "env", "ports", "description"];
const PROTOCOLS = ["TCP", "UDP", "SCTP"];
/** distribution/reference's tag grammar (regexp.go). */
const TAG = /^\w[\w.-]{0,127}$/;

const shown = (value: unknown): string =>
  value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value));

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === "string");

/**
 * Parses and checks a manifest's text. `repository` is where the registry found it; the
 * manifest's name must agree, so an image copied to a new directory is not silently renamed.
 * Optional fields default to empty: entrypoint, args, env, ports, description.
 * Entrypoint and args may both be empty; a container of such an image must then bring its own
 * command (process-args.ts).
 */
export function parseManifest(text: string, file: string, repository: string): ImageManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ImageManifestError(file, "", `is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ImageManifestError(file, "", `must hold a JSON object, got ${shown(raw)}`);
  const m = raw as Record<string, unknown>;
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new ImageManifestError(file, field, `must be ${expected}, got ${shown(got)}`);
  };

  for (const key of Object.keys(m))
    if (!FIELDS.includes(key))
      throw new ImageManifestError(
        file,
        key,
        `is not a manifest field (known: ${FIELDS.join(", ")})`,
      );
  if (m.name !== repository) fail("name", `"${repository}" (the image's directory)`, m.name);
  if (!isStringArray(m.tags) || m.tags.length === 0)
    fail("tags", "a non-empty array of tags", m.tags);
  const tags = m.tags as string[];
  tags.forEach((tag, i) => {
    if (!TAG.test(tag)) fail(`tags[${i}]`, "a tag matching [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", tag);
  });
  for (const field of ["entrypoint", "args"])
    if (m[field] !== undefined && !isStringArray(m[field]))
      fail(field, "an array of strings", m[field]);
  const env = m.env ?? {};
  if (typeof env !== "object" || env === null || Array.isArray(env))
    fail("env", "an object of string values", env);
  for (const [key, value] of Object.entries(env))
    if (typeof value !== "string") fail(`env.${key}`, "a string", value);
  const ports = m.ports ?? [];
  if (!Array.isArray(ports)) fail("ports", "an array", ports);
  (ports as unknown[]).forEach((port, i) => {
    const p = port as Partial<ImagePort> | null;
    if (typeof p !== "object" || p === null) fail(`ports[${i}]`, "an object", port);
    const n = p?.containerPort;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 65535)
      fail(`ports[${i}].containerPort`, "an integer from 1 to 65535", n);
    if (p?.protocol !== undefined && !PROTOCOLS.includes(p.protocol))
      fail(`ports[${i}].protocol`, `one of ${PROTOCOLS.join(", ")}`, p.protocol);
  });
  if (m.description !== undefined && typeof m.description !== "string")
    fail("description", "a string", m.description);

  return {
    name: repository,
    tags,
    entrypoint: (m.entrypoint as string[] | undefined) ?? [],
    args: (m.args as string[] | undefined) ?? [],
    env: env as Record<string, string>,
    ports: (ports as ImagePort[]).map((p) => ({
      containerPort: p.containerPort,
      protocol: p.protocol ?? "TCP",
    })),
    description: (m.description as string | undefined) ?? "",
  };
}
