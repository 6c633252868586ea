import { describe, expect, it } from "vitest";
import { buildRouteTable, sortIngresses } from "./route-table.ts";
import type { HTTPIngressPath, Ingress, IngressBackend, IngressRule, PathType } from "./types.ts";

const svc = (name: string, port: number | string = 80): IngressBackend => ({
  service: { name, port: typeof port === "number" ? { number: port } : { name: port } },
});

const path = (p: string, pathType: PathType, to: string): HTTPIngressPath => ({
  path: p,
  pathType,
  backend: svc(to),
});

let seq = 0;
function ingress(
  name: string,
  spec: Ingress["spec"],
  created = `2026-01-01T00:00:${String(seq++ % 60).padStart(2, "0")}Z`,
): Ingress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default", creationTimestamp: created },
    spec,
  };
}

const rule = (host: string | undefined, ...paths: HTTPIngressPath[]): IngressRule => ({
  ...(host ? { host } : {}),
  http: { paths },
});

/** The service a request reaches, or "404". */
function routeOf(ingresses: Ingress[], host: string, p: string): string {
  const target = buildRouteTable(ingresses).route(host, p);
  return target ? target.backend.service : "404";
}

describe("paths: the Kubernetes documentation's examples (Ingress, 'Examples' table)", () => {
  it.each<[string, [string, PathType][], string, boolean]>([
    ["Prefix", [["/", "Prefix"]], "/anything/at/all", true],
    ["Exact", [["/foo", "Exact"]], "/foo", true],
    ["Exact", [["/foo", "Exact"]], "/bar", false],
    ["Exact", [["/foo", "Exact"]], "/foo/", false],
    ["Exact", [["/foo/", "Exact"]], "/foo", false],
    ["Prefix", [["/foo", "Prefix"]], "/foo", true],
    ["Prefix", [["/foo", "Prefix"]], "/foo/", true],
    ["Prefix", [["/foo/", "Prefix"]], "/foo", true],
    ["Prefix", [["/foo/", "Prefix"]], "/foo/", true],
    ["Prefix", [["/aaa/bb", "Prefix"]], "/aaa/bbb", false],
    ["Prefix", [["/aaa/bbb", "Prefix"]], "/aaa/bbb", true],
    ["Prefix: ignores trailing slash", [["/aaa/bbb/", "Prefix"]], "/aaa/bbb", true],
    ["Prefix: matches trailing slash", [["/aaa/bbb", "Prefix"]], "/aaa/bbb/", true],
    ["Prefix: matches subpath", [["/aaa/bbb", "Prefix"]], "/aaa/bbb/ccc", true],
    ["Prefix: not a string prefix", [["/aaa/bbb", "Prefix"]], "/aaa/bbbxyz", false],
    ["Prefix", [["/aaa", "Prefix"]], "/ccc", false],
    [
      "ImplementationSpecific is Prefix here",
      [["/foo", "ImplementationSpecific"]],
      "/foo/bar",
      true,
    ],
    [
      "ImplementationSpecific is Prefix here",
      [["/foo", "ImplementationSpecific"]],
      "/foobar",
      false,
    ],
    ["ImplementationSpecific, empty path is /", [["", "ImplementationSpecific"]], "/x", true],
  ])("%s %j, request %s → %s", (_kind, paths, request, matches) => {
    const ing = ingress("one", {
      rules: [rule(undefined, ...paths.map(([p, t]) => path(p, t, "svc")))],
    });
    expect(routeOf([ing], "", request)).toBe(matches ? "svc" : "404");
  });

  it.each<[string, [string, PathType, string][], string, string]>([
    [
      "/ and /aaa: the longer one",
      [
        ["/", "Prefix", "root"],
        ["/aaa", "Prefix", "aaa"],
      ],
      "/aaa/ccc",
      "aaa",
    ],
    [
      "/, /aaa, /aaa/bbb",
      [
        ["/", "Prefix", "root"],
        ["/aaa", "Prefix", "aaa"],
        ["/aaa/bbb", "Prefix", "bbb"],
      ],
      "/aaa/bbb",
      "bbb",
    ],
    [
      "/, /aaa, /aaa/bbb → /ccc",
      [
        ["/", "Prefix", "root"],
        ["/aaa", "Prefix", "aaa"],
        ["/aaa/bbb", "Prefix", "bbb"],
      ],
      "/ccc",
      "root",
    ],
    [
      "Exact beats Prefix on the same path",
      [
        ["/foo", "Prefix", "prefix"],
        ["/foo", "Exact", "exact"],
      ],
      "/foo",
      "exact",
    ],
    [
      "…but not below it",
      [
        ["/foo", "Prefix", "prefix"],
        ["/foo", "Exact", "exact"],
      ],
      "/foo/x",
      "prefix",
    ],
    [
      "Exact /foo vs Prefix /foo/ (same elements)",
      [
        ["/foo/", "Prefix", "prefix"],
        ["/foo", "Exact", "exact"],
      ],
      "/foo",
      "exact",
    ],
    [
      "a longer Exact beats a shorter Prefix",
      [
        ["/a", "Prefix", "prefix"],
        ["/a/b", "Exact", "exact"],
      ],
      "/a/b",
      "exact",
    ],
    [
      "a longer Prefix beats… an Exact that does not match",
      [
        ["/a/b", "Prefix", "prefix"],
        ["/a", "Exact", "exact"],
      ],
      "/a/b",
      "prefix",
    ],
    [
      "list order does not matter, length does",
      [
        ["/aaa", "Prefix", "aaa"],
        ["/", "Prefix", "root"],
      ],
      "/aaa",
      "aaa",
    ],
  ])("%s: %s", (_name, paths, request, expected) => {
    const ing = ingress("one", {
      rules: [rule(undefined, ...paths.map(([p, t, to]) => path(p, t, to)))],
    });
    expect(routeOf([ing], "", request)).toBe(expected);
  });
});

