import { describe, expect, it } from "vitest";
import { runChapter } from "../src/chapter.ts";

describe("chapter 1 shows what its page says", () => {
  it("runs the whole session and every step does what the narration claims", async () => {
    const lines: string[] = [];
    const facts = await runChapter((line) => lines.push(line));
    const text = lines.join("\n");
    const [r1, r2, r3] = facts.created;
    expect([r2, r3], "each create commits the next revision").toEqual([
      (r1 as number) + 1,
      (r1 as number) + 2,
    ]);
    expect(facts.resumed, "the resumed watch replays exactly the missed changes, in order").toEqual(
      [
        `PUT /registry/pods/default/db-1@${(r1 as number) + 5}`,
        `DELETE /registry/pods/default/web-2@${(r1 as number) + 6}`,
      ],
    );
    expect(facts.casWinner).toBe("controller-a");
    expect(facts.casLoserSucceeded, "the second compare-and-swap on a stale revision loses").toBe(
      false,
    );
    expect(facts.compactedError).toMatch(/required revision has been compacted/);
    expect(facts.leaseDeleteSeen, "the lease's key is deleted and the watcher sees it").toBe(true);
    expect(text).toMatch(
      /lease \d+ expired after .* -> DELETE \/registry\/events\/default\/web-1\.scheduled@/,
    );
    expect(facts.revisionAfterRestart, "the restart recovers the same revision").toBe(
      facts.revisionBeforeRestart,
    );
    expect(facts.recoveredRecords).toBeGreaterThan(0);
    expect(facts.podsAfterRestart).toEqual(["db-1", "web-1"]);
    for (const component of [
      "[store]",
      "[apiserver]",
      "[watcher]",
      "[controller-a]",
      "[controller-b]",
    ]) {
      expect(text, `narration names ${component}`).toContain(component);
    }
  });
});
