import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, computeHash, fnv32a, safeEncodeString } from "./template-hash.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const web = {
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
};

describe("fnv32a", () => {
  it("matches the published FNV-1a 32-bit test vectors", () => {
    expect(fnv32a(bytes(""))).toBe(0x811c9dc5);
    expect(fnv32a(bytes("a"))).toBe(0xe40c292c);
    expect(fnv32a(bytes("foobar"))).toBe(0xbf9cf968);
  });

  it("continues a hash: hashing in two parts equals hashing the whole", () => {
    expect(fnv32a(bytes("bar"), fnv32a(bytes("foo")))).toBe(fnv32a(bytes("foobar")));
  });
});

describe("safeEncodeString", () => {
  it("maps each digit through apimachinery's alphabet", () => {
    expect(safeEncodeString("0123456789")).toBe("456789bcdf");
  });
});

describe("computeHash", () => {
  it("gives the module comment's worked example", () => {
    expect(canonicalJson(web)).toBe(
      '{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1.27","name":"web"}]}}',
    );
    expect(computeHash(web)).toBe("6c8d7489d5");
    expect(computeHash(web, 1)).toBe("d898ff9b");
  });

  it("ignores key order and absent fields", () => {
    const reordered = {
      spec: { containers: [{ image: "nginx:1.27", name: "web", command: undefined }] },
      metadata: { labels: { app: "web" } },
    };
    expect(computeHash(reordered)).toBe(computeHash(web));
  });

  it("changes with the template and with collisionCount; collisionCount 0 still counts", () => {
    const other = { ...web, spec: { containers: [{ name: "web", image: "nginx:1.28" }] } };
    const hashes = new Set([
      computeHash(web),
      computeHash(other),
      computeHash(web, 0),
      computeHash(web, 1),
      computeHash(web, 2),
    ]);
    expect(hashes.size).toBe(5);
  });

  it("is at most 10 characters from the digits' part of the alphabet, for any template", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.option(fc.nat(), { nil: undefined }), (template, count) => {
        const hash = computeHash(template, count);
        expect(hash).toMatch(/^[456789bcdf]{1,10}$/);
        expect(computeHash(template, count)).toBe(hash);
      }),
    );
  });
});
