/**
 * The format checks the built-in types need beyond names and labels (those live in
 * ../validation.ts), worded as k8s.io/apimachinery/pkg/util/validation words them. Like the
 * checks there, each takes a value and returns what is wrong with it, empty when it is valid.
 */
import {
  byteLength,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  isDNS1123Label,
  isDNS1123Subdomain,
  maxLenError,
  regexError,
} from "../validation.ts";

export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/** A port number: 1 to 65535. */
export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535
    ? []
    : [inclusiveRangeError(1, 65535)];
}

/**
 * An IANA service name, as container and Service port names must be (RFC 6335): at most 15
 * characters of [-a-z0-9], at least one letter, no "--", no leading or trailing "-".
 */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLength(port) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port))
    errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(port)) errs.push("must contain at least one letter (a-z)");
  if (port.includes("--")) errs.push("must not contain consecutive hyphens");
  if (port.startsWith("-") || port.endsWith("-")) errs.push("must not begin or end with a hyphen");
  return errs;
}

/** "." and ".." (and anything starting with "..") would escape the directory a key becomes a file in. */
function hasChDirPrefix(value: string): string[] {
  if (value === ".") return ["must not be '.'"];
  if (value === "..") return ["must not be '..'"];
  if (value.startsWith("..")) return ["must not start with '..'"];
  return [];
}

const CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+";

/** A ConfigMap or Secret key: it becomes a file name in a volume and an environment variable. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH)
    errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!new RegExp(`^${CONFIG_MAP_KEY_FMT}$`).test(value)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        CONFIG_MAP_KEY_FMT,
        "key.name",
        "KEY_NAME",
        "key-name",
      ),
    );
  }
  errs.push(...hasChDirPrefix(value));
  return errs;
}

/**
 * An environment variable name under RelaxedEnvironmentVariableValidation (on by default since
 * Kubernetes 1.32): any printable ASCII except "=".
 */
export function isRelaxedEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push("environment variable name must be non-empty");
  if (!/^[\x20-\x3c\x3e-\x7e]*$/.test(value)) {
    errs.push(
      "a valid environment variable name must consist only of printable ASCII characters other than '='",
    );
  }
  return errs;
}

const PERCENT_FMT = "[0-9]+%";

/** "25%": digits and a percent sign, as maxSurge and maxUnavailable may be written. */
export function isValidPercent(value: string): string[] {
  return new RegExp(`^${PERCENT_FMT}$`).test(value)
    ? []
    : [
        regexError(
          "a valid percent string must be a numeric string followed by an ending '%'",
          PERCENT_FMT,
          "1%",
          "93%",
        ),
      ];
}

const HTTP_HEADER_NAME_FMT = "[-A-Za-z0-9]+";

export function isHTTPHeaderName(value: string): string[] {
  return new RegExp(`^${HTTP_HEADER_NAME_FMT}$`).test(value)
    ? []
    : [
        regexError(
          "a valid HTTP header must consist of alphanumeric characters or '-'",
          HTTP_HEADER_NAME_FMT,
          "X-Header-Name",
        ),
      ];
}

const WILDCARD_FMT = "\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";

/** "*.example.com": an Ingress host matching one level of subdomains. */
export function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH)
    errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!new RegExp(`^${WILDCARD_FMT}$`).test(value)) {
    errs.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        WILDCARD_FMT,
        "*.example.com",
      ),
    );
  }
  return errs;
}

/** A domain name with at least two labels ("example.com"); a trailing "." is allowed. */
export function isFullyQualifiedDomainName(value: string): string[] {
  const name = value.endsWith(".") ? value.slice(0, -1) : value;
  const subdomain = isDNS1123Subdomain(name);
  if (subdomain.length > 0) return [subdomain.join(",")];
  if (name.split(".").length < 2)
    return ["should be a domain with at least two segments separated by dots"];
  for (const label of name.split(".")) {
    const errs = isDNS1123Label(label);
    if (errs.length > 0) return [errs.join(",")];
  }
  return [];
}

const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";

