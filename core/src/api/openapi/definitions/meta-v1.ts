/**
 * meta/v1 (k8s.io/apimachinery/pkg/apis/meta/v1) and the shared value types every group uses:
 * ObjectMeta, ListMeta, Status, DeleteOptions, WatchEvent, LabelSelector, Condition, Table, and
 * the IntOrString / Quantity / Time components.
 */
import {
  anyValue,
  arr,
  bool,
  INT_OR_STRING,
  int,
  int64,
  LIST_META,
  listMap,
  MICRO_TIME,
  map,
  OBJECT_META,
  obj,
  QUANTITY,
  ref,
  type Schema,
  type SchemaMap,
  setList,
  str,
  TIME,
  time,
} from "../schema.ts";

export const META_V1 = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const meta = (name: string, description?: string) => ref(META_V1 + name, description);

/**
 * The kinds the meta group shares with every group-version: a DeleteOptions body may be sent to
 * /apis/apps/v1 as much as to /api/v1, so Kubernetes tags it with all of them. tinykube tags it
 * with the group-versions it serves.
 */
const SHARED_KIND_GROUP_VERSIONS: [string, string][] = [
  ["", "v1"],
  ["apps", "v1"],
  ["autoscaling", "v1"],
  ["coordination.k8s.io", "v1"],
  ["discovery.k8s.io", "v1"],
  ["networking.k8s.io", "v1"],
  ["rbac.authorization.k8s.io", "v1"],
  ["authentication.k8s.io", "v1"],
  ["authorization.k8s.io", "v1"],
  ["apiextensions.k8s.io", "v1"],
  ["scheduling.k8s.io", "v1"],
  ["meta.k8s.io", "v1"],
];

function sharedKind(kind: string, schema: Schema): Schema {
  schema["x-kubernetes-group-version-kind"] = SHARED_KIND_GROUP_VERSIONS.map(
    ([group, version]) => ({ group, version, kind }),
  );
  return schema;
}

const ownerReference = obj(
  {
    apiVersion: str("API version of the owner."),
    blockOwnerDeletion: bool(
      "If true, foreground deletion of the owner waits until this object is deleted.",
    ),
    controller: bool("True for the one owner that manages this object (its controller)."),
    kind: str("Kind of the owner."),
    name: str("Name of the owner."),
    uid: str("UID of the owner: a reference survives only as long as this exact object."),
  },
  {
    required: ["apiVersion", "kind", "name", "uid"],
    mapType: "atomic",
    description:
      "Points at an object this one depends on. When every owner is gone, the garbage collector deletes this object.",
  },
);

const objectMeta = obj(
  {
    annotations: map(str(), "Free-form key/value data for tools; not used for selection."),
    creationTimestamp: time("When the API server stored the object first. Read-only."),
    deletionGracePeriodSeconds: int64(
      "Seconds the object has left to terminate gracefully once deletion was requested. Read-only.",
    ),
    deletionTimestamp: time(
      "When deletion was requested; the object stays until its finalizers are gone. Read-only.",
    ),
    finalizers: setList(str(), {
      description:
        "Keys of components that must clean up before the object may be removed from storage.",
      strategy: "merge",
    }),
    generateName: str(
      "A prefix for a name the server generates, used when name is empty on create.",
    ),
    generation: int64("Counts changes to the desired state (spec). Read-only."),
    labels: map(str(), "Key/value pairs used to select objects (label selectors)."),
    managedFields: arr(
      meta("ManagedFieldsEntry"),
      "Which manager set which fields (server-side apply bookkeeping).",
    ),
    name: str("Unique name within the namespace (or the cluster, for cluster-scoped kinds)."),
    namespace: str("The namespace the object lives in; empty for cluster-scoped kinds."),
    ownerReferences: listMap(ref(`${META_V1}OwnerReference`), ["uid"], {
      description: "Objects this one depends on, for garbage collection.",
      mergeKey: "uid",
    }),
    resourceVersion: str(
      "Opaque version of this object in storage; sent back on update to detect conflicts.",
    ),
    selfLink: str("Deprecated and never set."),
    uid: str("Unique id of this object, never reused. Set by the server."),
  },
  {
    description:
      "Metadata every stored object has: identity (name, namespace, uid), versioning, labels, annotations, owners and finalizers.",
  },
);

