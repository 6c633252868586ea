/**
 * Why etcd runs 3 or 5 members, shown on a real three-member etcd that loses members one at a
 * time while a client keeps writing. `quorum.ts` prints it; the chapter's test runs it and checks
 * the facts it returns.
 *
 * The steps:
 * 1. 3 of 3 members run: a write commits.
 * 2. The leader crashes (SIGKILL). The other two elect a new leader, and a write commits:
 *    2 of 3 is a majority.
 * 3. The new leader crashes too. The last member has no majority, so no leader: a write and a
 *    linearizable read get no answer; a serializable read answers from the member's own copy.
 * 4. The first member comes back: 2 of 3 again. Writes commit, and the member that was down has
 *    the write the majority made without it.
 *
 * Every process is killed by its PID when the demo ends, also when it fails.
 */
import {
  type EtcdCluster,
  type EtcdMember,
  EtcdStore,
  startEtcdCluster,
} from "@tinykube/core/store";

// #region quorum
/** Votes a decision needs among `members`: a strict majority, so two halves never both have one. */
export function quorumOf(members: number): number {
  return Math.floor(members / 2) + 1;
}

/** Members that can fail while the rest still make a quorum. */
export function failuresTolerated(members: number): number {
  return members - quorumOf(members);
}
// #endregion quorum

/** What one request got. */
export interface Outcome {
  ok: boolean;
  /** The store's revision after a write, or the revision a read was served at. */
  revision?: number;
  /** A read's value (undefined when the key is missing or the read failed). */
  value?: string;
  /** Why it failed: etcd's error, or that no answer came before the client's deadline. */
  error?: string;
  /** No answer came before the client's deadline (the request may still be pending in etcd). */
  timedOut?: boolean;
  millis: number;
}

export interface QuorumFacts {
  members: number;
  writeWith3: Outcome;
  /** The leader that crashes first, and the one the two survivors elect. */
  firstLeader: string;
  secondLeader: string;
  /** From the crash until both survivors agree on the new leader. */
  electionMs: number;
  writeWith2: Outcome;
  /** The member left alone. */
  survivor: string;
  writeWith1: Outcome;
  linearizableReadWith1: Outcome;
  serializableReadWith1: Outcome;
  /** The member started again: the first leader, down while writeWith2 committed. */
  restarted: string;
  restartMs: number;
  /** The key as of writeWith2's revision, read through the restarted member alone. */
  readOnRestarted: Outcome;
  writeAfterRestart: Outcome;
  /** Every version of the key, read through the restarted member alone: "value@modRevision". */
  historyOnRestarted: string[];
  /** Whether the write that timed out with 1 of 3 was committed after all, once 2 ran again. */
  timedOutWriteCommittedLater: boolean;
  table: { members: number; quorum: number; tolerated: number }[];
}

export interface QuorumDemoOptions {
  /** The etcd binary; default: findEtcd(). */
  bin?: string;
  /**
   * How long the client waits for an answer before it gives up. etcd itself gives up on a request
   * it cannot commit after 5 s plus two election timeouts; 2 s is enough for any request that can
   * succeed on loopback.
   */
  deadlineMs?: number;
}

/**
 * Raft timing shortened so that elections take a fraction of a second: heartbeat 50 ms, election
 * timeout 250 ms. etcd's defaults, 100 ms and 1000 ms, suit a network between machines; on
 * loopback a heartbeat arrives within a millisecond, so 5 missed heartbeats are still a real
 * failure.
 */
const FAST_ELECTIONS = ["--heartbeat-interval=50", "--election-timeout=250"];
/** How long a change of leadership may take with FAST_ELECTIONS before the demo gives up. */
const ELECTION_DEADLINE_MS = 5000;

const KEY = "/registry/configmaps/default/quorum-demo";

export async function runQuorumDemo(
  say: (line: string) => void,
  options: QuorumDemoOptions = {},
): Promise<QuorumFacts> {
  const members = 3;
  say(
    `[cluster] starting ${members} etcd members on loopback ` +
      "(heartbeat 50 ms, election timeout 250 ms: " +
      "shortened from etcd's 100 ms / 1000 ms so elections are quick)",
  );
  const cluster = await startEtcdCluster({ members, bin: options.bin, extraArgs: FAST_ELECTIONS });
  let store: EtcdStore | undefined;
  try {
    store = await EtcdStore.connect({ endpoints: cluster.endpoints });
    return await experiment(cluster, store, say, options.deadlineMs ?? 2000);
  } finally {
    await store?.close();
    await cluster.stop();
    say("[cluster] every etcd process killed by PID, data deleted");
  }
}

