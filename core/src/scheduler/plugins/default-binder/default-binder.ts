/**
 * DefaultBinder, the Bind plugin: binding a pod to a node is a POST of a Binding object to the
 * pod's `binding` subresource (defaultbinder/default_binder.go); the API server sets
 * spec.nodeName — only if the pod has none yet, so two schedulers cannot both bind it.
 */
import type { Pod } from "../../../api/types.ts";
import {
  type BindPlugin,
  type CycleState,
  type Status,
  SUCCESS,
  status,
} from "../../framework/types.ts";

/** What binding needs of the API: `POST /api/v1/namespaces/<ns>/pods/<name>/binding`. */
export type BindingClient = (
  namespace: string,
  podName: string,
  binding: Binding,
) => Promise<unknown>;

export interface Binding {
  apiVersion: "v1";
  kind: "Binding";
  metadata: { name: string; namespace: string; uid?: string };
  target: { apiVersion: "v1"; kind: "Node"; name: string };
}

export class DefaultBinder implements BindPlugin {
  readonly name = "DefaultBinder";

  constructor(private readonly post: BindingClient) {}

  // #region bind
  async bind(_state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    const namespace = pod.metadata.namespace ?? "default";
    const name = pod.metadata.name as string;
    try {
      await this.post(namespace, name, {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name, namespace, uid: pod.metadata.uid },
        target: { apiVersion: "v1", kind: "Node", name: nodeName },
      });
      return SUCCESS;
    } catch (error) {
      return {
        ...status("Error", error instanceof Error ? error.message : String(error)),
        plugin: this.name,
      };
    }
  }
  // #endregion bind
}
