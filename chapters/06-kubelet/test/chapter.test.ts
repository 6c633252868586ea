import { describe, expect, it } from "vitest";
import { runChapter } from "../src/chapter.ts";

describe("chapter 6 shows what its page says", () => {
  it("a node registers; a pod is pulled, started, probed, restarted, logged and deleted", async () => {
    const lines: string[] = [];
    const facts = await runChapter((line) => lines.push(line));
    const text = lines.join("\n");
    const at = (needle: string) => {
      const i = text.indexOf(needle);
      expect(i, `the narration says ${JSON.stringify(needle)}`).toBeGreaterThanOrEqual(0);
      return i;
    };

    // 1. The node: registered by its kubelet, given a pod CIDR by node IPAM.
    expect(facts.podCIDR, "the first /24 of the chapter's pod network").toBe("127.206.0.0/24");
    expect(at("registered node node-1")).toBeLessThan(at("set node node-1 podCIDRs"));

    // 2. Pull, sandbox, create, start, in the kubelet's order; the pod answers on its own IP.
    expect(at("Pulling image")).toBeLessThan(at("Created container: web"));
    expect(at("sandbox")).toBeLessThan(at("Created container: web"));
    expect(at("Created container: web")).toBeLessThan(at("Started container web"));
    expect(facts.answer).toBe(`Hello from web in default at ${facts.podIP} (version 1.0)`);

    // 3. Readiness went away and came back, without a restart.
    expect(facts.readySeen.join(" → ")).toMatch(/^(False → )?True → False → True/);

    // 4. A killed process: restarted once, its last state exit 137.
    expect(facts.killed).toEqual({ restartCount: 1, lastExitCode: 137, lastReason: "Error" });

    // 5. A failed liveness probe: killed and restarted by the kubelet.
    expect(facts.liveness.restartCount).toBe(2);
    expect(facts.liveness.killingMessage).toBe(
      "Container web failed liveness probe, will be restarted",
    );
    expect(facts.eventReasons).toEqual(expect.arrayContaining(["Unhealthy", "Killing"]));

    // 6. CrashLoopBackOff with the kubelet's message.
    expect(facts.crashLoop.reason).toBe("CrashLoopBackOff");
    expect(facts.crashLoop.message).toMatch(
      /^back-off (10|20)s restarting failed container=crasher pod=crasher_default\(.+\)$/,
    );

    // 7. Logs from the kubelet through the API server; --previous is the killed run's.
    expect(facts.logs.current).toContain("GET /healthz 200");
    expect(facts.logs.previous).toContain("GET /healthz 500");

    // 8. Deletion: the object is gone only after the process exited.
    expect(facts.deletion).toEqual({ processGone: true, objectGone: true });
  });
});
