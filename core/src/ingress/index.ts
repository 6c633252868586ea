export type { IngressControllerOptions } from "./controller.ts";
export { IngressController } from "./controller.ts";
export type { Endpoint, Resolution } from "./endpoints.ts";
export { resolveEndpoints } from "./endpoints.ts";
export type { ClassDecision, ClassSelection } from "./ingress-class.ts";
export {
  DEFAULT_CLASS_ANNOTATION,
  decideClass,
  defaultIngressClass,
  INGRESS_CLASS_ANNOTATION,
  ingressClassFor,
} from "./ingress-class.ts";
export { routingHost, routingPath } from "./request-target.ts";
export type { BackendRef, Server, Target } from "./route-table.ts";
export { buildRouteTable, matchPath, RouteTable } from "./route-table.ts";
export type { Snapshot } from "./snapshot.ts";
export type { RunningIngressController, StartIngressControllerOptions } from "./start.ts";
export {
  DEFAULT_CLASS_NAME,
  DEFAULT_CONTROLLER_NAME,
  DEFAULT_INGRESS_ADDRESS,
  startIngressController,
} from "./start.ts";
export type { Ingress, IngressClass } from "./types.ts";
