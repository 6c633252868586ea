/**
 * The TCP probe — pkg/probe/tcp (tcp.go): a connection to host:port that opens within the timeout
 * is success, and is closed at once; anything else is a failure whose output is Go's dial error
 * ("dial tcp 10.244.1.7:5432: connect: connection refused", "... i/o timeout"). The host is the
 * spec's tcpSocket.host or the pod's IP, the port a number or one of the container's port names.
 * Kubernetes' dialer also sets SO_LINGER to 1 s so probes leave no TIME_WAIT sockets behind
 * (probe.ProbeDialer); Node cannot set it, so these do.
 */
import { connect } from "node:net";
import type { Clock } from "../../util/clock.ts";
import { dialError, dialTimeout, joinHostPort } from "./net-errors.ts";
import type { ProbeOutcome } from "./spec.ts";

// #region tcp-probe
export function tcpProbe(
  host: string,
  port: number,
  timeoutMs: number,
  clock: Clock,
): Promise<ProbeOutcome> {
  const hostPort = joinHostPort(host, port);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (outcome: ProbeOutcome) => {
      timer?.cancel();
      socket.destroy();
      resolve(outcome);
    };
    const timer =
      timeoutMs > 0
        ? clock.setTimeout(
            () => finish({ result: "failure", output: dialTimeout(hostPort) }),
            timeoutMs,
          )
        : undefined;
    socket.once("connect", () => finish({ result: "success", output: "" }));
    socket.once("error", (error) =>
      finish({ result: "failure", output: dialError(error, hostPort) }),
    );
  });
}
// #endregion tcp-probe