/** "example.com/ingress-controller": an IngressClass's controller. Reports (value, message) pairs. */
export function isDomainPrefixedPath(value: string): { value: string; message: string }[] {
  const slash = value.indexOf("/");
  const host = slash < 0 ? value : value.slice(0, slash);
  const path = slash < 0 ? "" : value.slice(slash + 1);
  if (slash < 0 || host === "" || path === "") {
    return [{ value, message: 'must be a domain-prefixed path (such as "acme.io/foo")' }];
  }
  const errs = isDNS1123Subdomain(host).map((message) => ({ value: host, message }));
  if (!new RegExp(`^${HTTP_PATH_FMT}$`).test(path)) {
    errs.push({ value: path, message: regexError("Invalid path", HTTP_PATH_FMT) });
  }
  return errs;
}

// #region ip-addresses

/**
 * Go's net.ParseIP as Kubernetes calls it (netutils.ParseIPSloppy): IPv4 in dotted decimal,
 * leading zeros allowed and read as decimal ("010.1.1.1" is 10.1.1.1); IPv6 in any RFC 4291 form.
 */
export function parseIPSloppy(value: string): { family: 4 | 6; bytes: number[] } | undefined {
  const v4 = parseIPv4(value);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIPv6(value);
  if (!v6) return undefined;
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is an IPv4 address to Go.
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? { family: 4, bytes: v6.slice(12) } : { family: 6, bytes: v6 };
}

function parseIPv4(value: string): number[] | undefined {
  const parts = value.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^[0-9]{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

function parseIPv6(value: string): number[] | undefined {
  if (!value.includes(":")) return undefined;
  let text = value;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0] ?? "");
  const rest = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const all = [...head, ...rest];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const missing = 8 - all.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const words = [
    ...head,
    ...Array<string>(halves.length === 2 ? missing : 0).fill("0"),
    ...rest,
  ].map((g) => Number.parseInt(g, 16));
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

export function isValidIP(value: string): string[] {
  return parseIPSloppy(value)
    ? []
    : ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"];
}

export function isValidIPv4Address(value: string): string[] {
  return parseIPSloppy(value)?.family === 4 ? [] : ["must be a valid IPv4 address"];
}

export function isValidIPv6Address(value: string): string[] {
  return parseIPSloppy(value)?.family === 6 ? [] : ["must be a valid IPv6 address"];
}

export function isValidCIDR(value: string): string[] {
  const slash = value.indexOf("/");
  const ip = slash < 0 ? undefined : parseIPSloppy(value.slice(0, slash));
  const bits = slash < 0 ? "" : value.slice(slash + 1);
  const max = ip?.family === 4 && !value.slice(0, slash).includes(":") ? 32 : 128;
  const ok = ip !== undefined && /^[0-9]{1,3}$/.test(bits) && Number(bits) <= max;
  return ok ? [] : ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"];
}

/**
 * ValidateNonSpecialIP: Endpoints and EndpointSlices may not point at the unspecified address or
 * at link-local ranges. Kubernetes also forbids loopback here; tinykube cannot, because its pods
 * and nodes live in 127.0.0.0/8 (see DESIGN.md, "Network model"), so that one check is left out.
 */
export function nonSpecialIPErrors(value: string): string[] {
  const ip = parseIPSloppy(value);
  if (!ip) return ["must be a valid IP address"];
  const b = ip.bytes;
  const errs: string[] = [];
  if (b.every((x) => x === 0)) errs.push(`may not be unspecified (${value})`);
  const linkLocalUnicast =
    ip.family === 4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80;
  if (linkLocalUnicast) errs.push("may not be in the link-local range (169.254.0.0/16, fe80::/10)");
  const linkLocalMulticast =
    ip.family === 4
      ? b[0] === 224 && b[1] === 0 && b[2] === 0
      : b[0] === 0xff && ((b[1] ?? 0) & 0x0f) === 0x02;
  if (linkLocalMulticast)
    errs.push("may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)");
  return errs;
}

// #endregion ip-addresses