async function experiment(
  cluster: EtcdCluster,
  store: EtcdStore,
  say: (line: string) => void,
  deadlineMs: number,
): Promise<QuorumFacts> {
  const n = cluster.members.length;
  const ids = await memberIds(cluster);
  for (const member of cluster.members)
    say(`[${member.name}] pid ${member.pid}, client ${member.endpoint}, peer ${member.peerUrl}`);
  const firstLeader = await waitForLeader(cluster.members, ids);
  say(
    `[cluster] all ${n} healthy; ${firstLeader.name} is the leader. ` +
      `Quorum = floor(${n}/2)+1 = ${quorumOf(n)}`,
  );
  say(
    `[client] connected to all ${n} endpoints; each call goes to one picked at random, ` +
      "and moves on to another if a stopped member refuses the connection",
  );

  // 1. All members up.
  say(`\n1. ${n} of ${n} members run.`);
  const writeWith3 = await attempt(deadlineMs, async () => ({
    revision: (await store.put(KEY, "v1")).revision,
  }));
  say(`[client] put ${KEY}=v1: ${outcomeText(writeWith3)}`);

  // 2. The leader crashes; two of three are still a majority.
  say(`\n2. The leader, ${firstLeader.name}, crashes (SIGKILL).`);
  const crashed = performance.now();
  await firstLeader.stop({ signal: "SIGKILL" });
  const survivors = cluster.members.filter((member) => member !== firstLeader);
  const secondLeader = await waitForLeader(survivors, ids);
  const electionMs = performance.now() - crashed;
  say(
    `[${secondLeader.name}] elected leader by the 2 survivors ${ms(electionMs)} after the crash ` +
      "(each follower waits an election timeout without heartbeats, then asks for votes)",
  );
  const writeWith2 = await attempt(deadlineMs, async () => ({
    revision: (await store.put(KEY, "v2")).revision,
  }));
  say(
    `[client] put ${KEY}=v2 with 2 of ${n} running: ${outcomeText(writeWith2)} ` +
      `— 2 is a quorum of ${n}`,
  );

  // 3. A second crash: one member alone is no majority.
  say(`\n3. The new leader, ${secondLeader.name}, crashes too.`);
  await secondLeader.stop({ signal: "SIGKILL" });
  const survivor = survivors.find((member) => member !== secondLeader) as EtcdMember;
  await waitFor(`${survivor.name} to notice it has no leader`, ELECTION_DEADLINE_MS, async () => {
    const status = await memberStatus(survivor.endpoint);
    return status !== undefined && status.leader === undefined;
  });
  say(
    `[${survivor.name}] alone: it asks for votes, gets only its own ` +
      `(1 vote of the ${quorumOf(n)} needed), ` +
      "and stays without a leader",
  );
  const writeWith1 = await attempt(deadlineMs, async () => ({
    revision: (await store.put(KEY, "v3")).revision,
  }));
  say(`[client] put ${KEY}=v3 with 1 of ${n} running: ${outcomeText(writeWith1)}`);
  if (writeWith1.timedOut)
    say(
      `[${survivor.name}] without a leader nothing commits: ` +
        "it holds the request, and would answer " +
        '"context deadline exceeded" after 5 s plus two election timeouts',
    );
  const linearizableReadWith1 = await attempt(deadlineMs, async () => {
    const read = await store.range({ key: KEY });
    return { revision: read.revision, value: read.kvs[0]?.value };
  });
  say(
    "[client] linearizable get (the default: the member must confirm with a quorum " +
      `that it is current): ` +
      outcomeText(linearizableReadWith1),
  );
  const serializableReadWith1 = await attempt(deadlineMs, () =>
    serializableGet(survivor.endpoint, KEY),
  );
  say(
    `[client] serializable get from ${survivor.name} (its own copy, no quorum asked; ` +
      `etcdctl get --consistency=s): ${outcomeText(serializableReadWith1)} — ` +
      "current here by luck; a member cut off from the majority serves whatever it last had",
  );

  // 4. The first leader comes back: a majority again.
  say(`\n4. ${firstLeader.name} starts again on its data (it missed v2).`);
  const restartMs = await firstLeader.start();
  say(
    `[${firstLeader.name}] pid ${firstLeader.pid}, healthy after ${ms(restartMs)}: ` +
      `with ${survivor.name} it is 2 of ${n} again, so they elect a leader`,
  );
  const writeAfterRestart = await attempt(deadlineMs, async () => ({
    revision: (await store.put(KEY, "v4")).revision,
  }));
  say(`[client] put ${KEY}=v4: ${outcomeText(writeAfterRestart)}`);

  // What the restarted member has, asked of it alone (its reads still go through the quorum).
  const solo = await EtcdStore.connect({ endpoints: [firstLeader.endpoint] });
  let readOnRestarted: Outcome;
  let historyOnRestarted: string[];
  try {
    const atV2 = writeWith2.revision;
    readOnRestarted =
      atV2 === undefined
        ? { ok: false, error: "v2 was never written", millis: 0 }
        : await attempt(deadlineMs, async () => {
            const kv = await solo.get(KEY, { revision: atV2 });
            return { revision: atV2, value: kv?.value };
          });
    historyOnRestarted = await history(solo, KEY, writeAfterRestart.revision ?? 0);
  } finally {
    await solo.close();
  }
  say(
    `[client] get ${KEY} as of revision ${writeWith2.revision} from ${firstLeader.name} alone: ` +
      `${outcomeText(readOnRestarted)} — committed while it was down; ` +
      "the leader sent it the entries it missed",
  );
  say(`[client] every version of ${KEY} on ${firstLeader.name}: ${historyOnRestarted.join(", ")}`);
  // The client gave up on v3, but the survivor may still have held the request when a majority
  // came back.
  const timedOutWriteCommittedLater =
    !writeWith1.ok && historyOnRestarted.some((entry) => entry.startsWith("v3@"));
  say(
    timedOutWriteCommittedLater
      ? "[client] v3 is there: the put that timed out was committed after all. " +
          `${survivor.name} still ` +
          "held it and proposed it once there was a leader again. A timeout means the outcome is " +
          "unknown, not that nothing happened."
      : "[client] v3, the put that timed out, was never committed. It could have been: a timeout " +
          "means the outcome is unknown, not that nothing happened.",
  );

  // The arithmetic behind it all.
  const table = [1, 2, 3, 4, 5].map((size) => ({
    members: size,
    quorum: quorumOf(size),
    tolerated: failuresTolerated(size),
  }));
  say("\n[summary] members | quorum | failures tolerated");
  for (const row of table)
    say(
      `[summary] ${String(row.members).padStart(7)} | ` +
        `${String(row.quorum).padStart(6)} | ${row.tolerated}`,
    );
  const [, , three, four, five] = table as [unknown, unknown, Row, Row, Row];
  say(
    `[summary] ${four.members} members tolerate ${four.tolerated} failure, ` +
      `no more than ${three.members}, yet every write waits for ${four.quorum} copies ` +
      `instead of ${three.quorum}: use ${three.members}, or ${five.members} to survive ` +
      `${five.tolerated} failures (one member down for maintenance plus one crash).`,
  );

  return {
    members: n,
    writeWith3,
    firstLeader: firstLeader.name,
    secondLeader: secondLeader.name,
    electionMs,
    writeWith2,
    survivor: survivor.name,
    writeWith1,
    linearizableReadWith1,
    serializableReadWith1,
    restarted: firstLeader.name,
    restartMs,
    readOnRestarted,
    writeAfterRestart,
    historyOnRestarted,
    timedOutWriteCommittedLater,
    table,
  };
}

