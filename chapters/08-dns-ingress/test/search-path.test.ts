import { describe, expect, it } from "vitest";
import { candidates, parseResolvConf } from "../src/search-path.ts";

const conf = parseResolvConf(
  "search default.svc.cluster.local svc.cluster.local cluster.local\n" +
    "nameserver 127.96.8.10\n" +
    "options ndots:5\n",
);

describe("the stub resolver's search path (glibc res_search)", () => {
  it("reads the kubelet's resolv.conf", () => {
    expect(conf).toEqual({
      nameservers: ["127.96.8.10"],
      search: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
      ndots: 5,
    });
    expect(parseResolvConf("nameserver 1.1.1.1\n").ndots, "glibc's default").toBe(1);
    expect(parseResolvConf("options ndots:99\n").ndots, "capped at RES_MAXNDOTS").toBe(15);
  });

  it("tries the search list first below ndots dots, then the name as it is", () => {
    expect(candidates("web", conf)).toEqual([
      "web.default.svc.cluster.local",
      "web.svc.cluster.local",
      "web.cluster.local",
      "web",
    ]);
    expect(candidates("example.com", conf)).toHaveLength(4);
  });

  it("tries the name as it is first at ndots dots or more", () => {
    expect(candidates("a.b.c.d.e.f", conf)[0]).toBe("a.b.c.d.e.f");
    expect(candidates("web", { search: ["x"], ndots: 0 })).toEqual(["web", "web.x"]);
  });

  it("sends an absolute name alone, without its dot", () => {
    expect(candidates("web.default.svc.cluster.local.", conf)).toEqual([
      "web.default.svc.cluster.local",
    ]);
  });
});
