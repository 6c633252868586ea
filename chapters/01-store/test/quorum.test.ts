import { ETCD_NOT_FOUND, findEtcd } from "@tinykube/core/store";
import { describe, expect, it } from "vitest";
import { failuresTolerated, quorumOf, runQuorumDemo } from "../src/quorum-demo.ts";

describe("quorum arithmetic", () => {
  it("a quorum is a strict majority; an even member adds no tolerance", () => {
    const rows = [1, 2, 3, 4, 5, 6, 7].map((n) => [n, quorumOf(n), failuresTolerated(n)]);
    expect(rows).toEqual([
      [1, 1, 0],
      [2, 2, 0],
      [3, 2, 1],
      [4, 3, 1],
      [5, 3, 2],
      [6, 4, 2],
      [7, 4, 3],
    ]);
  });
});

const etcdBin = findEtcd();
if (!etcdBin) {
  console.warn(ETCD_NOT_FOUND);
  it.skip(`quorum demo on a real etcd cluster: ${ETCD_NOT_FOUND}`, () => {});
}

describe.skipIf(!etcdBin)("the quorum demo shows what its narration says", () => {
  // About 6 s: two client deadlines of 2 s while there is no quorum, two elections, three starts.
  it("writes commit with 3 and 2 of 3 members, not with 1, and again after a restart", async () => {
    const lines: string[] = [];
    const facts = await runQuorumDemo((line) => lines.push(line), { bin: etcdBin });
    const text = lines.join("\n");

    expect(facts.writeWith3, "3 of 3: the write commits").toMatchObject({ ok: true });
    expect(facts.secondLeader, "the survivors elect one of themselves").not.toBe(facts.firstLeader);
    expect(facts.writeWith2, "2 of 3 is a quorum: the write commits").toMatchObject({ ok: true });
    expect(facts.writeWith2.revision).toBe((facts.writeWith3.revision as number) + 1);
    expect(facts.writeWith1, "1 of 3 is no quorum: the write gets no answer").toMatchObject({
      ok: false,
      timedOut: true,
    });
    expect(facts.linearizableReadWith1, "nor does a linearizable read").toMatchObject({
      ok: false,
    });
    expect(
      facts.serializableReadWith1,
      "a serializable read answers from the member's copy",
    ).toMatchObject({
      ok: true,
      value: "v2",
    });

    expect(facts.restarted, "the member that comes back is the one down during v2").toBe(
      facts.firstLeader,
    );
    expect(facts.readOnRestarted, "and it has v2, written while it was down").toMatchObject({
      ok: true,
      value: "v2",
      revision: facts.writeWith2.revision,
    });
    expect(facts.writeAfterRestart, "2 of 3 again: writes commit").toMatchObject({ ok: true });
    // v3 timed out at the client; whether it committed later depends on timing, and is narrated.
    const history = facts.historyOnRestarted.map((entry) => entry.split("@")[0]);
    expect(history).toEqual(
      facts.timedOutWriteCommittedLater ? ["v1", "v2", "v3", "v4"] : ["v1", "v2", "v4"],
    );

    expect(facts.table.map((row) => [row.members, row.quorum, row.tolerated])).toEqual([
      [1, 1, 0],
      [2, 2, 0],
      [3, 2, 1],
      [4, 3, 1],
      [5, 3, 2],
    ]);
    for (const component of ["[cluster]", "[client]", "[etcd-1]", "[etcd-2]", "[etcd-3]"])
      expect(text, `narration names ${component}`).toContain(component);
    expect(text).toMatch(/4 members tolerate 1 failure, no more than 3/);
  }, 30_000);
});
