/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition (Kubernetes 1.32), including JSONSchemaProps,
 * the schema language a CRD's openAPIV3Schema is written in. JSONSchemaProps is spelled out, so a
 * typo such as `tpye: string` in a CRD's schema is an unknown field, as in Kubernetes; its
 * either-or fields (items, additionalProperties, default, enum, ...) accept any JSON, as their
 * Kubernetes definitions do.
 */
import {
  anyValue,
  arr,
  bool,
  bytes,
  type GroupVersionKind,
  int,
  int64,
  kind,
  listMap,
  map,
  num,
  obj,
  ref,
  type SchemaMap,
  str,
  time,
  withList,
} from "../schema.ts";

export const APIEXTENSIONS_V1 = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.";
const ext = (name: string, description?: string) => ref(APIEXTENSIONS_V1 + name, description);
const gvk: GroupVersionKind = {
  group: "apiextensions.k8s.io",
  version: "v1",
  kind: "CustomResourceDefinition",
};

const jsonSchemaProps = obj(
  {
    $ref: str(),
    $schema: str(),
    additionalItems: ext("JSONSchemaPropsOrBool"),
    additionalProperties: ext(
      "JSONSchemaPropsOrBool",
      "The schema of the values of a map (an object without fixed properties).",
    ),
    allOf: arr(ext("JSONSchemaProps")),
    anyOf: arr(ext("JSONSchemaProps")),
    default: ext("JSON", "A value defaulted in when the field is missing."),
    definitions: map(ext("JSONSchemaProps")),
    dependencies: map(ext("JSONSchemaPropsOrStringArray")),
    description: str("What the field means; shown by kubectl explain."),
    enum: arr(ext("JSON"), "The only values allowed."),
    example: ext("JSON"),
    exclusiveMaximum: bool(),
    exclusiveMinimum: bool(),
    externalDocs: ext("ExternalDocumentation"),
    format: str("date-time, int32, byte, ... : a refinement of type."),
    id: str(),
    items: ext("JSONSchemaPropsOrArray", "The schema of the elements of an array."),
    maxItems: int64(),
    maxLength: int64(),
    maxProperties: int64(),
    maximum: num(),
    minItems: int64(),
    minLength: int64(),
    minProperties: int64(),
    minimum: num(),
    multipleOf: num(),
    not: ext("JSONSchemaProps"),
    nullable: bool("Allow null as a value."),
    oneOf: arr(ext("JSONSchemaProps")),
    pattern: str("A regular expression strings must match."),
    patternProperties: map(ext("JSONSchemaProps")),
    properties: map(ext("JSONSchemaProps"), "The fields of an object, by name."),
    required: arr(str(), "Fields that must be present."),
    title: str(),
    type: str("object, array, string, integer, number or boolean."),
    uniqueItems: bool(),
    "x-kubernetes-embedded-resource": bool(
      "The value is a whole object with apiVersion, kind and metadata.",
    ),
    "x-kubernetes-int-or-string": bool("The value is an integer or a string."),
    "x-kubernetes-list-map-keys": arr(str(), "The keys of a list of type map."),
    "x-kubernetes-list-type": str("atomic, set or map: how server-side apply merges the list."),
    "x-kubernetes-map-type": str("granular or atomic: how server-side apply merges the object."),
    "x-kubernetes-preserve-unknown-fields": bool(
      "Keep fields the schema does not name instead of pruning them.",
    ),
    "x-kubernetes-validations": listMap(ext("ValidationRule"), ["rule"], {
      description: "CEL rules the value must satisfy.",
      mergeKey: "rule",
    }),
  },
  { description: "A JSON schema, as a CustomResourceDefinition describes its objects with." },
);

