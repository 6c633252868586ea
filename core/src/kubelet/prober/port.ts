/**
 * Which port a probe means — probe.ResolveContainerPort (pkg/probe/util.go). A number is used as
 * it is; a string is first looked up among the container's named ports, and failing that read as
 * a number ("8080"), as Kubernetes' "last ditch effort". Either way the port must be 1-65535.
 *
 * Errors carry Kubernetes' messages, which reach the pod's events ("Liveness probe errored and
 * resulted in unknown state: ..."): a name the container lacks gives Go's
 * `strconv.Atoi: parsing "http": invalid syntax`, a number out of range `invalid port number: 0`.
 */
import type { Container, IntOrString } from "../../api/types.ts";

export function resolveContainerPort(port: IntOrString, container: Container): number {
  let number: number;
  if (typeof port === "number") {
    number = port;
  } else {
    const named = container.ports?.find((p) => p.name === port);
    if (named) number = named.containerPort;
    else if (/^[+-]?\d+$/.test(port)) number = Number(port);
    else throw new Error(`strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
  }
  if (Number.isInteger(number) && number > 0 && number < 65536) return number;
  throw new Error(`invalid port number: ${number}`);
}
