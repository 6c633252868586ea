/**
 * Node validation (ValidateNode, ValidateNodeUpdate). A node registers itself, so most of what
 * is checked is what the kubelet reports: capacities, addresses, pod CIDRs, taints.
 *
 * Kubernetes reports taint errors under "metadata.taints" (not "spec.taints"), a path slip in its
 * source that users see; tinykube keeps it so the messages match.
 */
import {
  type FieldError,
  forbidden,
  invalid,
  isValidLabelValue,
  nameIsDNSSubdomain,
  notSupported,
  required,
  validateLabelName,
} from "../validation.ts";
import { deepEqual, isObject, type JsonObject, obj, objects, str, strings } from "./access.ts";
import { isValidCIDR, parseIPSloppy } from "./formats.ts";
import { validateMeta, validateMetaUpdate } from "./meta.ts";
import { quantityAt, quantityValueErrors } from "./resources.ts";

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/** validateNodeTaints: each taint valid, and unique by key and effect. */
function taintErrors(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  objects(list).forEach((taint, i) => {
    const at = `${field}[${i}]`;
    const key = str(taint.key);
    const value = str(taint.value);
    const effect = str(taint.effect);
    errs.push(...validateLabelName(key, `${at}.key`));
    const valueErrs = isValidLabelValue(value);
    if (valueErrs.length > 0) errs.push(invalid(`${at}.value`, value, valueErrs.join(";")));
    if (effect === "") errs.push(required(`${at}.effect`));
    else if (!TAINT_EFFECTS.includes(effect))
      errs.push(notSupported(`${at}.effect`, effect, TAINT_EFFECTS));
    const id = `${effect}\u0000${key}`;
    if (seen.has(id)) {
      errs.push({
        type: "FieldValueDuplicate",
        field: at,
        value: taint,
        detail: "taints must be unique by key and effect pair",
      });
      return;
    }
    seen.add(id);
  });
  return errs;
}

/** ValidateNodeResources: capacity and allocatable are valid, non-negative quantities. */
function resourceErrors(node: JsonObject): FieldError[] {
  const status = obj(node.status);
  return (["capacity", "allocatable"] as const).flatMap((list) =>
    Object.entries(isObject(status[list]) ? status[list] : {}).flatMap(([name, value]) => {
      const at = `status.${list}.${name}`;
      const { q, errors } = quantityAt(value, at);
      return q ? [...errors, ...quantityValueErrors(name, q, at)] : errors;
    }),
  );
}

// #region node-pod-cidrs
/**
 * The node's pod CIDRs as the API server judges them. The v1 API has both the original single
 * field, podCIDR, and the list, podCIDRs; Kubernetes' internal type has only the list, filled in
 * by conversion (Convert_v1_NodeSpec_To_core_NodeSpec, pkg/apis/core/v1/conversion.go), where the
 * older field wins for the sake of older clients: podCIDR set with podCIDRs empty, or podCIDR
 * different from podCIDRs[0], gives [podCIDR]. So {podCIDR: A, podCIDRs: [B]} means [A], and a
 * client that changes only podCIDR changes the pod CIDRs.
 */
export function nodePodCIDRs(spec: unknown): string[] {
  const single = str(obj(spec).podCIDR);
  const list = strings(obj(spec).podCIDRs);
  return single !== "" && list[0] !== single ? [single] : list;
}
// #endregion node-pod-cidrs

function podCIDRErrors(node: JsonObject): FieldError[] {
  const cidrs = nodePodCIDRs(node.spec);
  const field = "spec.podCIDRs";
  const errs = cidrs.flatMap((cidr, i) =>
    isValidCIDR(cidr).map((msg) => invalid(`${field}[${i}]`, cidr, msg)),
  );
  if (errs.length > 0 || cidrs.length < 2) return errs;
  const families = cidrs.map((c) => parseIPSloppy(c.slice(0, c.indexOf("/")))?.family);
  if (cidrs.length > 2 || families[0] === families[1]) {
    errs.push(invalid(field, cidrs, "may specify no more than one CIDR for each IP family"));
  }
  const seen = new Set<string>();
  cidrs.forEach((cidr, i) => {
    if (seen.has(cidr))
      errs.push({ type: "FieldValueDuplicate", field: `${field}[${i}]`, value: cidr, detail: "" });
    seen.add(cidr);
  });
  return errs;
}

export function validateNodeCreate(node: JsonObject): FieldError[] {
  return [
    ...validateMeta(node, { namespaced: false, nameValidator: nameIsDNSSubdomain }),
    ...taintErrors(obj(node.spec).taints, "metadata.taints"),
    ...resourceErrors(node),
    ...podCIDRErrors(node),
  ];
}

// #region validate-node-update
export function validateNodeUpdate(node: JsonObject, old: JsonObject): FieldError[] {
  // nodeStrategy.ValidateUpdate runs ValidateNode too, so the new pod CIDRs must be valid.
  const errs = [...validateMetaUpdate(node, old), ...podCIDRErrors(node), ...resourceErrors(node)];
  const addresses: JsonObject[] = [];
  objects(obj(node.status).addresses).forEach((address, i) => {
    if (addresses.some((a) => deepEqual(a, address))) {
      errs.push({
        type: "FieldValueDuplicate",
        field: `status.addresses[${i}]`,
        value: address,
        detail: "",
      });
    }
    addresses.push(address);
  });
  const spec = obj(node.spec);
  const oldSpec = obj(old.spec);
  // The node IPAM controller may assign pod CIDRs once, from none; after that they are fixed.
  // Kubernetes reports one error for a changed length, else one per changed entry.
  const oldCIDRs = nodePodCIDRs(oldSpec);
  const cidrs = nodePodCIDRs(spec);
  const podCIDRFixed = () =>
    forbidden("spec.podCIDRs", 'node updates may not change podCIDR except from "" to valid');
  if (oldCIDRs.length > 0 && oldCIDRs.length !== cidrs.length) errs.push(podCIDRFixed());
  else if (oldCIDRs.length > 0)
    oldCIDRs.forEach((cidr, i) => {
      if (cidr !== cidrs[i]) errs.push(podCIDRFixed());
    });
  const providerID = str(oldSpec.providerID);
  if (providerID !== "" && providerID !== str(spec.providerID)) {
    errs.push(
      forbidden(
        "spec.providerID",
        'node updates may not change providerID except from "" to valid',
      ),
    );
  }
  errs.push(...taintErrors(spec.taints, "metadata.taints"));
  if (str(spec.externalID) !== str(oldSpec.externalID))
    errs.push(forbidden("spec.externalID", "may not be updated"));
  return errs;
}
// #endregion validate-node-update
