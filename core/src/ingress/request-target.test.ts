import { describe, expect, it } from "vitest";
import { routingHost, routingPath } from "./request-target.ts";

describe("routingPath", () => {
  it.each<[string, string | undefined]>([
    ["/", "/"],
    ["/api/v1/users", "/api/v1/users"],
    ["/api/v1/users?limit=10&x=/../", "/api/v1/users"],
    ["/foo/", "/foo/"],
    ["//foo///bar", "/foo/bar"],
    ["/a/./b", "/a/b"],
    ["/a/b/..", "/a/"],
    ["/a/b/.", "/a/b/"],
    ["/api/../admin", "/admin"],
    ["/a//b/./c/../d%2Fe/?x=1", "/a/b/d/e/"],
    ["/%61pi", "/api"],
    ["/caf%C3%A9", "/café"],
    // Node gives the raw UTF-8 bytes as Latin-1 characters.
    [Buffer.from("/café", "utf8").toString("latin1"), "/café"],
    ["/.hidden", "/.hidden"],
    ["/..", undefined],
    ["/a/../..", undefined],
    ["/%2e%2e/etc", undefined],
    ["/bad%zz", undefined],
    ["/truncated%4", undefined],
    ["/nul%00", undefined],
    ["http://example.com/x", undefined],
    ["*", undefined],
    ["", undefined],
  ])("%j → %j", (target, expected) => {
    expect(routingPath(target)).toBe(expected);
  });
});

describe("routingHost", () => {
  it.each<[string | undefined, string]>([
    ["web.example.com", "web.example.com"],
    ["Web.Example.COM", "web.example.com"],
    ["web.example.com:8080", "web.example.com"],
    ["web.example.com.", "web.example.com"],
    ["web.example.com.:80", "web.example.com"],
    ["127.1.0.1:8080", "127.1.0.1"],
    ["[::1]:80", "[::1]"],
    ["", ""],
    [undefined, ""],
  ])("%j → %j", (header, expected) => {
    expect(routingHost(header)).toBe(expected);
  });
});
