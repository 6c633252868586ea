import { describe, expect, it } from "vitest";
import { EmbedError, isEmbedMeta, parseEmbedMeta, resolveEmbed } from "./embed.ts";
import { fakeRepo } from "./fixture.ts";

describe("parseEmbedMeta", () => {
  it("reads file, region and passes Docusaurus flags through", () => {
    expect(parseEmbedMeta("file=core/src/a.ts region=Put showLineNumbers {2,3}")).toEqual({
      ok: true,
      embed: {
        file: "core/src/a.ts",
        region: "Put",
        anchor: "code-Put",
        passThrough: ["showLineNumbers", "{2,3}"],
      },
    });
  });

  it("anchors a whole-file embed by the file's name, and honours id=", () => {
    const whole = parseEmbedMeta("file=core/src/util/clock.ts");
    expect(whole.ok && whole.embed.anchor).toBe("code-clock");
    const named = parseEmbedMeta('file="core/src/util/clock.ts" id=Clock');
    expect(named.ok && named.embed).toMatchObject({
      file: "core/src/util/clock.ts",
      anchor: "code-Clock",
    });
  });

  it.each([
    ["regoin=Put file=a.ts", /unknown embed key "regoin="/],
    ["file=a.ts title=x", /remove title=/],
    ["file=a.ts file=b.ts", /given twice/],
    ["region=Put", /needs file=/],
  ])("refuses %s", (meta, error) => {
    const parsed = parseEmbedMeta(meta);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(error);
  });

  it("tells embeds from ordinary fences", () => {
    expect(isEmbedMeta("file=a.ts")).toBe(true);
    expect(isEmbedMeta('title="a.ts"')).toBe(false);
    expect(isEmbedMeta(null)).toBe(false);
  });
});

describe("resolveEmbed", () => {
  const embed = (meta: string) => {
    const parsed = parseEmbedMeta(meta);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.embed;
  };

  it("returns the region's code and a title with its lines", () => {
    const root = fakeRepo({});
    expect(resolveEmbed(root, embed("file=core/src/thing.ts region=Thing"))).toMatchObject({
      code: "export class Thing {\n  readonly size = 1;\n}",
      title: "core/src/thing.ts — Thing, lines 4–6",
    });
  });

  it("fails on a missing file, a missing region, a path outside the repository", () => {
    const root = fakeRepo({});
    expect(() => resolveEmbed(root, embed("file=core/src/nope.ts"))).toThrow(/no such file/);
    expect(() => resolveEmbed(root, embed("file=core/src/thing.ts region=Nope"))).toThrow(
      /no region "Nope"; the file has "Thing"/,
    );
    expect(() => resolveEmbed(root, embed("file=../outside.ts"))).toThrow(EmbedError);
  });

  it("points at the source line of a malformed region", () => {
    const root = fakeRepo({ "core/src/bad.ts": "const a = 1;\n// #region A\n" });
    expect(() => resolveEmbed(root, embed("file=core/src/bad.ts region=A"))).toThrow(
      /^core\/src\/bad.ts:2: region "A" is never closed/,
    );
  });
});
