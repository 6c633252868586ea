/**
 * Everything the API server itself does for Services, wired in one place: the cluster-IP and
 * node-port allocators behind the Service registry, their repair loops, and the `kubernetes`
 * Service (kube-apiserver's service storage config, the "start-service-ip-repair-controllers"
 * post-start hook and the kubernetesservice controller).
 *
 * The order start.ts follows:
 *   new ServiceNetwork(...)   before any Service is written: the Service strategy needs it
 *   repair()                  before serving: no request is in flight, the stores are current
 *   startKubernetesService()  once listening: the Service's targetPort is the real port
 *   stop()                    before the store closes: withdraws this API server's lease
 */
import { BUILTIN_TYPES, type ResourceType } from "../../api/scheme.ts";
import type { Service } from "../../api/types.ts";
import type { Store } from "../../store/index.ts";
import type { Clock } from "../../util/clock.ts";
import type { Registry } from "../registry/registry.ts";
import { ServiceAllocations } from "../registry/service/allocations.ts";
import { IPADDRESS_TYPE, registryIPAddresses } from "../registry/service/ip-addresses.ts";
import { IPAllocator } from "../registry/service/ip-allocator.ts";
import { formatIPv4, ServiceIPRange } from "../registry/service/ip-range.ts";
import { PortAllocator } from "../registry/service/port-allocator.ts";
import { DEFAULT_NODE_PORT_RANGE, PortRange } from "../registry/service/port-range.ts";
import { ClusterIPRepair, type ServiceLister } from "../registry/service/repair-cluster-ips.ts";
import { NodePortRepair } from "../registry/service/repair-node-ports.ts";
import { serviceStrategy } from "../registry/service/strategy.ts";
import type { Strategy } from "../registry/strategy.ts";
import type { WatchCache } from "../storage/watch-cache.ts";
import { EndpointsAdapter } from "./endpoints-adapter.ts";
import { KubernetesServiceController } from "./kubernetes-service.ts";
import { LeaseEndpointReconciler } from "./lease-reconciler.ts";
import { storeMasterLeases } from "./master-leases.ts";

/** The service CIDR of DESIGN.md's network model (Kubernetes' default is 10.96.0.0/12). */
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = "127.96.0.0/12";

const typeOf = (group: string, resource: string) =>
  BUILTIN_TYPES.find((t) => t.group === group && t.resource === resource) as ResourceType;
export const SERVICES_TYPE = typeOf("", "services");
const ENDPOINTS_TYPE = typeOf("", "endpoints");
const ENDPOINT_SLICES_TYPE = typeOf("discovery.k8s.io", "endpointslices");

/** What this needs of the API server (the consumer's narrow view of ApiServer). */
export interface ServiceNetworkServer {
  readonly store: Store;
  registry(type: ResourceType): Registry;
  cache(type: ResourceType): WatchCache;
}

export interface ServiceRanges {
  ipRange: ServiceIPRange;
  portRange: PortRange;
}

/**
 * Parses --service-cluster-ip-range (default 127.96.0.0/12) and --service-node-port-range
 * (default 30000-32767); throws on a bad one, so the API server can refuse to start before it
 * opens anything.
 */
export function parseServiceRanges(flags: {
  serviceClusterIPRange?: string | undefined;
  serviceNodePortRange?: string | undefined;
}): ServiceRanges {
  return {
    ipRange: ServiceIPRange.parse(flags.serviceClusterIPRange ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE),
    portRange: PortRange.parse(flags.serviceNodePortRange ?? DEFAULT_NODE_PORT_RANGE),
  };
}

export interface ServiceNetworkOptions extends ServiceRanges {
  clock: Clock;
  log?: (line: string) => void;
}

export class ServiceNetwork {
  readonly ipRange: ServiceIPRange;
  readonly portRange: PortRange;
  readonly allocations: ServiceAllocations;
  private readonly ipRepair: ClusterIPRepair;
  private readonly portRepair: NodePortRepair;
  private kubernetesService: KubernetesServiceController | undefined;
  private readonly log: (line: string) => void;

  constructor(
    private readonly server: ServiceNetworkServer,
    private readonly options: ServiceNetworkOptions,
  ) {
    this.log = options.log ?? (() => {});
    this.ipRange = options.ipRange;
    this.portRange = options.portRange;
    const addresses = registryIPAddresses(
      server.registry(IPADDRESS_TYPE),
      server.cache(IPADDRESS_TYPE),
    );
    const clusterIPs = new IPAllocator(this.ipRange, addresses);
    const nodePorts = new PortAllocator(this.portRange, server.store);
    this.allocations = new ServiceAllocations(clusterIPs, nodePorts, this.log);
    const services: ServiceLister = {
      list: async () =>
        (await server.registry(SERVICES_TYPE).list(undefined)).items as unknown as Service[],
    };
    const deps = { services, clock: options.clock, log: this.log };
    this.ipRepair = new ClusterIPRepair({ ...deps, range: this.ipRange, addresses });
    this.portRepair = new NodePortRepair({ ...deps, ports: nodePorts });
  }

  /** The Service registry's strategy, with allocation. */
  strategy(type: ResourceType): Strategy {
    return serviceStrategy(type, {
      allocations: this.allocations,
      deleteEndpoints: async (namespace, name) => {
        try {
          await this.server.registry(ENDPOINTS_TYPE).delete(namespace, name);
        } catch (error) {
          if ((error as { code?: number }).code !== 404) throw error;
        }
      },
      log: this.log,
    });
  }

  /** The repair loops' first passes (awaited), then their periodic passes. */
  async repair(): Promise<void> {
    await this.ipRepair.start();
    await this.portRepair.start();
  }

  /** The first address of the service CIDR: where the `kubernetes` Service lives. */
  get kubernetesServiceIP(): string {
    return formatIPv4(this.ipRange.first);
  }

  /** Creates (or repairs) the `kubernetes` Service and its endpoints, and keeps them so. */
  async startKubernetesService(api: { address: string; port: number }): Promise<void> {
    const adapter = new EndpointsAdapter(
      this.server.registry(ENDPOINTS_TYPE),
      this.server.registry(ENDPOINT_SLICES_TYPE),
    );
    const reconciler = new LeaseEndpointReconciler(
      adapter,
      storeMasterLeases(this.server.store),
      this.log,
    );
    this.kubernetesService = new KubernetesServiceController(
      { publicIP: api.address, publicServicePort: api.port, serviceIP: this.kubernetesServiceIP },
      {
        services: this.server.registry(SERVICES_TYPE),
        reconciler,
        clock: this.options.clock,
        log: this.log,
      },
    );
    await this.kubernetesService.start();
  }

  async stop(): Promise<void> {
    this.ipRepair.stop();
    this.portRepair.stop();
    await this.kubernetesService?.stop();
  }
}
