import { describe, expect, it } from "vitest";
import { runChapter } from "../src/chapter.ts";

describe("chapter 4 shows what its page says", () => {
  it("a Deployment becomes a ReplicaSet and pods; the rollout keeps its limits; undo makes revision 1 the newest", async () => {
    const lines: string[] = [];
    const facts = await runChapter((line) => lines.push(line));
    const text = lines.join("\n");

    expect(facts.leader, "the manager that leads is the one started").toBe("controller-manager-1");
    expect(facts.firstRS).toMatch(/^web-[a-z0-9]+$/);
    expect(facts.firstPods).toBe(4);
    // Step ③ then step ④, in that order, as the controllers' own events say.
    const created = text.indexOf(`Scaled up replica set ${facts.firstRS} from 0 to 4`);
    const podCreated = text.indexOf("event SuccessfulCreate: Created pod: web-");
    expect(created, "the deployment controller's event").toBeGreaterThan(0);
    expect(podCreated, "the replicaset controller's event comes after").toBeGreaterThan(created);
    expect(text).toMatch(/\[deployment-controller\] queue ← default\/web/);
    expect(text).toMatch(/\[replicaset-controller\] worker reconciles default\/web-/);
    const q = facts.queues;
    expect(q.deploymentReconciles, "a key is reconciled at most once per add").toBeLessThanOrEqual(
      q.deploymentAdds,
    );
    expect(q.replicasetReconciles).toBeLessThanOrEqual(q.replicasetAdds);

    expect(facts.steps.length, "the rollout went in several steps").toBeGreaterThanOrEqual(3);
    for (const step of facts.steps) {
      expect(step.total, `never more than 5 pods: ${JSON.stringify(step)}`).toBeLessThanOrEqual(5);
      expect(
        step.available,
        `never fewer than 3 available: ${JSON.stringify(step)}`,
      ).toBeGreaterThanOrEqual(3);
    }
    expect(facts.steps.at(-1)).toEqual({ newRS: 4, oldRS: 0, total: 4, available: 4 });
    expect(facts.rolledBackTo).toBe("3");
    expect(facts.revisionsAfterUndo).toEqual(["2:tinykube/hello:2.0", "3:tinykube/hello:1.0"]);
  });
});