const types: SchemaMap = {
  CustomResourceDefinitionSpec: obj(
    {
      conversion: ext("CustomResourceConversion", "How objects convert between versions."),
      group: str("The API group of the new resource, e.g. stable.example.com."),
      names: ext("CustomResourceDefinitionNames", "Kind, plural, singular and short names."),
      preserveUnknownFields: bool("Deprecated; must be false in v1."),
      scope: str("Namespaced or Cluster."),
      versions: arr(ext("CustomResourceDefinitionVersion"), "The versions served."),
    },
    {
      required: ["group", "names", "scope", "versions"],
      description: "The resource a CustomResourceDefinition adds to the API.",
    },
  ),
  CustomResourceDefinitionNames: obj(
    {
      categories: arr(str(), 'Groups the resource belongs to, e.g. "all".'),
      kind: str("The kind of the objects, in CamelCase."),
      listKind: str("The kind of lists (<kind>List)."),
      plural: str("The resource name in URLs, lowercase."),
      shortNames: arr(str(), "Short aliases for kubectl."),
      singular: str("The singular, lowercase."),
    },
    { required: ["plural", "kind"] },
  ),
  CustomResourceDefinitionVersion: obj(
    {
      additionalPrinterColumns: arr(
        ext("CustomResourceColumnDefinition"),
        "Extra columns for kubectl get.",
      ),
      deprecated: bool(),
      deprecationWarning: str(),
      name: str("The version name, e.g. v1."),
      schema: ext("CustomResourceValidation", "The schema objects of this version must follow."),
      selectableFields: arr(ext("SelectableField"), "Fields usable in field selectors."),
      served: bool("Whether the version is served."),
      storage: bool("Whether objects are stored in this version; exactly one is."),
      subresources: ext("CustomResourceSubresources", "status and scale subresources."),
    },
    { required: ["name", "served", "storage"] },
  ),
  CustomResourceValidation: obj({
    openAPIV3Schema: ext("JSONSchemaProps", "The structural schema of the objects."),
  }),
  CustomResourceSubresources: obj({
    scale: ext("CustomResourceSubresourceScale", "Enables the scale subresource."),
    status: ext("CustomResourceSubresourceStatus", "Enables the status subresource."),
  }),
  CustomResourceSubresourceStatus: {
    description: "Enables the status subresource; an empty object.",
    type: "object",
  },
  CustomResourceSubresourceScale: obj(
    { labelSelectorPath: str(), specReplicasPath: str(), statusReplicasPath: str() },
    { required: ["specReplicasPath", "statusReplicasPath"] },
  ),
  CustomResourceColumnDefinition: obj(
    {
      description: str(),
      format: str(),
      jsonPath: str("Where the value comes from, e.g. .spec.replicas."),
      name: str(),
      priority: int("0 shows by default; higher only with -o wide."),
      type: str(),
    },
    { required: ["name", "type", "jsonPath"] },
  ),
  SelectableField: obj({ jsonPath: str() }, { required: ["jsonPath"] }),
  CustomResourceConversion: obj(
    {
      strategy: str("None or Webhook."),
      webhook: ext("WebhookConversion"),
    },
    { required: ["strategy"] },
  ),
  WebhookConversion: obj(
    {
      clientConfig: ext("WebhookClientConfig"),
      conversionReviewVersions: arr(str()),
    },
    { required: ["conversionReviewVersions"] },
  ),
  WebhookClientConfig: obj({
    caBundle: bytes(),
    service: ext("ServiceReference"),
    url: str(),
  }),
  ServiceReference: obj(
    { name: str(), namespace: str(), path: str(), port: int() },
    { required: ["namespace", "name"] },
  ),
  CustomResourceDefinitionStatus: obj({
    acceptedNames: ext("CustomResourceDefinitionNames", "The names actually in use."),
    conditions: listMap(ext("CustomResourceDefinitionCondition"), ["type"]),
    storedVersions: arr(str(), "Versions objects have ever been stored in."),
  }),
  CustomResourceDefinitionCondition: obj(
    {
      lastTransitionTime: time(),
      message: str(),
      reason: str(),
      status: str(),
      type: str("Established, NamesAccepted, NonStructuralSchema, Terminating, ..."),
    },
    { required: ["type", "status"] },
  ),
  JSONSchemaProps: jsonSchemaProps,
  JSONSchemaPropsOrArray: anyValue("A schema, or an array of schemas."),
  JSONSchemaPropsOrBool: anyValue("A schema, or a boolean."),
  JSONSchemaPropsOrStringArray: anyValue("A schema, or an array of strings."),
  JSON: anyValue("Any JSON value."),
  ExternalDocumentation: obj({ description: str(), url: str() }),
  ValidationRule: obj(
    {
      fieldPath: str(),
      message: str(),
      messageExpression: str(),
      optionalOldSelf: bool(),
      reason: str(),
      rule: str("A CEL expression over self (and oldSelf)."),
    },
    { required: ["rule"] },
  ),
};

export const apiextensionsV1Schemas: SchemaMap = {
  ...Object.fromEntries(Object.entries(types).map(([name, s]) => [APIEXTENSIONS_V1 + name, s])),
  ...withList(
    APIEXTENSIONS_V1,
    gvk,
    kind({
      ...gvk,
      description: "Adds a resource to the API, served like a built-in one.",
      properties: {
        spec: ext("CustomResourceDefinitionSpec", "The group, names, scope and versions."),
        status: ext("CustomResourceDefinitionStatus", "Whether the names were accepted."),
      },
      required: ["spec"],
    }),
  ),
};
