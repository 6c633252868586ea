/**
 * API registration: CustomResourceDefinitions. Creating a CRD makes a new resource appear in
 * discovery and OpenAPI and work like a built-in one (CRUD, watch, status subresource, schema
 * validation); deleting it deletes every object of it, then the resource. Kubernetes runs these
 * controllers inside kube-apiserver (apiextensions-apiserver), as tinykube does.
 *
 * Simplification: a CRD is served at its storage version only; other versions listed as served
 * are accepted but not served (Kubernetes serves each, converting between them).
 */
import type { KubeObject } from "../api/object.ts";
import type { CustomResourceDefinitionLike, SchemaMap } from "../api/openapi/index.ts";
import { crdSchemaName, crdSchemas, structuralSchemaErrors } from "../api/openapi/index.ts";
import { BUILTIN_TYPES, type ResourceType } from "../api/scheme.ts";
import { type FieldError, invalid, required } from "../api/validation.ts";
import { timestamp } from "./registry/registry.ts";
import { defaultStrategy, type Strategy } from "./registry/strategy.ts";
import type { ApiServer } from "./server.ts";

export const CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
  subresources?: { status?: object; scale?: { specReplicasPath?: string } };
  additionalPrinterColumns?: {
    name: string;
    type: string;
    jsonPath: string;
    format?: string;
    priority?: number;
    description?: string;
  }[];
}

export interface Crd extends KubeObject {
  spec: {
    group: string;
    scope: "Namespaced" | "Cluster";
    names: {
      plural: string;
      singular?: string;
      kind: string;
      listKind?: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions: CrdVersion[];
  };
  status?: {
    conditions?: Condition[];
    acceptedNames?: Record<string, unknown>;
    storedVersions?: string[];
  };
}

interface Condition {
  type: string;
  status: "True" | "False";
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

const crdType = BUILTIN_TYPES.find(
  (t) => t.resource === "customresourcedefinitions",
) as ResourceType;

export function storageVersion(crd: Crd): CrdVersion | undefined {
  return crd.spec.versions.find((v) => v.storage);
}

// #region typeOfCrd
/** The scheme entry a CRD adds: its resource at its storage version. */
export function typeOfCrd(crd: Crd): ResourceType | undefined {
  const version = storageVersion(crd);
  if (!version) return undefined;
  const { group, names, scope } = crd.spec;
  return {
    group,
    version: version.name,
    kind: names.kind,
    resource: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    namespaced: scope === "Namespaced",
    verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    subresources: [
      ...(version.subresources?.status
        ? [
            {
              name: "status" as const,
              kind: { group, version: version.name, kind: names.kind },
              verbs: ["get" as const, "patch" as const, "update" as const],
            },
          ]
        : []),
      ...(version.subresources?.scale
        ? [
            {
              name: "scale" as const,
              kind: { group: "autoscaling", version: "v1", kind: "Scale" },
              verbs: ["get" as const, "patch" as const, "update" as const],
            },
          ]
        : []),
    ],
    storagePrefix: `/registry/${group}/${names.plural}`,
    generation: true,
    custom: true,
  };
}
// #endregion typeOfCrd

// #region crdStrategy
/** Checks a CRD as apiextensions validation does, for the rules users meet most. */
export const crdStrategy: Strategy = defaultStrategy(crdType, {
  prepareForCreate(object) {
    delete object.status;
    object.metadata.finalizers = [
      ...new Set([...(object.metadata.finalizers ?? []), CLEANUP_FINALIZER]),
    ];
  },
  validate: (object) => validateCrd(object as Crd),
  validateUpdate: (object, old) => {
    const errors = validateCrd(object as Crd);
    const before = old as Crd;
    const after = object as Crd;
    if (before.spec.group !== after.spec.group)
      errors.push(invalid("spec.group", after.spec.group, "field is immutable"));
    if (before.spec.names.plural !== after.spec.names.plural) {
      errors.push(invalid("spec.names.plural", after.spec.names.plural, "field is immutable"));
    }
    return errors;
  },
});
// #endregion crdStrategy

function validateCrd(crd: Crd): FieldError[] {
  const errors: FieldError[] = [];
  const spec = crd.spec ?? ({} as Crd["spec"]);
  if (!spec.group) errors.push(required("spec.group", ""));
  if (!spec.names?.plural) errors.push(required("spec.names.plural", ""));
  if (!spec.names?.kind) errors.push(required("spec.names.kind", ""));
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") {
    errors.push(invalid("spec.scope", spec.scope, 'must be one of "Cluster" or "Namespaced"'));
  }
  if (
    spec.group &&
    spec.names?.plural &&
    crd.metadata.name !== `${spec.names.plural}.${spec.group}`
  ) {
    errors.push(
      invalid("metadata.name", crd.metadata.name, 'must be spec.names.plural+"."+spec.group'),
    );
  }
  const versions = spec.versions ?? [];
  if (versions.length === 0)
    errors.push(
      required("spec.versions", "must have exactly one version marked as storage version"),
    );
  else if (versions.filter((v) => v.storage).length !== 1) {
    errors.push(
      invalid(
        "spec.versions",
        versions.map((v) => v.name),
        "must have exactly one version marked as storage version",
      ),
    );
  }
  versions.forEach((v, i) => {
    const schema = v.schema?.openAPIV3Schema;
    if (!schema) {
      errors.push(required(`spec.versions[${i}].schema.openAPIV3Schema`, "schemas are required"));
      return;
    }
    for (const e of structuralSchemaErrors(schema, `spec.versions[${i}].schema.openAPIV3Schema`))
      errors.push(e);
  });
  return errors;
}

// #region crdController
/**
 * Keeps the served resources in step with the CRDs, as apiextensions' establishing and finalizer
 * controllers do:
 * - a CRD without deletionTimestamp is served: its type joins the scheme, its schema joins
 *   OpenAPI, and its status says NamesAccepted and Established;
 * - a CRD being deleted is Terminating: every object of it is deleted, the type leaves the
 *   scheme, and the cleanup finalizer is removed so the CRD itself goes.
 */
export class CrdController {
  private readonly served = new Map<string, { crd: Crd; type: ResourceType }>();
  private stopped = false;

