/**
 * Endpoints (core/v1) and EndpointSlice (discovery.k8s.io/v1) validation: the addresses a Service
 * routes to, written by the endpoints controllers.
 *
 * Kubernetes refuses loopback addresses here (127.0.0.0/8, ::1); tinykube's pods live in
 * 127.128.0.0/9 (DESIGN.md, "Network model"), so that one rule is left out. Unspecified and
 * link-local addresses are still refused.
 */
import {
  duplicate,
  FIELD_IMMUTABLE_ERROR_MSG,
  type FieldError,
  invalid,
  isDNS1123Label,
  isQualifiedName,
  nameIsDNSSubdomain,
  notSupported,
  required,
  tooMany,
  validateLabels,
} from "../validation.ts";
import { isSet, type JsonObject, num, objects, str, stringMap, strings } from "./access.ts";

import {
  isFullyQualifiedDomainName,
  isValidIP,
  isValidIPv4Address,
  isValidIPv6Address,
  isValidPortNum,
  nonSpecialIPErrors,
} from "./formats.ts";
import { validateMeta, validateMetaUpdate } from "./meta.ts";

const PROTOCOLS = ["SCTP", "TCP", "UDP"];

// #region endpoints
function endpointsErrors(endpoints: JsonObject): FieldError[] {
  const errs = validateMeta(endpoints, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  objects(endpoints.subsets).forEach((subset, i) => {
    const at = `subsets[${i}]`;
    const addresses = objects(subset.addresses);
    const notReady = objects(subset.notReadyAddresses);
    // A headless service's endpoints may have no ports, but every subset has some address.
    if (addresses.length === 0 && notReady.length === 0) {
      errs.push(required(at, "must specify `addresses` or `notReadyAddresses`"));
    }
    errs.push(...addresses.flatMap((a, j) => addressErrors(a, `${at}.addresses[${j}]`)));
    errs.push(...notReady.flatMap((a, j) => addressErrors(a, `${at}.notReadyAddresses[${j}]`)));
    const ports = objects(subset.ports);
    errs.push(
      ...ports.flatMap((port, j) =>
        endpointPortErrors(port, ports.length > 1, `${at}.ports[${j}]`),
      ),
    );
  });
  return errs;
}

function addressErrors(address: JsonObject, at: string): FieldError[] {
  const ip = str(address.ip);
  const errs = isValidIP(ip).map((msg) => invalid(`${at}.ip`, ip, msg));
  const hostname = str(address.hostname);
  if (hostname !== "")
    errs.push(...isDNS1123Label(hostname).map((msg) => invalid(`${at}.hostname`, hostname, msg)));
  if (isSet(address.nodeName)) {
    const nodeName = str(address.nodeName);
    errs.push(
      ...nameIsDNSSubdomain(nodeName, false).map((msg) => invalid(`${at}.nodeName`, nodeName, msg)),
    );
  }
  errs.push(...nonSpecialIPErrors(ip).map((msg) => invalid(`${at}.ip`, ip, msg)));
  return errs;
}

function endpointPortErrors(port: JsonObject, requireName: boolean, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(port.name);
  if (requireName && name === "") errs.push(required(`${at}.name`));
  else if (name !== "")
    errs.push(...isDNS1123Label(name).map((msg) => invalid(`${at}.name`, name, msg)));
  const n = num(port.port) ?? 0;
  errs.push(...isValidPortNum(n).map((msg) => invalid(`${at}.port`, n, msg)));
  const protocol = str(port.protocol);
  if (protocol === "") errs.push(required(`${at}.protocol`));
  else if (!PROTOCOLS.includes(protocol))
    errs.push(notSupported(`${at}.protocol`, protocol, PROTOCOLS));
  if (isSet(port.appProtocol)) {
    const app = str(port.appProtocol);
    errs.push(...isQualifiedName(app).map((msg) => invalid(`${at}.appProtocol`, app, msg)));
  }
  return errs;
}

export function validateEndpointsCreate(endpoints: JsonObject): FieldError[] {
  return endpointsErrors(endpoints);
}

export function validateEndpointsUpdate(endpoints: JsonObject, old: JsonObject): FieldError[] {
  return [...validateMetaUpdate(endpoints, old), ...endpointsErrors(endpoints)];
}
// #endregion endpoints

// #region endpoint-slice
const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"];
/** "IP" was an alpha address type; stored slices that use it may still be updated. */
const DEPRECATED_ADDRESS_TYPES = ["IP"];
const MAX_TOPOLOGY_LABELS = 16;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;
const MAX_ENDPOINTS = 1000;

function endpointSliceErrors(slice: JsonObject, addressTypes: readonly string[]): FieldError[] {
  const errs = validateMeta(slice, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const addressType = str(slice.addressType);
  if (addressType === "") errs.push(required("addressType"));
  else if (!addressTypes.includes(addressType))
    errs.push(notSupported("addressType", addressType, addressTypes));
  errs.push(...slicedEndpointsErrors(slice.endpoints, addressType));
  errs.push(...slicePortsErrors(slice.ports));
  return errs;
}

function slicedEndpointsErrors(list: unknown, addressType: string): FieldError[] {
  const endpoints = objects(list);
  if (endpoints.length > MAX_ENDPOINTS)
    return [tooMany("endpoints", endpoints.length, MAX_ENDPOINTS)];
  const errs: FieldError[] = [];
  endpoints.forEach((endpoint, i) => {
    const at = `endpoints[${i}]`;
    const addresses = strings(endpoint.addresses);
    if (addresses.length === 0)
      errs.push(required(`${at}.addresses`, "must contain at least 1 address"));
    else if (addresses.length > MAX_ADDRESSES)
      errs.push(tooMany(`${at}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((address, j) => {
      const path = `${at}.addresses[${j}]`;
      const check = (msgs: string[]) => msgs.map((msg) => invalid(path, address, msg));
      switch (addressType) {
        case "IP":
          errs.push(...check(isValidIP(address)));
          break;
        case "IPv4":
          errs.push(...check(isValidIPv4Address(address)), ...check(nonSpecialIPErrors(address)));
          break;
        case "IPv6":
          errs.push(...check(isValidIPv6Address(address)), ...check(nonSpecialIPErrors(address)));
          break;
        case "FQDN":
          errs.push(...check(isFullyQualifiedDomainName(address)));
          break;
      }
    });
    const topology = stringMap(endpoint.deprecatedTopology);
    const topologyAt = `${at}.topology`;
    if (Object.keys(topology ?? {}).length > MAX_TOPOLOGY_LABELS) {
      errs.push(tooMany(topologyAt, Object.keys(topology ?? {}).length, MAX_TOPOLOGY_LABELS));
    }
    errs.push(...validateLabels(topology, topologyAt));
    if (isSet(endpoint.hostname)) {
      const hostname = str(endpoint.hostname);
      errs.push(...isDNS1123Label(hostname).map((msg) => invalid(`${at}.hostname`, hostname, msg)));
    }
  });
  return errs;
}

function slicePortsErrors(list: unknown): FieldError[] {
  const ports = objects(list);
  if (ports.length > MAX_PORTS) return [tooMany("ports", ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const at = `ports[${i}]`;
    const name = str(port.name);
    if (name !== "")
      errs.push(...isDNS1123Label(name).map((msg) => invalid(`${at}.name`, name, msg)));
    if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    else names.add(name);
    if (!isSet(port.protocol)) errs.push(required(`${at}.protocol`));
    else if (!PROTOCOLS.includes(str(port.protocol)))
      errs.push(notSupported(`${at}.protocol`, port.protocol, PROTOCOLS));
    if (isSet(port.appProtocol)) {
      const app = str(port.appProtocol);
      errs.push(...isQualifiedName(app).map((msg) => invalid(`${at}.appProtocol`, app, msg)));
    }
  });
  return errs;
}

export function validateEndpointSliceCreate(slice: JsonObject): FieldError[] {
  return endpointSliceErrors(slice, ADDRESS_TYPES);
}

export function validateEndpointSliceUpdate(slice: JsonObject, old: JsonObject): FieldError[] {
  const errs = [
    ...validateMetaUpdate(slice, old),
    ...endpointSliceErrors(slice, [...DEPRECATED_ADDRESS_TYPES, ...ADDRESS_TYPES].sort()),
  ];
  if (str(slice.addressType) !== str(old.addressType)) {
    errs.push(invalid("addressType", str(slice.addressType), FIELD_IMMUTABLE_ERROR_MSG));
  }
  return errs;
}
// #endregion endpoint-slice
