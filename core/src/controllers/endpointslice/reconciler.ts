/**
 * The EndpointSlice reconciler: turns a Service and the pods it selects into writes of its
 * EndpointSlices — Kubernetes' Reconciler (staging/src/k8s.io/endpointslice/reconciler.go).
 * plan.ts decides; this module builds what is wanted from the pods and performs the writes.
 *
 * Guarantees:
 * - Writes go creates, then updates, then deletes, so a Service that has endpoints is never,
 *   even for a moment, without a slice that lists them.
 * - Every write is recorded in the EndpointSliceTracker (created and updated slices as the API
 *   server returned them; deletions as expected), so the next sync can tell a lagging cache.
 * - No slice is created for a Service being deleted: the garbage collector is removing its
 *   slices, and a new one would race it.
 * - A pod on a node the cache does not know is left out and the sync fails (to be retried),
 *   unless the Service publishes not-ready addresses; the other pods' slices are still written.
 */
import type { KubeObject } from "../../api/object.ts";
import type { EndpointSlice, Pod, Service } from "../../api/types.ts";
import { isNotFound, type ResourceClient } from "../../client/rest.ts";
import { messageOf } from "../../util/errors.ts";
import {
  type AddressType,
  addressTypesForService,
  endpointKey,
  endpointPortsFor,
  podToEndpoint,
  portMapKey,
} from "./desired.ts";
import { aggregate, isNamespaceTerminating } from "./errors.ts";
import { shouldPodBeInEndpoints } from "./membership.ts";
import {
  type DesiredGroup,
  planByAddressType,
  recycleDeletions,
  type SliceChanges,
} from "./plan.ts";
import type { EndpointSliceTracker } from "./tracker.ts";
import { formatTriggerTime, LAST_CHANGE_TRIGGER_TIME_ANNOTATION } from "./trigger-time.ts";

export interface ReconcilerOptions {
  slices: ResourceClient<EndpointSlice>;
  /** The node of that name from the cache, if there is one. */
  nodeByName: (name: string) => KubeObject | undefined;
  /** kube-controller-manager's --max-endpoints-per-slice. */
  maxEndpointsPerSlice: number;
  tracker: EndpointSliceTracker;
  /** The value of the managed-by label. */
  controllerName: string;
}

export class Reconciler {
  constructor(private readonly options: ReconcilerOptions) {}

  // #region reconcile
  /**
   * Reconcile: slices of an address type the Service no longer has are deleted; for each address
   * type it has, reconcileByAddressType. Every error is collected and thrown together at the end.
   */
  async reconcile(
    service: Service,
    pods: Pod[],
    existing: EndpointSlice[],
    triggerTime: number | undefined,
  ): Promise<void> {
    const errors: unknown[] = [];
    const supported = addressTypesForService(service);
    const unsupported = existing.filter((s) => !supported.includes(s.addressType as AddressType));
    for (const addressType of supported) {
      const ofType = existing.filter((s) => s.addressType === addressType);
      try {
        await this.reconcileByAddressType(service, pods, ofType, triggerTime, addressType);
      } catch (error) {
        errors.push(error);
      }
    }
    for (const slice of unsupported) {
      try {
        await this.deleteSlice(service, slice);
      } catch (error) {
        errors.push(
          new Error(
            `error deleting ${slice.metadata.name} EndpointSlice for Service ${serviceName(service)}: ${messageOf(error)}`,
          ),
        );
      }
    }
    const failure = aggregate(errors);
    if (failure) throw failure;
  }
  // #endregion reconcile

