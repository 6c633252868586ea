import { describe, expect, it } from "vitest";
import { CycleState } from "../../framework/types.ts";
import { labeledNode, labeledPod, snapshot } from "../testing-pods.ts";
import { describeZoneSpreadContract } from "./zone-spread.cases.ts";
import { ZoneSpread } from "./zone-spread.ts";

describeZoneSpreadContract("the core's ZoneSpread", (lister) => new ZoneSpread(lister));

describe("ZoneSpread beyond the contract", () => {
  it("Score on a node without a zone (Filter disabled) is an Error naming the node", () => {
    const [info] = snapshot([labeledNode("bare")]);
    if (!info) throw new Error("snapshot() returned no NodeInfo for node bare");
    const plugin = new ZoneSpread({ nodeInfos: () => [info] });
    const got = plugin.score(new CycleState(), labeledPod("p", { labels: { app: "web" } }), info);
    expect(got.status).toEqual({
      code: "Error",
      reasons: ["node bare has no topology.kubernetes.io/zone label"],
    });
  });
});