const listMeta = obj(
  {
    continue: str("Token for the next page when the list was limited."),
    remainingItemCount: int64("How many items remain after this page, when known."),
    resourceVersion: str("The storage version this list was read at; watch from here."),
    selfLink: str("Deprecated and never set."),
  },
  { description: "Metadata of a list: the version it was read at and paging state." },
);

const labelSelector = obj(
  {
    matchExpressions: arr(
      meta("LabelSelectorRequirement"),
      "Set-based requirements (In, NotIn, Exists, DoesNotExist), ANDed.",
    ),
    matchLabels: map(str(), "Exact key=value requirements, ANDed."),
  },
  {
    mapType: "atomic",
    description:
      "Selects objects by their labels. An empty selector matches everything; a missing one matches nothing.",
  },
);

const statusDetails = obj({
  causes: arr(meta("StatusCause"), "Field-level reasons, for Invalid errors."),
  group: str(),
  kind: str(),
  name: str(),
  retryAfterSeconds: int("Seconds to wait before retrying."),
  uid: str(),
});

const status = sharedKind(
  "Status",
  obj(
    {
      apiVersion: str(),
      code: int("The HTTP status code."),
      details: meta("StatusDetails", "Which object and which fields the status is about."),
      kind: str(),
      message: str("A human-readable description of the outcome."),
      metadata: meta("ListMeta"),
      reason: str("A machine-readable reason: NotFound, AlreadyExists, Conflict, Invalid, ..."),
      status: str('"Success" or "Failure".'),
    },
    { description: "The outcome of a call that returns no object: every error, some deletes." },
  ),
);

const deleteOptions = sharedKind(
  "DeleteOptions",
  obj(
    {
      apiVersion: str(),
      dryRun: arr(str(), "All: run every stage but do not persist."),
      gracePeriodSeconds: int64("Seconds to let the object terminate; 0 deletes at once."),
      ignoreStoreReadErrorWithClusterBreakingPotential: bool(
        "Delete an object that cannot be read from storage (unsafe).",
      ),
      kind: str(),
      orphanDependents: bool("Deprecated: use propagationPolicy."),
      preconditions: meta("Preconditions", "Delete only if uid and resourceVersion still match."),
      propagationPolicy: str("What happens to dependents: Orphan, Background or Foreground."),
    },
    { description: "The optional body of a DELETE request." },
  ),
);

const watchEvent = sharedKind(
  "WatchEvent",
  obj(
    {
      object: {
        type: "object",
        "x-kubernetes-embedded-resource": true,
        "x-kubernetes-preserve-unknown-fields": true,
        description: "The object after the change (before it, for DELETED).",
      },
      type: str("ADDED, MODIFIED, DELETED, BOOKMARK or ERROR."),
    },
    { required: ["type", "object"], description: "One event of a watch stream." },
  ),
);

const condition = obj(
  {
    lastTransitionTime: time("When status last changed."),
    message: str("Human-readable details."),
    observedGeneration: int64("The metadata.generation the condition was computed from."),
    reason: str("CamelCase reason for the last transition."),
    status: str("True, False or Unknown."),
    type: str("The condition's type, in CamelCase."),
  },
  {
    required: ["type", "status", "lastTransitionTime", "reason", "message"],
    description: "One aspect of an object's current state.",
  },
);

