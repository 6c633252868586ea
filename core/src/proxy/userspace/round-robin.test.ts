import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { describeEndpointSelectorContract } from "./round-robin.cases.ts";
import { RoundRobinBalancer } from "./round-robin.ts";

describeEndpointSelectorContract(
  "RoundRobinBalancer",
  (options) => new RoundRobinBalancer(options),
);

describe("RoundRobinBalancer's shuffle", () => {
  it("shuffles a new set with the injected randomness (Fisher–Yates)", () => {
    // random() = 0 swaps each position with the first: [a, b, c] → [c, b, a] → [b, c, a].
    const balancer = new RoundRobinBalancer({ clock: new FakeClock(), random: () => 0 });
    balancer.setEndpoints("web", ["a", "b", "c"]);
    const picks = [1, 2, 3].map(() => balancer.nextEndpoint("web", "1.1.1.1", false));
    expect(picks).toEqual(["b", "c", "a"]);
  });
});
