import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../apiserver/errors.ts";
import { FakeClock } from "../util/clock.ts";
import { LeaderElector, type Lease, type LeaseClient } from "./leader-election.ts";

/** One Lease in memory with the API server's optimistic concurrency: a stale update gets 409. */
class MemoryLeases implements LeaseClient {
  lease: Lease | undefined;
  private rv = 0;
  /** While true every call fails as if the API server were unreachable. */
  down = false;

  async get(name: string): Promise<Lease> {
    this.check();
    if (!this.lease)
      throw status(404, "NotFound", `leases.coordination.k8s.io "${name}" not found`);
    return structuredClone(this.lease);
  }
  async create(lease: Lease): Promise<Lease> {
    this.check();
    if (this.lease) throw status(409, "AlreadyExists", "already exists");
    this.lease = {
      ...structuredClone(lease),
      metadata: { ...lease.metadata, resourceVersion: String(++this.rv) },
    };
    return structuredClone(this.lease);
  }
  async update(lease: Lease): Promise<Lease> {
    this.check();
    if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion)
      throw status(409, "Conflict", "the object has been modified");
    this.lease = {
      ...structuredClone(lease),
      metadata: { ...lease.metadata, resourceVersion: String(++this.rv) },
    };
    return structuredClone(this.lease);
  }
  private check(): void {
    if (this.down) throw new Error("connect ECONNREFUSED 127.0.0.1:6443");
  }
}

function status(code: number, reason: string, message: string): ApiError {
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    code,
    reason,
    message,
  });
}

/** Lets pending promise callbacks (the fake API's answers) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

const electors: LeaderElector[] = [];
afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
});

function candidate(leases: MemoryLeases, clock: FakeClock, identity: string, log: string[]) {
  const e = new LeaderElector({
    leases,
    name: "kube-controller-manager",
    identity,
    clock,
    onStartedLeading: (signal) => {
      log.push(`${identity} leads`);
      signal.addEventListener("abort", () => log.push(`${identity} signal aborted`));
    },
    onStoppedLeading: () => log.push(`${identity} stopped`),
  });
  electors.push(e);
  return e;
}

describe("LeaderElector", () => {
  it("refuses settings where the renew deadline does not fit in the lease", () => {
    const leases = new MemoryLeases();
    const base = { leases, name: "x", identity: "a", onStartedLeading: () => {} };
    expect(
      () => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
    ).toThrow("leaseDuration (10000 ms) must be greater than renewDeadline (10000 ms)");
    expect(
      () => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }),
    ).toThrow("renewDeadline (2000 ms) must be greater than retryPeriod*JitterFactor (2400 ms)");
  });

  it("the first candidate creates the lease and leads; the second waits", async () => {
    const leases = new MemoryLeases();
    const clock = new FakeClock();
    const log: string[] = [];
    const a = candidate(leases, clock, "a", log);
    const b = candidate(leases, clock, "b", log);
    void a.run();
    await settle();
    void b.run();
    await settle();
    for (let i = 0; i < 10; i++) {
      clock.advance(2_000);
      await settle();
    }
    expect(log).toEqual(["a leads"]);
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(leases.lease?.spec).toMatchObject({
      holderIdentity: "a",
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });
    const renewed = Date.parse(leases.lease?.spec?.renewTime ?? "");
    expect(clock.now() - renewed, "the leader renews every retry period").toBeLessThanOrEqual(
      2_000,
    );
    expect(leases.lease?.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("when the leader dies, a standby takes over once the record sat unrenewed a lease duration on its own clock", async () => {
    const leases = new MemoryLeases();
    const clock = new FakeClock();
    const log: string[] = [];
    const a = candidate(leases, clock, "a", log);
    void a.run();
    await settle();
    const b = candidate(leases, clock, "b", log);
    void b.run();
    await settle();
    // "a" dies without releasing: stop its timers by stopping it with the API down.
    leases.down = true;
    const died = clock.now();
    const stopping = a.stop();
    await settle();
    leases.down = false;
    await stopping;
    expect(leases.lease?.spec?.holderIdentity).toBe("a");
    let tookOverAt = 0;
    for (let t = 0; t < 40 && !tookOverAt; t++) {
      clock.advance(1_000);
      await settle();
      if (b.isLeader()) tookOverAt = clock.now();
    }
    expect(tookOverAt - died).toBeGreaterThanOrEqual(15_000);
    expect(tookOverAt - died).toBeLessThanOrEqual(15_000 + 2_000 * 2.2 + 1_000);
    expect(leases.lease?.spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
  });

  it("a leader that cannot renew within the renew deadline stops leading, and its signal aborts", async () => {
    const leases = new MemoryLeases();
    const clock = new FakeClock();
    const log: string[] = [];
    const a = candidate(leases, clock, "a", log);
    void a.run();
    await settle();
    leases.down = true;
    for (let i = 0; i < 4; i++) {
      clock.advance(2_000);
      await settle();
    }
    expect(a.isLeader()).toBe(true);
    clock.advance(2_000);
    await settle();
    expect(a.isLeader()).toBe(false);
    expect(log).toEqual(["a leads", "a signal aborted", "a stopped"]);
  });

  it("stop() releases the lease, so a standby takes over at its next retry", async () => {
    const leases = new MemoryLeases();
    const clock = new FakeClock();
    const log: string[] = [];
    const a = candidate(leases, clock, "a", log);
    void a.run();
    await settle();
    const b = candidate(leases, clock, "b", log);
    void b.run();
    await settle();
    await a.stop();
    expect(leases.lease?.spec).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    clock.advance(2_000 * 2.2);
    await settle();
    expect(b.isLeader()).toBe(true);
    expect(log).toEqual(["a leads", "a signal aborted", "a stopped", "b leads"]);
  });
});
