/**
 * core/v1 Event validation. Kubernetes keeps it minimal for the v1 API on purpose ("no further
 * validation for backwards compatibility"): not even the metadata is checked, only that an event
 * lives in its object's namespace, so `kubectl get events -n X` shows what happened to X's objects.
 * Events with an eventTime (written by the newer events API clients) must also say who reported
 * them and why.
 */
import {
  type FieldError,
  invalid,
  isDNS1123Subdomain,
  isQualifiedName,
  required,
} from "../validation.ts";
import { isSet, type JsonObject, obj, str } from "./access.ts";

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

// #region validate-event
function eventErrors(event: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = str(obj(event.metadata).namespace);
  const involvedNamespace = str(obj(event.involvedObject).namespace);
  const mismatch = () =>
    invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace");
  if (!isSet(event.eventTime)) {
    // An event about a cluster-scoped object (a Node) lives in "default", or nowhere.
    if (involvedNamespace === "") {
      if (namespace !== "" && namespace !== "default") errs.push(mismatch());
    } else if (namespace !== involvedNamespace) {
      errs.push(mismatch());
    }
  } else {
    if (involvedNamespace === "" && namespace !== "default" && namespace !== "kube-system")
      errs.push(mismatch());
    // v1 names the field reportingComponent; Kubernetes reports it by its internal name.
    const controller = str(event.reportingComponent);
    if (controller === "") errs.push(required("reportingController"));
    errs.push(
      ...isQualifiedName(controller).map((msg) => invalid("reportingController", controller, msg)),
    );
    const instance = str(event.reportingInstance);
    if (instance === "") errs.push(required("reportingInstance"));
    if (instance.length > REPORTING_INSTANCE_LIMIT) {
      errs.push(
        invalid("reportingInstance", "", `can have at most ${REPORTING_INSTANCE_LIMIT} characters`),
      );
    }
    const action = str(event.action);
    if (action === "") errs.push(required("action"));
    if (action.length > ACTION_LIMIT)
      errs.push(invalid("action", "", `can have at most ${ACTION_LIMIT} characters`));
    const reason = str(event.reason);
    if (reason === "") errs.push(required("reason"));
    if (reason.length > REASON_LIMIT)
      errs.push(invalid("reason", "", `can have at most ${REASON_LIMIT} characters`));
    if (str(event.message).length > NOTE_LIMIT)
      errs.push(invalid("message", "", `can have at most ${NOTE_LIMIT} characters`));
  }
  errs.push(...isDNS1123Subdomain(namespace).map((msg) => invalid("namespace", namespace, msg)));
  return errs;
}
// #endregion validate-event

export function validateEventCreate(event: JsonObject): FieldError[] {
  return eventErrors(event);
}

export function validateEventUpdate(event: JsonObject, _old: JsonObject): FieldError[] {
  return eventErrors(event);
}
