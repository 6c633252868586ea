/**
 * Requests the generic verbs do not cover: the scale and binding subresources, and the two review
 * resources that are answered, never stored (`kubectl auth whoami`, `kubectl auth can-i`).
 */
import type { KubeObject } from "../../api/object.ts";
import type { ResourceType } from "../../api/scheme.ts";
import { badRequest, conflict, methodNotAllowed, notFound } from "../errors.ts";
import type { RequestAttributes } from "../rbac/attributes.ts";
import { timestamp } from "../registry/registry.ts";
import type { ApiServer } from "../server.ts";
import { asObject, bodyFormat, parseText, readBody } from "./body.ts";
import { type KubeletClientConfig, servePodLog } from "./pod-log.ts";
import type { ResourceContext } from "./resources.ts";
import { sendJson } from "./respond.ts";

export async function serveSpecial(
  ctx: ResourceContext,
  server: ApiServer,
  authorize: (attrs: RequestAttributes) => Promise<{ allowed: boolean; reason: string }>,
  kubelet?: KubeletClientConfig,
): Promise<boolean> {
  const { attrs, type } = ctx;
  const key = `${type.group}/${type.resource}`;
  if (key === "authentication.k8s.io/selfsubjectreviews" && attrs.verb === "create") {
    await readObject(ctx);
    sendJson(ctx.res, 201, {
      kind: "SelfSubjectReview",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { creationTimestamp: null },
      status: { userInfo: ctx.user },
    });
    return true;
  }
  if (key === "authorization.k8s.io/selfsubjectaccessreviews" && attrs.verb === "create") {
    await serveAccessReview(ctx, authorize);
    return true;
  }
  if (attrs.subresource === "scale" && type.subresources.some((s) => s.name === "scale")) {
    await serveScale(ctx);
    return true;
  }
  if (attrs.subresource === "log" && key === "/pods") {
    await servePodLog(ctx, server, kubelet);
    return true;
  }
  if (attrs.subresource === "finalize" && key === "/namespaces") {
    if (attrs.verb !== "update") throw methodNotAllowed();
    const namespace = await readObject(ctx);
    const { object } = await ctx.registry.guaranteedUpdate(undefined, attrs.name, {
      admit: ctx.admit,
      subresource: "finalize",
      expectedResourceVersion: namespace.metadata?.resourceVersion || undefined,
      mutate: () => namespace,
    });
    sendJson(ctx.res, 200, object);
    return true;
  }
  if (attrs.subresource === "binding" && key === "/pods") {
    if (attrs.verb !== "create") throw methodNotAllowed();
    await serveBinding(ctx, server);
    return true;
  }
  return false;
}

async function readObject(ctx: ResourceContext): Promise<KubeObject> {
  const body = await readBody(ctx.req);
  const format = bodyFormat(ctx.req.headers["content-type"]);
  return (
    format === "protobuf" ? ctx.codecs.decodeProtobuf(body) : asObject(parseText(body, format))
  ) as KubeObject;
}

// #region accessReview
/**
 * `kubectl auth can-i list pods`: the review names a verb and a resource (or a path); the server
 * asks its own authorizer whether the *caller* may do it, and answers allowed/denied.
 */
async function serveAccessReview(
  ctx: ResourceContext,
  authorize: (attrs: RequestAttributes) => Promise<{ allowed: boolean; reason: string }>,
): Promise<void> {
  const review = await readObject(ctx);
  const spec = (review.spec ?? {}) as {
    resourceAttributes?: {
      namespace?: string;
      verb?: string;
      group?: string;
      version?: string;
      resource?: string;
      subresource?: string;
      name?: string;
    };
    nonResourceAttributes?: { path?: string; verb?: string };
  };
  let attrs: RequestAttributes;
  if (spec.resourceAttributes) {
    const r = spec.resourceAttributes;
    attrs = {
      user: ctx.user,
      verb: r.verb ?? "",
      resourceRequest: true,
      apiGroup: r.group ?? "",
      apiVersion: r.version ?? "",
      resource: r.resource ?? "",
      subresource: r.subresource ?? "",
      namespace: r.namespace ?? "",
      name: r.name ?? "",
      path: "",
    };
  } else if (spec.nonResourceAttributes) {
    attrs = {
      user: ctx.user,
      verb: spec.nonResourceAttributes.verb ?? "",
      resourceRequest: false,
      apiGroup: "",
      apiVersion: "",
      resource: "",
      subresource: "",
      namespace: "",
      name: "",
      path: spec.nonResourceAttributes.path ?? "",
    };
  } else {
    throw badRequest(
      "SelfSubjectAccessReview.authorization.k8s.io is invalid: spec: exactly one of resourceAttributes or nonResourceAttributes must be set",
    );
  }
  const decision = await authorize(attrs);
  sendJson(ctx.res, 201, {
    ...review,
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    metadata: { ...(review.metadata ?? {}), creationTimestamp: null },
    status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
  });
}
// #endregion accessReview