  constructor(private readonly server: ApiServer) {}

  /** Schemas of the served CRDs, for validation and OpenAPI. */
  schemas(): SchemaMap {
    const out: SchemaMap = {};
    for (const { crd } of this.served.values())
      Object.assign(out, crdSchemas(crd as unknown as CustomResourceDefinitionLike));
    return out;
  }

  crds(): Crd[] {
    return [...this.served.values()].map((s) => s.crd);
  }

  /** The CRD behind a custom type, for its printer columns and schema name. */
  crdOf(type: ResourceType): Crd | undefined {
    return this.served.get(`${type.group}/${type.resource}`)?.crd;
  }

  schemaNameOf(type: ResourceType): string {
    return crdSchemaName(type.group, type.version, type.kind);
  }

  async start(): Promise<void> {
    const registry = this.server.registry(crdType);
    const list = await registry.list(undefined, {});
    for (const crd of list.items) await this.reconcile(crd as Crd);
    void this.run(list.metadata.resourceVersion as string);
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(resourceVersion: string): Promise<void> {
    let rv = resourceVersion;
    while (!this.stopped) {
      try {
        const watcher = await this.server
          .registry(crdType)
          .watch(undefined, { resourceVersion: rv });
        for await (const event of watcher.channel) {
          if (this.stopped) return;
          if (event.type === "BOOKMARK" || event.type === "ERROR") continue;
          rv = event.object.metadata.resourceVersion ?? rv;
          if (event.type === "DELETED") this.forget(event.object as Crd);
          else await this.reconcile(event.object as Crd);
        }
      } catch {
        // The watch broke (the store restarted, the cache re-listed): list and watch again.
        if (this.stopped) return;
        const list = await this.server
          .registry(crdType)
          .list(undefined, {})
          .catch(() => undefined);
        if (!list) continue;
        for (const crd of list.items) await this.reconcile(crd as Crd);
        rv = list.metadata.resourceVersion as string;
      }
    }
  }

  private async reconcile(crd: Crd): Promise<void> {
    const type = typeOfCrd(crd);
    if (!type) return;
    if (crd.metadata.deletionTimestamp) {
      await this.finalize(crd, type);
      return;
    }
    const id = `${type.group}/${type.resource}`;
    const conflict = this.server.scheme
      .all()
      .find(
        (t) =>
          t.group === type.group &&
          (t.resource === type.resource || t.kind === type.kind) &&
          !this.served.has(`${t.group}/${t.resource}`),
      );
    if (conflict && !conflict.custom) {
      await this.setStatus(crd, [
        condition("NamesAccepted", "False", "Conflict", `"${type.resource}" is already in use`),
        condition("Established", "False", "NotAccepted", "not all names are accepted"),
      ]);
      return;
    }
    this.server.scheme.upsert(type);
    this.served.set(id, { crd, type });
    await this.setStatus(crd, [
      condition("NamesAccepted", "True", "NoConflicts", "no conflicts found"),
      condition(
        "Established",
        "True",
        "InitialNamesAccepted",
        "the initial names have been accepted",
      ),
    ]);
  }

  /** Deletes every object of the resource, then lets the CRD go. */
  private async finalize(crd: Crd, type: ResourceType): Promise<void> {
    await this.setStatus(crd, [
      condition(
        "Terminating",
        "True",
        "InstanceDeletionInProgress",
        "CustomResource deletion is in progress",
      ),
    ]);
    const registry = this.server.registry(type);
    const objects = await registry.list(undefined, {});
    for (const object of objects.items) {
      await registry
        .delete(object.metadata.namespace, object.metadata.name as string)
        .catch(() => undefined);
    }
    this.forget(crd);
    await this.server
      .registry(crdType)
      .guaranteedUpdate(undefined, crd.metadata.name as string, {
        mutate: (current) => {
          current.metadata.finalizers = (current.metadata.finalizers ?? []).filter(
            (f) => f !== CLEANUP_FINALIZER,
          );
          return current;
        },
      })
      .catch(() => undefined);
  }

  private forget(crd: Crd): void {
    const type = typeOfCrd(crd);
    if (!type) return;
    this.served.delete(`${type.group}/${type.resource}`);
    this.server.scheme.remove(type.group, type.version, type.resource);
    this.server.dropRegistry(type);
  }

  private async setStatus(crd: Crd, conditions: Condition[]): Promise<void> {
    const current = crd.status?.conditions ?? [];
    const same = conditions.every((c) =>
      current.some((x) => x.type === c.type && x.status === c.status && x.reason === c.reason),
    );
    if (same) return;
    await this.server
      .registry(crdType)
      .guaranteedUpdate(undefined, crd.metadata.name as string, {
        subresource: "status",
        mutate: (object) => {
          const target = object as Crd;
          const kept = (target.status?.conditions ?? []).filter(
            (c) => !conditions.some((n) => n.type === c.type),
          );
          const now = timestamp(this.server.clock.now());
          target.status = {
            ...target.status,
            conditions: [...kept, ...conditions.map((c) => ({ ...c, lastTransitionTime: now }))],
            acceptedNames: { ...target.spec.names },
            storedVersions: [
              ...new Set([
                ...(target.status?.storedVersions ?? []),
                storageVersion(target)?.name as string,
              ]),
            ],
          };
          return target;
        },
      })
      .catch(() => undefined);
  }
}
// #endregion crdController

function condition(
  type: string,
  status: "True" | "False",
  reason: string,
  message: string,
): Condition {
  return { type, status, reason, message };
}
