import { describe, expect, it } from "vitest";
import { dialError, dialTimeout, joinHostPort, readError } from "./net-errors.ts";

const errno = (code: string, message = `connect ${code}`) =>
  Object.assign(new Error(message), { code });

describe("Go's words for socket errors", () => {
  it("joins IPv6 hosts in brackets", () => {
    expect(joinHostPort("10.244.1.7", 80)).toBe("10.244.1.7:80");
    expect(joinHostPort("::1", 80)).toBe("[::1]:80");
  });

  it("dial errors", () => {
    expect(dialError(errno("ECONNREFUSED"), "10.244.1.7:8080")).toBe(
      "dial tcp 10.244.1.7:8080: connect: connection refused",
    );
    expect(dialError(errno("EHOSTUNREACH"), "10.244.1.7:8080")).toBe(
      "dial tcp 10.244.1.7:8080: connect: no route to host",
    );
    expect(dialError(errno("ENOTFOUND"), "db.example:5432")).toBe(
      "dial tcp: lookup db.example: no such host",
    );
    expect(dialError(errno("EWEIRD", "something odd"), "h:1")).toBe(
      "dial tcp h:1: connect: something odd",
    );
    expect(dialTimeout("10.244.1.7:8080")).toBe("dial tcp 10.244.1.7:8080: i/o timeout");
  });

  it("read errors: a hang-up before the answer is EOF", () => {
    expect(readError(errno("ECONNRESET", "socket hang up"), "h:80")).toBe("EOF");
    expect(readError(errno("ECONNRESET", "read ECONNRESET"), "h:80")).toBe(
      "read tcp h:80: read: connection reset by peer",
    );
  });
});
