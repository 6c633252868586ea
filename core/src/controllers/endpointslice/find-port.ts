/**
 * FindPort: the port number a Service port's targetPort means on one pod (pkg/api/v1/pod/util.go,
 * and its copy in staging/src/k8s.io/endpointslice/utils.go).
 *
 * A number is that port on every pod. A name is looked up among the pod's own container ports,
 * matching name and protocol, so one Service can reach pods that serve "http" on different
 * numbers (8080 on old pods, 9090 on new ones) during a rollout. Sidecars (init containers with
 * restartPolicy Always) run beside the main containers, so their ports count too.
 */
import type { Container, Pod, ServicePort } from "../../api/types.ts";

// #region findPort
/** The port number, or undefined when the name matches no port of the pod (that pod is left out for this port). */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort;
  if (typeof target === "number") return target;
  if (typeof target !== "string") return undefined;
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  for (const container of [...pod.spec.containers, ...sidecars]) {
    const port = namedPort(container, target, protocolOf(servicePort.protocol));
    if (port !== undefined) return port;
  }
  return undefined;
}
// #endregion findPort

function namedPort(container: Container, name: string, protocol: string): number | undefined {
  return container.ports?.find((p) => p.name === name && protocolOf(p.protocol) === protocol)
    ?.containerPort;
}

/** The API server defaults both a Service port's and a container port's protocol to TCP. */
function protocolOf(protocol: string | undefined): string {
  return protocol || "TCP";
}