const tableKinds: SchemaMap = {
  [`${META_V1}Table`]: sharedKind(
    "Table",
    obj(
      {
        apiVersion: str(),
        columnDefinitions: arr(meta("TableColumnDefinition"), "The columns, in order."),
        kind: str(),
        metadata: meta("ListMeta"),
        rows: arr(meta("TableRow"), "One row per object."),
      },
      {
        required: ["columnDefinitions", "rows"],
        description: "A server-side rendering of objects as rows and columns, for kubectl get.",
      },
    ),
  ),
  [`${META_V1}TableColumnDefinition`]: obj(
    {
      description: str(),
      format: str(),
      name: str(),
      priority: int("0 is shown by default; higher only with -o wide."),
      type: str(),
    },
    { required: ["name", "type", "format", "description", "priority"] },
  ),
  [`${META_V1}TableRow`]: obj(
    {
      cells: arr(anyValue(), "The cell values, one per column."),
      conditions: arr(meta("TableRowCondition")),
      object: {
        type: "object",
        "x-kubernetes-embedded-resource": true,
        "x-kubernetes-preserve-unknown-fields": true,
        description: "The object of this row, often as PartialObjectMetadata.",
      },
    },
    { required: ["cells"] },
  ),
  [`${META_V1}TableRowCondition`]: obj(
    { message: str(), reason: str(), status: str(), type: str() },
    { required: ["type", "status"] },
  ),
  [`${META_V1}PartialObjectMetadata`]: sharedKind(
    "PartialObjectMetadata",
    obj({ apiVersion: str(), kind: str(), metadata: meta("ObjectMeta") }),
  ),
};

export const metaV1Schemas: SchemaMap = {
  [INT_OR_STRING]: {
    description: "An integer or a string: a port number or name, a count or a percentage.",
    format: "int-or-string",
    oneOf: [{ type: "integer" }, { type: "string" }],
  },
  [QUANTITY]: {
    description:
      'A fixed-point amount with an optional suffix: "500m" CPU, "128Mi" memory, or a plain number.',
    oneOf: [{ type: "string" }, { type: "number" }],
  },
  [TIME]: {
    description: "An RFC 3339 timestamp in UTC, to the second.",
    format: "date-time",
    type: "string",
  },
  [MICRO_TIME]: {
    description: "An RFC 3339 timestamp with microseconds.",
    format: "date-time",
    type: "string",
  },
  "io.k8s.apimachinery.pkg.runtime.RawExtension": {
    description: "A whole embedded object of any kind.",
    type: "object",
    "x-kubernetes-embedded-resource": true,
    "x-kubernetes-preserve-unknown-fields": true,
  },
  [`${META_V1}FieldsV1`]: {
    description: "A set of field paths in server-side apply's trie format.",
    type: "object",
    "x-kubernetes-preserve-unknown-fields": true,
  },
  [`${META_V1}Patch`]: {
    description: "The body of a PATCH request, in the format its Content-Type names.",
    type: "object",
  },
  [OBJECT_META]: objectMeta,
  [LIST_META]: listMeta,
  [`${META_V1}OwnerReference`]: ownerReference,
  [`${META_V1}ManagedFieldsEntry`]: obj(
    {
      apiVersion: str("The version of the resource the fields were set in."),
      fieldsType: str('Always "FieldsV1".'),
      fieldsV1: meta("FieldsV1", "The fields this manager owns."),
      manager: str("Who manages these fields (the fieldManager)."),
      operation: str("Apply or Update."),
      subresource: str("The subresource the fields were set through, if any."),
      time: time("When this entry last changed."),
    },
    { description: "The fields one manager owns on an object." },
  ),
  [`${META_V1}LabelSelector`]: labelSelector,
  [`${META_V1}LabelSelectorRequirement`]: obj(
    {
      key: str("The label key."),
      operator: str("In, NotIn, Exists or DoesNotExist."),
      values: arr(str(), "Values for In and NotIn; empty for Exists and DoesNotExist."),
    },
    { required: ["key", "operator"] },
  ),
  [`${META_V1}FieldSelectorRequirement`]: obj(
    {
      key: str("The field path."),
      operator: str("In, NotIn, Exists or DoesNotExist."),
      values: arr(str()),
    },
    { required: ["key", "operator"] },
  ),
  [`${META_V1}Preconditions`]: obj({ resourceVersion: str(), uid: str() }),
  [`${META_V1}StatusCause`]: obj({
    field: str("The field the cause is about, as a path (spec.replicas)."),
    message: str(),
    reason: str("FieldValueInvalid, FieldValueRequired, ..."),
  }),
  [`${META_V1}StatusDetails`]: statusDetails,
  [`${META_V1}Status`]: status,
  [`${META_V1}DeleteOptions`]: deleteOptions,
  [`${META_V1}WatchEvent`]: watchEvent,
  [`${META_V1}Condition`]: condition,
  ...tableKinds,
};
