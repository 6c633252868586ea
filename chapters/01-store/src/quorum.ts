/**
 * Why etcd runs 3 or 5 members: a three-member etcd loses members one by one while a client
 * writes. Run with `npx tsx chapters/01-store/src/quorum.ts`; needs etcd (Debian `etcd-server`).
 */
import { ETCD_NOT_FOUND, findEtcd } from "@tinykube/core/store";
import { runQuorumDemo } from "./quorum-demo.ts";

const bin = findEtcd();
if (!bin) {
  console.log(`[quorum] skipped: ${ETCD_NOT_FOUND}`);
} else {
  console.log("Chapter 1 — quorum: what a three-member etcd does as members fail\n");
  const started = performance.now();
  const facts = await runQuorumDemo((line) => console.log(line), { bin });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const writes = [facts.writeWith3, facts.writeWith2, facts.writeWith1, facts.writeAfterRestart];
  console.log(
    `\nDone in ${seconds} s. Writes with 3, 2, 1 and again 2 of ${facts.members} members: ` +
      `${writes.map((write) => (write.ok ? "ok" : "failed")).join(", ")}.`,
  );
}
