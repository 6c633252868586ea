/** authentication.k8s.io/v1 SelfSubjectReview: what `kubectl auth whoami` posts. */
import { arr, type GroupVersionKind, kind, map, obj, ref, type SchemaMap, str } from "../schema.ts";

export const AUTHENTICATION_V1 = "io.k8s.api.authentication.v1.";
const gvk: GroupVersionKind = {
  group: "authentication.k8s.io",
  version: "v1",
  kind: "SelfSubjectReview",
};

export const authenticationV1Schemas: SchemaMap = {
  [`${AUTHENTICATION_V1}SelfSubjectReview`]: kind({
    ...gvk,
    description: "Asks the API server who the caller is; the answer comes back in status.",
    properties: {
      status: ref(`${AUTHENTICATION_V1}SelfSubjectReviewStatus`, "The caller's user info."),
    },
  }),
  [`${AUTHENTICATION_V1}SelfSubjectReviewStatus`]: obj({
    userInfo: ref(`${AUTHENTICATION_V1}UserInfo`, "The authenticated user."),
  }),
  [`${AUTHENTICATION_V1}UserInfo`]: obj({
    extra: map(arr(str()), "Extra attributes from the authenticator."),
    groups: arr(str(), "The user's groups."),
    uid: str(),
    username: str("The user's name."),
  }),
};