type Row = QuorumFacts["table"][number];

/**
 * Runs one request with a deadline. At the deadline the client stops waiting; the request may
 * still be pending in etcd, which answers it (or gives up) later, when nobody listens any more.
 */
async function attempt(
  deadlineMs: number,
  request: () => Promise<{ revision?: number; value?: string | undefined }>,
): Promise<Outcome> {
  const started = performance.now();
  const millis = () => performance.now() - started;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"deadline">((resolve) => {
    timer = setTimeout(() => resolve("deadline"), deadlineMs);
  });
  const pending = request();
  // Past the deadline nobody awaits this call; its late failure must not crash the process.
  pending.catch(() => {});
  try {
    const answer = await Promise.race([pending, deadline]);
    if (answer === "deadline") {
      return {
        ok: false,
        timedOut: true,
        error: `no answer within ${deadlineMs} ms`,
        millis: millis(),
      };
    }
    return { ok: true, ...answer, millis: millis() };
  } catch (error) {
    return { ok: false, error: (error as Error).message, millis: millis() };
  } finally {
    clearTimeout(timer);
  }
}

function outcomeText(outcome: Outcome): string {
  if (!outcome.ok) return `FAILED after ${ms(outcome.millis)}: ${outcome.error}`;
  const value = "value" in outcome ? `${outcome.value ?? "(no such key)"} ` : "";
  return `ok, ${value}at revision ${outcome.revision} in ${ms(outcome.millis)}`;
}

