/**
 * networking.k8s.io/v1 IPAddress validation (ValidateIPAddress, ValidateIPAddressUpdate in
 * pkg/apis/networking/validation).
 *
 * An IPAddress is named by the address it holds ("127.96.0.10"), so the name rule is the IP
 * rule; it cannot be generated. Its parentRef says who holds the address and never changes: to
 * move an address, delete the object and create it again.
 */
import {
  FIELD_IMMUTABLE_ERROR_MSG,
  type FieldError,
  invalid,
  isDNS1123Subdomain,
  isValidPathSegmentName,
  type NameValidator,
  required,
} from "../validation.ts";
import { deepEqual, isSet, type JsonObject, obj, str } from "./access.ts";
import { isValidIP } from "./formats.ts";
import { validateMeta, validateMetaUpdate } from "./meta.ts";

/** The name must be an IP address; a generateName prefix is not considered (none can be one). */
const nameIsIPAddress: NameValidator = (name) => isValidIP(name);

// #region validate-ipaddress
function ipAddressErrors(ip: JsonObject): FieldError[] {
  const errs = validateMeta(ip, { namespaced: false, nameValidator: nameIsIPAddress });
  const spec = obj(ip.spec);
  if (!isSet(spec.parentRef)) return [...errs, required("spec.parentRef")];
  const ref = obj(spec.parentRef);
  const at = "spec.parentRef";
  // The core group (Services) is "", so the group cannot be required.
  const group = str(ref.group);
  if (group !== "")
    errs.push(...isDNS1123Subdomain(group).map((msg) => invalid(`${at}.group`, group, msg)));
  for (const [field, needed] of [
    ["resource", true],
    ["name", true],
    ["namespace", false],
  ] as const) {
    const value = str(ref[field]);
    if (value === "") {
      if (needed) errs.push(required(`${at}.${field}`));
      continue;
    }
    errs.push(...isValidPathSegmentName(value).map((msg) => invalid(`${at}.${field}`, value, msg)));
  }
  return errs;
}
// #endregion validate-ipaddress

export function validateIPAddressCreate(ip: JsonObject): FieldError[] {
  return ipAddressErrors(ip);
}

/** Only metadata may change: the parentRef is fixed for the life of the object. */
export function validateIPAddressUpdate(ip: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateMetaUpdate(ip, old);
  const ref = obj(ip.spec).parentRef;
  const oldRef = obj(old.spec).parentRef;
  if (!deepEqual(ref, oldRef))
    errs.push(invalid("spec.parentRef", ref ?? null, FIELD_IMMUTABLE_ERROR_MSG));
  return errs;
}
