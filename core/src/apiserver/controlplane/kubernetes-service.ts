/**
 * The `kubernetes` Service in `default`: how pods find the API server (Kubernetes'
 * pkg/controlplane/controller/kubernetesservice/controller.go). The API server runs this loop
 * itself, every 10 s:
 *
 * 1. create the Service if it is missing — ClusterIP, the first address of the service CIDR,
 *    port 443 named "https" targeting the API server's own port, no selector. Once it exists it
 *    is left alone (Kubernetes stopped reconciling its spec in 1.17);
 * 2. reconcile its Endpoints and EndpointSlice to the live API servers (lease-reconciler.ts).
 *
 * Guarantees:
 * - When `start()` resolves, the Service, its IPAddress, its Endpoints and its EndpointSlice
 *   exist and point at this API server's address and port.
 * - Delete any of them and the next pass (≤ 10 s) puts it back; the Service comes back at the
 *   same address, which the static band keeps free of dynamic allocations.
 * - `stop()` withdraws this API server's lease; with no other API server alive, the Endpoints
 *   are kept rather than emptied.
 *
 * tinykube differs in one place: the first pass after start also corrects the ports, because a
 * restart on another port (tests listen on port 0) would otherwise leave the Endpoints pointing at
 * the old one. Kubernetes corrects ports only in the pass that removes an API server's lease.
 */
import { applyDefaults } from "../../api/defaults/index.ts";
import type { EndpointPort, Service } from "../../api/types.ts";
import type { Clock, Timer } from "../../util/clock.ts";
import type { Registry } from "../registry/registry.ts";
import { errorMessage } from "../registry/service/errors.ts";
import type { LeaseEndpointReconciler } from "./lease-reconciler.ts";

export const KUBERNETES_SERVICE_NAME = "kubernetes";

/** The Service's port: 443, whatever port the API server listens on (--secure-port). */
export const KUBERNETES_SERVICE_PORT = 443;

/** DefaultEndpointReconcilerInterval. */
export const ENDPOINT_INTERVAL_MS = 10_000;

export interface KubernetesServiceConfig {
  /** The API server's address, as its peers and pods reach it (--advertise-address). */
  publicIP: string;
  /** The port it serves on: the Service's targetPort and the endpoints' port. */
  publicServicePort: number;
  /** Where the Service lives: the first address of the service CIDR. */
  serviceIP: string;
}

export interface KubernetesServiceDeps {
  services: Registry;
  reconciler: LeaseEndpointReconciler;
  clock: Clock;
  log?: (line: string) => void;
}

export class KubernetesServiceController {
  private timer: Timer | undefined;
  private stopped = false;
  private readonly log: (line: string) => void;

  constructor(
    private readonly config: KubernetesServiceConfig,
    private readonly deps: KubernetesServiceDeps,
  ) {
    this.log = deps.log ?? (() => {});
  }

  /** One pass now (it must succeed), then one every ENDPOINT_INTERVAL_MS. */
  async start(): Promise<void> {
    await this.updateKubernetesService(true);
    this.schedule();
  }

  /** Stops the loop and withdraws this API server from the endpoints. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.deps.reconciler.stopReconciling();
    await this.deps.reconciler
      .removeEndpoints(KUBERNETES_SERVICE_NAME, this.config.publicIP, this.endpointPorts())
      .catch((error: unknown) =>
        this.log(
          `[apiserver] Unable to remove endpoints from kubernetes service: ${errorMessage(error)}`,
        ),
      );
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.updateKubernetesService(false)
        .catch((error: unknown) =>
          this.log(`[apiserver] unable to sync kubernetes service: ${errorMessage(error)}`),
        )
        .finally(() => this.schedule());
    }, ENDPOINT_INTERVAL_MS);
  }

  // #region update-kubernetes-service
  async updateKubernetesService(reconcilePorts: boolean): Promise<void> {
    await this.createServiceIfNeeded();
    await this.deps.reconciler.reconcileEndpoints(
      KUBERNETES_SERVICE_NAME,
      this.config.publicIP,
      this.endpointPorts(),
      reconcilePorts,
    );
  }
  // #endregion update-kubernetes-service

  private endpointPorts(): EndpointPort[] {
    return [{ name: "https", port: this.config.publicServicePort, protocol: "TCP" }];
  }

  /** CreateOrUpdateMasterServiceIfNeeded, without the update Kubernetes no longer does. */
  private async createServiceIfNeeded(): Promise<void> {
    try {
      await this.deps.services.get("default", KUBERNETES_SERVICE_NAME);
      return;
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
    const service: Service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: KUBERNETES_SERVICE_NAME,
        namespace: "default",
        labels: { provider: "kubernetes", component: "apiserver" },
      },
      spec: {
        ports: [
          {
            name: "https",
            protocol: "TCP",
            port: KUBERNETES_SERVICE_PORT,
            targetPort: this.config.publicServicePort,
          },
        ],
        // Maintained by this loop, not by a pod selector.
        clusterIP: this.config.serviceIP,
        ipFamilyPolicy: "SingleStack",
        sessionAffinity: "None",
        type: "ClusterIP",
      },
    };
    try {
      // Defaulted as the request decoder would default it, had it come over HTTP.
      await this.deps.services.create("default", applyDefaults(service));
    } catch (error) {
      // Another API server created it first.
      if ((error as { reason?: string }).reason !== "AlreadyExists") throw error;
    }
  }
}