/** Each version of `key` up to `revision`, oldest first, as "value@modRevision". */
async function history(store: EtcdStore, key: string, revision: number): Promise<string[]> {
  const versions: string[] = [];
  for (let at = revision; at > 0; ) {
    const kv = await store.get(key, { revision: at });
    if (!kv) break;
    versions.unshift(`${kv.value}@${kv.modRevision}`);
    at = kv.modRevision - 1;
  }
  return versions;
}

/** What etcd's status call says about one member; undefined if the member does not answer. */
interface MemberStatus {
  memberId: string;
  /** The leader this member follows, if it knows one. */
  leader?: string;
}

/**
 * The member's status through etcd's JSON gateway (`POST /v3/maintenance/status`), the call behind
 * `etcdctl endpoint status`. The Store interface has no place for it: it is about members, not
 * keys. A member without a leader leaves `leader` out (and lists "etcdserver: no leader").
 */
async function memberStatus(endpoint: string): Promise<MemberStatus | undefined> {
  try {
    const response = await fetch(`${endpoint}/v3/maintenance/status`, {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(1000),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { header: { member_id: string }; leader?: string };
    const leader = body.leader && body.leader !== "0" ? body.leader : undefined;
    return leader
      ? { memberId: body.header.member_id, leader }
      : { memberId: body.header.member_id };
  } catch {
    return undefined;
  }
}

/** Each member's Raft ID, to name the leader a status reports. */
async function memberIds(cluster: EtcdCluster): Promise<Map<string, EtcdMember>> {
  const ids = new Map<string, EtcdMember>();
  for (const member of cluster.members) {
    const status = await memberStatus(member.endpoint);
    if (!status) throw new Error(`${member.name} (${member.endpoint}) does not answer status`);
    ids.set(status.memberId, member);
  }
  return ids;
}

/** Waits until every one of `members` follows the same leader, one of them, and returns it. */
async function waitForLeader(
  members: readonly EtcdMember[],
  ids: Map<string, EtcdMember>,
): Promise<EtcdMember> {
  let leader: EtcdMember | undefined;
  const names = members.map((member) => member.name).join(", ");
  await waitFor(`${names} to agree on a leader`, ELECTION_DEADLINE_MS, async () => {
    const statuses = await Promise.all(members.map((member) => memberStatus(member.endpoint)));
    const leaders = new Set(statuses.map((status) => status?.leader));
    const [only] = leaders;
    leader = leaders.size === 1 && only ? ids.get(only) : undefined;
    return leader !== undefined && members.includes(leader);
  });
  return leader as EtcdMember;
}

/** A read that the member answers from its own copy (serializable), through the JSON gateway. */
async function serializableGet(
  endpoint: string,
  key: string,
): Promise<{ revision: number; value: string | undefined }> {
  const response = await fetch(`${endpoint}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: Buffer.from(key).toString("base64"), serializable: true }),
    signal: AbortSignal.timeout(1000),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as {
    header: { revision: string };
    kvs?: { value?: string }[];
  };
  const value = body.kvs?.[0]?.value;
  return {
    revision: Number(body.header.revision),
    value: value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8"),
  };
}

/** Polls `condition` every 25 ms until it holds; at the deadline, throws naming what it awaited. */
async function waitFor(what: string, timeoutMs: number, condition: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const ms = (millis: number) => `${Math.round(millis)} ms`;
