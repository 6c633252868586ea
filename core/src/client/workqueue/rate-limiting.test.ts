import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { ItemExponentialFailureRateLimiter } from "./rate-limiters.ts";
import { RateLimitingQueue } from "./rate-limiting.ts";
import { peek } from "./workqueue.cases.ts";

function setup() {
  const clock = new FakeClock();
  const queue = new RateLimitingQueue({
    clock,
    rateLimiter: new ItemExponentialFailureRateLimiter(5, 1_000_000),
  });
  return { clock, queue };
}

describe("RateLimitingQueue", () => {
  it("addRateLimited waits as long as the limiter says, longer on each failure", async () => {
    const { clock, queue } = setup();
    const readyAfter: number[] = [];
    for (let failure = 0; failure < 3; failure++) {
      const start = clock.now();
      queue.addRateLimited("ns/web");
      const next = queue.get();
      while ((await peek(next)) === "pending") clock.advance(1);
      readyAfter.push(clock.now() - start);
      queue.done("ns/web");
    }
    expect(readyAfter).toEqual([5, 10, 20]);
    expect(queue.numRequeues("ns/web")).toBe(3);
  });

  it("forget clears the item's failures, so the next back-off starts at the base", () => {
    const { clock, queue } = setup();
    queue.addRateLimited("ns/web");
    queue.addRateLimited("ns/web");
    queue.forget("ns/web");
    expect(queue.numRequeues("ns/web")).toBe(0);
    clock.advance(5);
    expect(queue.len(), "the first addRateLimited (5 ms) is still the one that counts").toBe(1);
  });

  it("runs the controller's retry loop: failures back off, success forgets", async () => {
    const { clock, queue } = setup();
    let attempts = 0;
    const reconcile = (_key: string) => {
      attempts++;
      if (attempts < 3) throw new Error("conflict");
    };
    queue.add("ns/web");
    const worker = (async () => {
      for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
        try {
          reconcile(key);
          queue.forget(key);
        } catch {
          queue.addRateLimited(key); // the error is the retry's reason; a real controller logs it
        } finally {
          queue.done(key);
        }
      }
    })();
    for (let ms = 0; ms < 100 && attempts < 3; ms++) {
      await peek(Promise.resolve());
      clock.advance(1);
    }
    queue.shutDown();
    await worker;
    expect(attempts, "two failures, then success").toBe(3);
    expect(queue.numRequeues("ns/web"), "forgotten after the success").toBe(0);
  });
});