// #region scale
/**
 * deployments/scale and replicasets/scale: an autoscaling/v1 Scale view of spec.replicas, what
 * `kubectl scale` and the HPA use. Writing it changes the parent's spec.replicas.
 */
async function serveScale(ctx: ResourceContext): Promise<void> {
  const namespace = ctx.attrs.namespace;
  const name = ctx.attrs.name;
  if (ctx.attrs.verb === "get") {
    sendJson(ctx.res, 200, toScale(await ctx.registry.get(namespace, name)));
    return;
  }
  if (ctx.attrs.verb !== "update" && ctx.attrs.verb !== "patch") throw methodNotAllowed();
  const body = await readBody(ctx.req);
  const contentType =
    (ctx.req.headers["content-type"] ?? "application/json").split(";")[0]?.trim() ?? "";
  const patcher =
    ctx.attrs.verb === "patch"
      ? ctx.codecs.patcher(scaleType, contentType, body, { force: false })
      : undefined;
  const replacement =
    ctx.attrs.verb === "update" ? (asObject(parseText(body, "json")) as KubeObject) : undefined;
  const { object } = await ctx.registry.guaranteedUpdate(namespace, name, {
    admit: ctx.admit,
    expectedResourceVersion: replacement?.metadata?.resourceVersion || undefined,
    mutate: async (current) => {
      const scale =
        replacement ?? (await (patcher as NonNullable<typeof patcher>).apply(toScale(current)));
      const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
      if (!Number.isInteger(replicas) || (replicas as number) < 0) {
        throw badRequest(
          `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        );
      }
      return { ...current, spec: { ...(current.spec as object), replicas } };
    },
  });
  sendJson(ctx.res, 200, toScale(object));
}

const scaleType: ResourceType = {
  group: "autoscaling",
  version: "v1",
  kind: "Scale",
  resource: "scale",
  singular: "scale",
  shortNames: [],
  categories: [],
  namespaced: true,
  verbs: [],
  subresources: [],
  storagePrefix: "",
  virtual: true,
};

function toScale(object: KubeObject): KubeObject {
  const spec = (object.spec ?? {}) as {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
  };
  const status = (object.status ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}
// #endregion scale

// #region binding
/**
 * pods/binding: the scheduler's decision. It sets spec.nodeName once — a pod already on a node
 * cannot be bound again — records the PodScheduled condition, and clears any
 * status.nominatedNodeName, in one update.
 */
async function serveBinding(ctx: ResourceContext, server: ApiServer): Promise<void> {
  const binding = await readObject(ctx);
  const target = (binding as { target?: { kind?: string; name?: string } }).target;
  const name = binding.metadata?.name ?? ctx.attrs.name;
  if (name !== ctx.attrs.name)
    throw badRequest(
      `the name of the binding (${name}) does not match the pod (${ctx.attrs.name})`,
    );
  if (!target?.name) throw badRequest("Binding is invalid: target.name: Required value");
  if (target.kind && target.kind !== "Node")
    throw badRequest(
      `Binding is invalid: target.kind: Unsupported value: "${target.kind}": supported values: "Node"`,
    );
  await ctx.registry
    .guaranteedUpdate(ctx.attrs.namespace, ctx.attrs.name, {
      admit: ctx.admit,
      subresource: "binding",
      mutate: (pod) => {
        const spec = (pod.spec ?? {}) as { nodeName?: string };
        if (pod.metadata.deletionTimestamp)
          throw conflict(
            ctx.type,
            ctx.attrs.name,
            "pod is being deleted, cannot be assigned to a host",
          );
        if (spec.nodeName)
          throw conflict(
            ctx.type,
            ctx.attrs.name,
            `pod ${ctx.attrs.name} is already assigned to node "${spec.nodeName}"`,
          );
        spec.nodeName = target.name;
        pod.spec = spec;
        const status = (pod.status ?? {}) as {
          conditions?: { type: string; status: string; lastTransitionTime?: string }[];
        };
        const conditions = (status.conditions ?? []).filter((c) => c.type !== "PodScheduled");
        conditions.push({
          type: "PodScheduled",
          status: "True",
          lastTransitionTime: timestamp(server.clock.now()),
        });
        // The nomination has served its purpose: Kubernetes 1.35 clears it on binding
        // (ClearingNominatedNodeNameAfterBinding, KEP-5278, beta and on by default).
        const { nominatedNodeName: _done, ...rest } = status as typeof status & {
          nominatedNodeName?: string;
        };
        pod.status = { ...rest, conditions };
        return pod;
      },
    })
    .catch((error: unknown) => {
      if ((error as { code?: number }).code === 404) throw notFound(ctx.type, ctx.attrs.name);
      throw error;
    });
  sendJson(ctx.res, 201, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    code: 201,
  });
}
// #endregion binding