describe("hosts", () => {
  const ings = [
    ingress("hosts", {
      rules: [
        rule("foo.bar.com", path("/", "Prefix", "precise")),
        rule("*.foo.com", path("/", "Prefix", "wildcard")),
        rule("exact.foo.com", path("/", "Prefix", "precise-under-wildcard")),
        rule(undefined, path("/", "Prefix", "any-host")),
      ],
    }),
  ];
  it.each<[string, string]>([
    ["foo.bar.com", "precise"],
    ["bar.foo.com", "wildcard"],
    ["exact.foo.com", "precise-under-wildcard"],
    ["baz.bar.foo.com", "any-host"],
    ["foo.com", "any-host"],
    ["unknown.example", "any-host"],
    ["", "any-host"],
  ])("%j → %s", (host, expected) => {
    expect(routeOf(ings, host, "/")).toBe(expected);
  });

  it("a host's server does not fall through to the catch-all's paths", () => {
    const a = ingress("a", { rules: [rule("a.example.com", path("/api", "Prefix", "api"))] });
    const b = ingress("b", { rules: [rule(undefined, path("/", "Prefix", "catch-all"))] });
    expect(routeOf([a, b], "a.example.com", "/api/x")).toBe("api");
    expect(routeOf([a, b], "a.example.com", "/other")).toBe("404");
    expect(routeOf([a, b], "b.example.com", "/other")).toBe("catch-all");
  });
});

describe("defaultBackend", () => {
  it("an Ingress's defaultBackend catches its hosts' unmatched paths", () => {
    const ing = ingress("web", {
      defaultBackend: svc("fallback"),
      rules: [rule("web.example.com", path("/api", "Prefix", "api"))],
    });
    expect(routeOf([ing], "web.example.com", "/api")).toBe("api");
    expect(routeOf([ing], "web.example.com", "/elsewhere")).toBe("fallback");
    // With rules, it does not become the catch-all: other hosts get the controller's 404.
    expect(routeOf([ing], "other.example.com", "/")).toBe("404");
  });

  it("an Ingress with only a defaultBackend is the catch-all; the oldest one wins", () => {
    const first = ingress("first", { defaultBackend: svc("first") }, "2026-01-01T00:00:00Z");
    const second = ingress("second", { defaultBackend: svc("second") }, "2026-01-02T00:00:00Z");
    expect(routeOf([second, first], "anything.example", "/x")).toBe("first");
  });

  it("a host's fallback is the defaultBackend of the first Ingress naming it", () => {
    const older = ingress(
      "older",
      { rules: [rule("h.example.com", path("/a", "Prefix", "a"))] },
      "2026-01-01T00:00:00Z",
    );
    const newer = ingress(
      "newer",
      {
        defaultBackend: svc("newer-default"),
        rules: [rule("h.example.com", path("/b", "Prefix", "b"))],
      },
      "2026-01-02T00:00:00Z",
    );
    expect(routeOf([older, newer], "h.example.com", "/b/1")).toBe("b");
    expect(routeOf([older, newer], "h.example.com", "/c")).toBe("404");
  });

  it("no Ingress: everything is the controller's 404", () => {
    expect(routeOf([], "x", "/")).toBe("404");
  });
});

describe("merging several Ingresses", () => {
  it("rules for one host merge; a path claimed twice goes to the oldest Ingress", () => {
    const a = ingress(
      "a",
      { rules: [rule("m.example.com", path("/x", "Prefix", "a-x"))] },
      "2026-01-01T00:00:00Z",
    );
    const b = ingress(
      "b",
      { rules: [rule("m.example.com", path("/x", "Prefix", "b-x"), path("/y", "Prefix", "b-y"))] },
      "2026-01-02T00:00:00Z",
    );
    expect(routeOf([b, a], "m.example.com", "/x")).toBe("a-x");
    expect(routeOf([b, a], "m.example.com", "/y")).toBe("b-y");
  });

  it("Prefix and ImplementationSpecific share paths; Exact is separate", () => {
    const a = ingress("a", {
      rules: [
        rule(
          undefined,
          path("/p", "ImplementationSpecific", "impl"),
          path("/p/", "Prefix", "prefix"),
          path("/p", "Exact", "exact"),
        ),
      ],
    });
    expect(routeOf([a], "", "/p/q")).toBe("impl");
    expect(routeOf([a], "", "/p")).toBe("exact");
  });

  it("ties on creationTimestamp go to the later namespace/name (ingress-nginx's sortIngressSlice)", () => {
    const t = "2026-01-01T00:00:00Z";
    const sorted = sortIngresses([ingress("a", {}, t), ingress("c", {}, t), ingress("b", {}, t)]);
    expect(sorted.map((i) => i.metadata.name)).toEqual(["c", "b", "a"]);
  });

  it("skips backends that are not Services", () => {
    const ing = ingress("res", {
      rules: [
        {
          http: {
            paths: [
              {
                path: "/static",
                pathType: "Prefix",
                backend: {
                  resource: { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "b" },
                },
              },
            ],
          },
        },
      ],
    });
    expect(routeOf([ing], "", "/static")).toBe("404");
  });

  it("lists each backend once, by namespace/service:port", () => {
    const ing = ingress("b", {
      defaultBackend: svc("web", "http"),
      rules: [rule("a.example.com", path("/", "Prefix", "web"), path("/x", "Exact", "web"))],
    });
    expect([...buildRouteTable([ing]).backends().keys()].sort()).toEqual([
      "default/web:80",
      "default/web:http",
    ]);
  });
});
