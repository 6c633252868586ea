import { describe, expect, it } from "vitest";
import { FakeClock, realClock } from "../../util/clock.ts";
import { tcpProbe } from "./tcp-probe.ts";
import { closedPort, serveTcp } from "./testing.ts";

describe("tcpProbe", () => {
  it("a port that accepts is success, and the connection is not kept", async () => {
    const server = await serveTcp();
    try {
      expect(await tcpProbe("127.0.0.1", server.port, 1000, realClock)).toEqual({
        result: "success",
        output: "",
      });
      expect(server.accepted()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("a closed port is a failure with Go's message", async () => {
    const port = await closedPort();
    expect(await tcpProbe("127.0.0.1", port, 1000, realClock)).toEqual({
      result: "failure",
      output: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  it("a connect still under way when the clock reaches the timeout is an i/o timeout", async () => {
    // No I/O runs until the test yields, so the connect cannot finish before the clock moves.
    const server = await serveTcp();
    try {
      const clock = new FakeClock();
      const early = tcpProbe("127.0.0.1", server.port, 1000, clock);
      clock.advance(999);
      expect(await early, "999 ms: not timed out yet, so the connect wins").toMatchObject({
        result: "success",
      });
      const late = tcpProbe("127.0.0.1", server.port, 1000, clock);
      clock.advance(1000);
      expect(await late).toEqual({
        result: "failure",
        output: `dial tcp 127.0.0.1:${server.port}: i/o timeout`,
      });
    } finally {
      await server.close();
    }
  });
});