  // #region reconcileByAddressType
  /**
   * 1. Group the wanted endpoints by their resolved ports (a pod in no slice — finished, no
   *    address of this family — still contributes its group, so its old slices are emptied).
   * 2. Plan the changes (plan.ts).
   * 3. Write them.
   */
  private async reconcileByAddressType(
    service: Service,
    pods: Pod[],
    existing: EndpointSlice[],
    triggerTime: number | undefined,
    addressType: AddressType,
  ): Promise<void> {
    const errors: unknown[] = [];
    const desired = new Map<string, DesiredGroup>();
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ports = endpointPortsFor(service, pod);
      const key = portMapKey(ports);
      let group = desired.get(key);
      if (!group) {
        group = { ports, endpoints: new Map() };
        desired.set(key, group);
      }
      const nodeName = pod.spec.nodeName ?? "";
      const node = this.options.nodeByName(nodeName);
      if (!node && !service.spec.publishNotReadyAddresses) {
        errors.push(
          new Error(
            `skipping Pod ${pod.metadata.name} for Service ${serviceName(service)}: Node ${nodeName} Not Found`,
          ),
        );
        continue;
      }
      const endpoint = podToEndpoint(pod, node, service, addressType);
      if (endpoint.addresses.length > 0) group.endpoints.set(endpointKey(endpoint), endpoint);
    }
    const changes = planByAddressType({
      service,
      existing,
      desired,
      addressType,
      maxEndpointsPerSlice: this.options.maxEndpointsPerSlice,
      controllerName: this.options.controllerName,
    });
    try {
      await this.finalize(service, changes, triggerTime);
    } catch (error) {
      errors.push(error);
    }
    const failure = aggregate(errors);
    if (failure) throw failure;
  }
  // #endregion reconcileByAddressType

  // #region finalize
  /** Writes the changes: creates, then updates, then deletes (see the module's guarantees). */
  private async finalize(
    service: Service,
    changes: SliceChanges,
    triggerTime: number | undefined,
  ): Promise<void> {
    const { toCreate, toUpdate, toDelete } = recycleDeletions(service, changes);
    const client = this.options.slices.in(service.metadata.namespace);
    if (!service.metadata.deletionTimestamp) {
      for (const slice of toCreate) {
        setTriggerTime(slice, triggerTime);
        let created: EndpointSlice;
        try {
          created = await client.create(slice);
        } catch (error) {
          if (isNamespaceTerminating(error)) return;
          throw new Error(
            `failed to create EndpointSlice for Service ${serviceName(service)}: ${messageOf(error)}`,
          );
        }
        this.options.tracker.update(created);
      }
    }
    for (const slice of toUpdate) {
      setTriggerTime(slice, triggerTime);
      let updated: EndpointSlice;
      try {
        updated = await client.update(slice);
      } catch (error) {
        throw new Error(
          `failed to update ${slice.metadata.name} EndpointSlice for Service ${serviceName(service)}: ${messageOf(error)}`,
        );
      }
      this.options.tracker.update(updated);
    }
    for (const slice of toDelete) {
      try {
        await this.deleteSlice(service, slice);
      } catch (error) {
        throw new Error(
          `failed to delete ${slice.metadata.name} EndpointSlice for Service ${serviceName(service)}: ${messageOf(error)}`,
        );
      }
    }
  }
  // #endregion finalize

  /** Deletes a slice; one already gone is fine (and was not our deletion to expect). */
  private async deleteSlice(service: Service, slice: EndpointSlice): Promise<void> {
    try {
      await this.options.slices
        .in(service.metadata.namespace)
        .delete(slice.metadata.name as string);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    this.options.tracker.expectDeletion(slice);
  }
}

/** addTriggerTimeAnnotation: set it, or remove it when this sync has no new trigger. */
function setTriggerTime(slice: EndpointSlice, triggerTime: number | undefined): void {
  const annotations = { ...slice.metadata.annotations };
  if (triggerTime !== undefined)
    annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] = formatTriggerTime(triggerTime);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION];
  // An empty map is omitted from Kubernetes' JSON; sending {} would differ from what is stored.
  if (Object.keys(annotations).length > 0) slice.metadata.annotations = annotations;
  else delete slice.metadata.annotations;
}

function serviceName(service: Service): string {
  return `${service.metadata.namespace}/${service.metadata.name}`;
}
