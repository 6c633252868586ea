import { stat } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { openClusterStage, untilFor } from "./stage.ts";

describe("openClusterStage", () => {
  it("serves, gives clients, and closes last-started-first, every step even after a failure", async () => {
    const said: string[] = [];
    const stage = await openClusterStage({
      chapter: "chapter 9",
      say: (l) => said.push(l),
      nodes: ["n1"],
    });
    expect(said).toEqual([`[apiserver] serving ${stage.api.url}`]);
    expect(stage.dataDir).toMatch(/tinykube-ch09-/);
    const node = stage.clientAs("system:node:n1", { userAgent: "kubelet/n1" });
    expect(await node.request("GET", "/api/v1/nodes/n1").catch((e: Error) => e.message)).toMatch(
      /not found/,
    );
    expect(() => stage.clientAs("nobody")).toThrow(
      "chapter 9: the API server has no token for nobody",
    );

    const order: string[] = [];
    stage.defer(() => {
      order.push("first");
    });
    stage.defer(() => {
      order.push("second");
      throw new Error("second failed");
    });
    stage.defer(() => {
      order.push("third");
    });
    await expect(stage.close()).rejects.toThrow("chapter 9: stopping failed");
    expect(order).toEqual(["third", "second", "first"]);
    await expect(stat(stage.dataDir), "the data directory is gone").rejects.toThrow(/ENOENT/);
  });

  it("until says which chapter waited for what", async () => {
    const until = untilFor("chapter 9", 1);
    let n = 0;
    expect(await until(() => (++n >= 3 ? n : undefined), "three polls")).toBe(3);
    await expect(until(() => false, "nothing", 10)).rejects.toThrow(
      "chapter 9: timed out waiting for nothing",
    );
  });
});
