import { describe, expect, it } from "vitest";
import { ImageManifestError, parseManifest } from "./manifest.ts";

const FILE = "/registry/app/manifest.json";
const parse = (manifest: unknown) => parseManifest(JSON.stringify(manifest), FILE, "app");

describe("parseManifest", () => {
  it("reads every field", () => {
    expect(
      parse({
        name: "app",
        tags: ["1.0", "latest"],
        entrypoint: ["node", "main.mjs"],
        args: ["--port", "80"],
        env: { PORT: "80" },
        ports: [
          { containerPort: 80, protocol: "TCP" },
          { containerPort: 53, protocol: "UDP" },
        ],
        description: "an app",
      }),
    ).toEqual({
      name: "app",
      tags: ["1.0", "latest"],
      entrypoint: ["node", "main.mjs"],
      args: ["--port", "80"],
      env: { PORT: "80" },
      ports: [
        { containerPort: 80, protocol: "TCP" },
        { containerPort: 53, protocol: "UDP" },
      ],
      description: "an app",
    });
  });

  it("defaults the optional fields, and a port's protocol to TCP as Kubernetes does", () => {
    expect(parse({ name: "app", tags: ["latest"], ports: [{ containerPort: 80 }] })).toEqual({
      name: "app",
      tags: ["latest"],
      entrypoint: [],
      args: [],
      env: {},
      ports: [{ containerPort: 80, protocol: "TCP" }],
      description: "",
    });
  });

  it.each([
    ["a file that is not JSON", "{ name: app }", `${FILE}: is not valid JSON: `],
    ["a file that is not an object", "[]", `${FILE}: must hold a JSON object, got []`],
  ])("rejects %s", (_, text, message) => {
    expect(() => parseManifest(text, FILE, "app")).toThrow(message);
  });

  it.each([
    [
      "an unknown field",
      { name: "app", tags: ["1"], entryPoint: ["x"] },
      'field "entryPoint" is not a manifest field (known: name, tags, entrypoint, args, env, ports, description)',
    ],
    [
      "a name that is not its directory",
      { name: "other", tags: ["1"] },
      `field "name" must be "app" (the image's directory), got "other"`,
    ],
    [
      "no tags",
      { name: "app", tags: [] },
      'field "tags" must be a non-empty array of tags, got []',
    ],
    [
      "a missing tags field",
      { name: "app" },
      'field "tags" must be a non-empty array of tags, got nothing',
    ],
    [
      "a malformed tag",
      { name: "app", tags: ["1.0", "-x"] },
      'field "tags[1]" must be a tag matching [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, got "-x"',
    ],
    [
      "an entrypoint that is a string",
      { name: "app", tags: ["1"], entrypoint: "node main.mjs" },
      'field "entrypoint" must be an array of strings, got "node main.mjs"',
    ],
    [
      "args with a number",
      { name: "app", tags: ["1"], args: ["--port", 80] },
      'field "args" must be an array of strings, got ["--port",80]',
    ],
    [
      "an env value that is a number",
      { name: "app", tags: ["1"], env: { PORT: 80 } },
      'field "env.PORT" must be a string, got 80',
    ],
    [
      "a port out of range",
      { name: "app", tags: ["1"], ports: [{ containerPort: 70000 }] },
      'field "ports[0].containerPort" must be an integer from 1 to 65535, got 70000',
    ],
    [
      "a lowercase protocol",
      {
        name: "app",
        tags: ["1"],
        ports: [{ containerPort: 80 }, { containerPort: 81, protocol: "udp" }],
      },
      'field "ports[1].protocol" must be one of TCP, UDP, SCTP, got "udp"',
    ],
  ])("rejects %s, naming the file and the field", (_, manifest, problem) => {
    let thrown: unknown;
    try {
      parse(manifest);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ImageManifestError);
    expect((thrown as Error).message).toBe(`${FILE}: ${problem}`);
    expect((thrown as ImageManifestError).file).toBe(FILE);
  });
});
