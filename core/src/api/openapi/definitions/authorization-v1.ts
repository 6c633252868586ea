/** authorization.k8s.io/v1 SelfSubjectAccessReview: what `kubectl auth can-i` posts. */
import {
  arr,
  bool,
  type GroupVersionKind,
  kind,
  obj,
  ref,
  type SchemaMap,
  str,
} from "../schema.ts";
import { META_V1 } from "./meta-v1.ts";

export const AUTHORIZATION_V1 = "io.k8s.api.authorization.v1.";
const authz = (name: string, description?: string) => ref(AUTHORIZATION_V1 + name, description);
const gvk: GroupVersionKind = {
  group: "authorization.k8s.io",
  version: "v1",
  kind: "SelfSubjectAccessReview",
};

export const authorizationV1Schemas: SchemaMap = {
  [`${AUTHORIZATION_V1}SelfSubjectAccessReview`]: kind({
    ...gvk,
    description: "Asks whether the caller may perform an action; the answer comes back in status.",
    properties: {
      spec: authz("SelfSubjectAccessReviewSpec", "The action to check."),
      status: authz("SubjectAccessReviewStatus", "Whether it is allowed, and why."),
    },
    required: ["spec"],
  }),
  [`${AUTHORIZATION_V1}SelfSubjectAccessReviewSpec`]: obj({
    nonResourceAttributes: authz("NonResourceAttributes", "A request to a URL path."),
    resourceAttributes: authz("ResourceAttributes", "A request on a resource."),
  }),
  [`${AUTHORIZATION_V1}ResourceAttributes`]: obj({
    fieldSelector: authz("FieldSelectorAttributes"),
    group: str(),
    labelSelector: authz("LabelSelectorAttributes"),
    name: str(),
    namespace: str(),
    resource: str(),
    subresource: str(),
    verb: str(),
    version: str(),
  }),
  [`${AUTHORIZATION_V1}FieldSelectorAttributes`]: obj({
    rawSelector: str(),
    requirements: arr(ref(`${META_V1}FieldSelectorRequirement`)),
  }),
  [`${AUTHORIZATION_V1}LabelSelectorAttributes`]: obj({
    rawSelector: str(),
    requirements: arr(ref(`${META_V1}LabelSelectorRequirement`)),
  }),
  [`${AUTHORIZATION_V1}NonResourceAttributes`]: obj({ path: str(), verb: str() }),
  [`${AUTHORIZATION_V1}SubjectAccessReviewStatus`]: obj(
    {
      allowed: bool("Whether the action is allowed."),
      denied: bool("Whether the action is explicitly denied."),
      evaluationError: str(),
      reason: str(),
    },
    { required: ["allowed"] },
  ),
};
