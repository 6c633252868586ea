/**
 * Resource requests: the REST verbs on /api/v1/... and /apis/<group>/<version>/..., after
 * authentication and authorization. Each verb decodes what it needs, hands the object to the
 * registry (which runs the strategy and admission and talks to the store), and encodes the
 * answer in the shape the client asked for (object, list, Table, watch stream).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  convertFieldSelector,
  type FieldSelector,
  fieldSelectorsFor,
  isFieldSelectorEmpty,
  matchesFields,
  parseFieldSelector,
} from "../../api/fields.ts";
import { isLabelSelectorEmpty, matchesLabels, parseLabelSelector } from "../../api/labels.ts";
import type { DeleteOptions, KubeObject } from "../../api/object.ts";
import type { ResourceType } from "../../api/scheme.ts";
import { type FieldError, invalid as fieldInvalid, notSupported } from "../../api/validation.ts";
import type { UserInfo } from "../authn.ts";
import {
  badRequest,
  invalid,
  methodNotAllowed,
  notAcceptable,
  resourceNotFound,
  successStatus,
} from "../errors.ts";
import type { RequestAttributes } from "../rbac/attributes.ts";
import type { Admit, Registry } from "../registry/registry.ts";
import {
  type CacheWatcher,
  type IndexValue,
  indexedFieldOf,
  type ObjectFilter,
  type WatcherEvent,
} from "../storage/watch-cache.ts";
import { asObject, bodyFormat, parseText, readBody } from "./body.ts";
import type { Codecs } from "./codecs.ts";
import { ACCEPTED_OUTPUTS, chooseOutput, type Output } from "./negotiate.ts";
import { sendJson, sendJsonList, statusOf } from "./respond.ts";

export interface ResourceContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  attrs: RequestAttributes;
  user: UserInfo;
  type: ResourceType;
  registry: Registry;
  codecs: Codecs;
  admit: Admit;
  /** Reports what the registry and store do for this request (chapter 2 prints it). */
  trace?: (stage: "registry" | "store", message: string) => void;
  /** Keep-alive newlines on watch streams, and how long a watch may last by default. */
  watch: { keepAliveMs: number; defaultTimeoutSeconds: number };
  /** Called for subresources and virtual resources the generic verbs do not cover. */
  special?: (ctx: ResourceContext) => Promise<boolean>;
}

export async function serveResource(ctx: ResourceContext): Promise<void> {
  if (ctx.special && (await ctx.special(ctx))) return;
  const { attrs, type } = ctx;
  if (attrs.subresource === "status") return serveStatus(ctx);
  if (attrs.subresource) throw resourceNotFound();
  if (!type.verbs.includes(attrs.verb as never)) throw methodNotAllowed();
  switch (attrs.verb) {
    case "get":
      return respondObject(ctx, 200, await ctx.registry.get(ns(ctx), attrs.name));
    case "list":
      return serveList(ctx);
    case "watch":
      return serveWatch(ctx);
    case "create":
      return serveCreate(ctx);
    case "update":
      return serveUpdate(ctx, undefined);
    case "patch":
      return servePatch(ctx, undefined);
    case "delete":
      return serveDelete(ctx);
    case "deletecollection":
      return serveDeleteCollection(ctx);
    default:
      throw methodNotAllowed();
  }
}

const ns = (ctx: ResourceContext) =>
  ctx.type.namespaced ? ctx.attrs.namespace || undefined : undefined;

function output(ctx: ResourceContext, allowTable: boolean): Output {
  const chosen = chooseOutput(ctx.req.headers.accept, { table: allowTable, partialMetadata: true });
  if (!chosen) throw notAcceptable(ACCEPTED_OUTPUTS);
  return chosen;
}

/** One object in the shape asked for (kubectl get <name> asks for a Table). */
function respondObject(
  ctx: ResourceContext,
  code: number,
  object: KubeObject,
  warnings: string[] = [],
): void {
  const out = output(ctx, ctx.attrs.verb === "get");
  if (out.shape === "table") {
    sendJson(
      ctx.res,
      code,
      ctx.codecs.table(ctx.type, object, {
        version: out.version,
        includeObject: out.includeObject,
      }),
      { warnings },
    );
    return;
  }
  if (out.shape === "partialMetadata") {
    sendJson(ctx.res, code, partialMetadata(object, out.version), { warnings });
    return;
  }
  sendJson(ctx.res, code, object, {
    format: out.shape === "object" ? out.format : "json",
    warnings,
  });
}

function partialMetadata(object: KubeObject, version: string) {
  return {
    kind: "PartialObjectMetadata",
    apiVersion: `meta.k8s.io/${version}`,
    metadata: object.metadata,
  };
}

// #region filters
/**
 * The filter of a list or watch: namespace from the URL, label selector, field selector. Field
 * selectors only accept the fields this kind supports (metadata.name, spec.nodeName for pods,
 * involvedObject.* for events, ...), as Kubernetes checks them.
 */
function filterOf(ctx: ResourceContext): {
  filter: ObjectFilter;
  filtered: boolean;
  indexValue?: IndexValue;
} {
  const labelText = ctx.query.get("labelSelector") ?? "";
  const fieldText = ctx.query.get("fieldSelector") ?? "";
  let labels: ReturnType<typeof parseLabelSelector>;
  let fields: FieldSelector;
  const rules = fieldSelectorsFor({
    group: ctx.type.group,
    kind: ctx.type.kind,
    namespaced: ctx.type.namespaced,
  });
  try {
    labels = parseLabelSelector(labelText);
    fields = convertFieldSelector(parseFieldSelector(fieldText), rules);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  const noLabels = isLabelSelectorEmpty(labels);
  const noFields = isFieldSelectorEmpty(fields);
  if (noLabels && noFields) return { filter: () => true, filtered: false };
  // "spec.nodeName=n1" on pods: the watch cache's index answers it (a kubelet's own pods).
  const indexed = indexedFieldOf(ctx.type)?.field;
  const exact = fields.requirements.find((r) => r.field === indexed && r.operator === "=");
  return {
    filter: (o) =>
      (noLabels || matchesLabels(labels, o.metadata.labels)) &&
      (noFields || matchesFields(fields, rules.fieldSet(o))),
    filtered: true,
    ...(exact ? { indexValue: { field: exact.field, value: exact.value } } : {}),
  };
}
// #endregion filters

async function serveList(ctx: ResourceContext): Promise<void> {
  const { filter, filtered, indexValue } = filterOf(ctx);
  const limit = intParam(ctx, "limit") ?? 0;
  const match = ctx.query.get("resourceVersionMatch");
  if (match && match !== "Exact" && match !== "NotOlderThan") {
    throw badRequest(
      `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
    );
  }
  const list = await ctx.registry.list(ns(ctx), {
    filter,
    filtered,
    indexValue,
    limit,
    continue: ctx.query.get("continue") ?? undefined,
    resourceVersion: ctx.query.get("resourceVersion") ?? undefined,
    resourceVersionMatch: (match as "Exact" | "NotOlderThan" | null) ?? undefined,
  });
  const out = output(ctx, true);
  if (out.shape === "table") {
    sendJson(
      ctx.res,
      200,
      ctx.codecs.table(ctx.type, list, { version: out.version, includeObject: out.includeObject }),
    );
  } else if (out.shape === "partialMetadata") {
    sendJson(ctx.res, 200, {
      kind: "PartialObjectMetadataList",
      apiVersion: `meta.k8s.io/${out.version}`,
      metadata: list.metadata,
      items: list.items.map((o) => partialMetadata(o, out.version)),
    });
  } else if (out.shape === "object" && out.format === "yaml") {
    sendJson(ctx.res, 200, list, { format: "yaml" });
  } else {
    await sendJsonList(ctx.res, 200, list);
  }
}

// #region watch
/**
 * A watch: newline-delimited JSON events over a chunked response, each in the shape the list
 * would have had (kubectl get -w asks for Table rows). Headers go out at once, because clients
 * wait for them before they consider the watch started; a newline every `keepAliveMs` keeps
 * idle connections from timing out (clients skip blank lines). BOOKMARK events only when the
 * client sent allowWatchBookmarks=true: kubectl prints unasked bookmarks as rows.
 */
async function serveWatch(ctx: ResourceContext): Promise<void> {
  const { filter, indexValue } = filterOf(ctx);
  const out = output(ctx, true);
  const timeoutSeconds = intParam(ctx, "timeoutSeconds") ?? ctx.watch.defaultTimeoutSeconds;
  let watcher: CacheWatcher | undefined;
  let failure: unknown;
  try {
    watcher = await ctx.registry.watch(ns(ctx), {
      resourceVersion: ctx.query.get("resourceVersion") ?? undefined,
      filter,
      indexValue,
      bookmarks: ctx.query.get("allowWatchBookmarks") === "true",
    });
  } catch (error) {
    // A resourceVersion the cache has forgotten is a watch that ends at once with an ERROR
    // event (Kubernetes' errWatcher), not a failed request: clients re-list on its 410.
    if (statusOf(error).code !== 410) throw error;
    failure = error;
  }
  const { res } = ctx;
  res.writeHead(200, {
    "Content-Type":
      out.shape === "table" ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json",
    "Cache-Control": "no-cache, private",
    // No Transfer-Encoding: HTTP/1.1 responses without a length are chunked anyway, and HTTP/2
    // forbids the header (its frames delimit the body).
  });
  res.flushHeaders();
  if (!watcher) {
    res.end(`${JSON.stringify({ type: "ERROR", object: statusOf(failure) })}\n`);
    return;
  }
  const channel = watcher.channel;
  const stop = () => channel.cancel();
  const timeout = setTimeout(stop, Math.max(0, timeoutSeconds) * 1000);
  const keepAlive = setInterval(() => res.write("\n"), ctx.watch.keepAliveMs);
  ctx.req.on("close", stop);
  res.on("close", stop);
  try {
    // Like Kubernetes' watch encoder, only the first Table carries the column definitions.
    let first = true;
    for await (const event of channel) {
      res.write(
        out.shape === "object" && event.type !== "BOOKMARK" && event.type !== "ERROR"
          ? sharedEventLine(event)
          : `${JSON.stringify(encodeEvent(ctx, event, out, !first))}\n`,
      );
      if (event.type !== "BOOKMARK") first = false;
    }
  } catch (error) {
    res.write(`${JSON.stringify({ type: "ERROR", object: statusOf(error) })}\n`);
  } finally {
    clearTimeout(timeout);
    clearInterval(keepAlive);
    ctx.req.off("close", stop);
    res.end();
  }
}

/**
 * A change's line, encoded once however many watchers send it, as Kubernetes' cacher encodes
 * each event once per format (cachingObject): the watch cache hands every watcher the same
 * object and never changes it, so (type, object) always encodes alike. Forgotten with the object.
 * Every pod has several watchers — the scheduler, the controller manager's informer, its
 * kubelet — and each change was encoded again for each of them.
 */
const eventLines = new WeakMap<object, Map<string, string>>();

function sharedEventLine(event: WatcherEvent): string {
  let byType = eventLines.get(event.object);
  if (!byType) {
    byType = new Map();
    eventLines.set(event.object, byType);
  }
  let line = byType.get(event.type);
  if (line === undefined) {
    line = `${JSON.stringify(event)}\n`;
    byType.set(event.type, line);
  }
  return line;
}

function encodeEvent(ctx: ResourceContext, event: WatcherEvent, out: Output, noHeaders: boolean) {
  if (event.type === "ERROR" || event.type === "BOOKMARK") return event;
  if (out.shape === "table") {
    return {
      type: event.type,
      object: ctx.codecs.table(ctx.type, event.object, {
        version: out.version,
        includeObject: out.includeObject,
        noHeaders,
      }),
    };
  }
  if (out.shape === "partialMetadata")
    return { type: event.type, object: partialMetadata(event.object, out.version) };
  return event;
}
// #endregion watch

/** Decodes the body into an object of this resource, applies defaults, checks the schema. */
async function readObject(
  ctx: ResourceContext,
  validation: FieldValidation,
  warnings: string[],
): Promise<KubeObject> {
  const body = await readBody(ctx.req);
  const format = bodyFormat(ctx.req.headers["content-type"]);
  const decoded =
    format === "protobuf" ? ctx.codecs.decodeProtobuf(body) : asObject(parseText(body, format));
  return ctx.codecs.prepareInput(ctx.type, decoded as KubeObject, validation, warnings);
}

/**
 * Who the write is recorded under in managedFields: `?fieldManager=`, or else the client's
 * User-Agent up to the first "/" ("kubectl", "kube-controller-manager"), as Kubernetes does.
 */
function fieldManager(ctx: ResourceContext): string {
  const given = ctx.query.get("fieldManager");
  if (given !== null) {
    if (given.length > 128 || !/^[\x20-\x7e]*$/.test(given)) {
      throw badRequest(
        `fieldManager: Invalid value: "${given}": must be at most 128 printable characters`,
      );
    }
    return given;
  }
  const agent = ctx.req.headers["user-agent"] ?? "unknown";
  return agent.split("/")[0]?.slice(0, 128) || "unknown";
}

type FieldValidation = "Strict" | "Warn" | "Ignore";

/** The options object a write's query parameters decode into, named in its 422 Invalid. */
type OptionsKind = "CreateOptions" | "UpdateOptions" | "PatchOptions" | "DeleteOptions";

const FIELD_VALIDATION_VALUES = ["", "Ignore", "Strict", "Warn"];

// #region writeOptions
/**
 * A write's options, checked as Kubernetes' ValidateCreateOptions (and its Update, Patch and
 * Delete siblings) check them, before the body is read: bad values are one 422 Invalid that
 * names the options object, `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported
 * value: ["Some"]: supported values: "All"`. A DELETE also carries dryRun in its DeleteOptions
 * body (`kubectl delete --dry-run=server` sends it there), so that counts too.
 */
function writeOptions(
  ctx: ResourceContext,
  kind: OptionsKind,
  more: { dryRun?: unknown; errors?: FieldError[] } = {},
): { dryRun: boolean; validation: FieldValidation } {
  const errors = [...(more.errors ?? [])];
  const fromBody = more.dryRun === undefined ? [] : [more.dryRun].flat();
  const dryRun: unknown[] = [...ctx.query.getAll("dryRun"), ...fromBody];
  if (dryRun.some((v) => v !== "All")) errors.push(notSupported("dryRun", dryRun, ["All"]));
  // An unset fieldValidation means Warn, Kubernetes' default.
  const validation = ctx.query.get("fieldValidation") ?? "";
  if (kind !== "DeleteOptions" && !FIELD_VALIDATION_VALUES.includes(validation)) {
    errors.push(notSupported("fieldValidation", validation, FIELD_VALIDATION_VALUES));
  }
  if (errors.length > 0) throw invalid({ group: "meta.k8s.io", kind }, "", errors);
  return { dryRun: dryRun.length > 0, validation: (validation || "Warn") as FieldValidation };
}
// #endregion writeOptions

/**
 * An integer query parameter (limit, timeoutSeconds, gracePeriodSeconds), parsed as Kubernetes'
 * parameter codec parses it — Go's strconv.ParseInt — and refused with its words otherwise.
 * Beyond 2^53 JavaScript numbers are no longer exact, so that is "out of range" here.
 */
function intParam(ctx: ResourceContext, name: string): number | undefined {
  const value = ctx.query.get(name);
  if (value === null || value === "") return undefined;
  if (!/^[+-]?\d+$/.test(value)) {
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) {
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(value)}: value out of range`);
  }
  return parsed;
}

async function serveCreate(ctx: ResourceContext): Promise<void> {
  const warnings: string[] = [];
  const { dryRun, validation } = writeOptions(ctx, "CreateOptions");
  const object = await readObject(ctx, validation, warnings);
  if (ctx.attrs.name) throw methodNotAllowed();
  const created = await ctx.registry.create(ns(ctx), object, {
    dryRun,
    admit: ctx.admit,
    ...(ctx.trace ? { trace: ctx.trace } : {}),
    fieldManager: fieldManager(ctx),
  });
  respondObject(ctx, 201, created, warnings);
}

async function serveUpdate(ctx: ResourceContext, subresource: "status" | undefined): Promise<void> {
  const warnings: string[] = [];
  const { dryRun, validation } = writeOptions(ctx, "UpdateOptions");
  const object = await readObject(ctx, validation, warnings);
  const { object: updated, created } = await ctx.registry.update(ns(ctx), ctx.attrs.name, object, {
    dryRun,
    admit: ctx.admit,
    ...(ctx.trace ? { trace: ctx.trace } : {}),
    fieldManager: fieldManager(ctx),
    ...(subresource ? { subresource } : {}),
  });
  respondObject(ctx, created ? 201 : 200, updated, warnings);
}

// #region patch
/**
 * A patch is a read-modify-write: the registry's update loop reads the current object, the
 * patch is applied to it, and the result is written only if nobody wrote in between (else the
 * loop reads again and re-applies). Server-side apply may also create the object.
 */
async function servePatch(ctx: ResourceContext, subresource: "status" | undefined): Promise<void> {
  const warnings: string[] = [];
  const { dryRun, validation } = writeOptions(ctx, "PatchOptions");
  const body = await readBody(ctx.req);
  const patchType = (ctx.req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
  const patch = ctx.codecs.patcher(ctx.type, patchType, body, {
    fieldManager: ctx.query.get("fieldManager") ?? undefined,
    force: ctx.query.get("force") === "true",
  });
  const namespace = ns(ctx);
  const options = {
    dryRun,
    admit: ctx.admit,
    ...(ctx.trace ? { trace: ctx.trace } : {}),
    // Server-side apply records its own managedFields; other patches count as updates.
    fieldManager: patch.managesFields ? undefined : fieldManager(ctx),
    ...(subresource ? { subresource } : {}),
  };
  const prepare = (o: KubeObject) => ctx.codecs.prepareInput(ctx.type, o, validation, warnings);
  const result = await ctx.registry.guaranteedUpdate(namespace, ctx.attrs.name, {
    ...options,
    mutate: async (current) => prepare(await patch.apply(current)),
    createIfMissing: patch.create ? () => prepare(patch.create?.() as KubeObject) : undefined,
  });
  respondObject(ctx, result.created ? 201 : 200, result.object, warnings);
}
// #endregion patch

/**
 * DeleteOptions from the body and the query, checked as Kubernetes' ValidateDeleteOptions checks
 * them (422 Invalid); `dryRun` comes back as the boolean the registry takes.
 */
async function deleteOptions(
  ctx: ResourceContext,
): Promise<Omit<DeleteOptions, "dryRun"> & { dryRun: boolean }> {
  const body = await readBody(ctx.req);
  let options: DeleteOptions = {};
  if (body.length > 0 && body.toString("utf8").trim() !== "") {
    const format = bodyFormat(ctx.req.headers["content-type"]);
    options = (
      format === "protobuf"
        ? ctx.codecs.decodeProtobufDeleteOptions(body)
        : asObject(parseText(body, format))
    ) as DeleteOptions;
  }
  const grace = intParam(ctx, "gracePeriodSeconds");
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  const policy = ctx.query.get("propagationPolicy");
  if (policy !== null) options.propagationPolicy = policy as DeleteOptions["propagationPolicy"];
  const orphan = ctx.query.get("orphanDependents");
  if (orphan !== null) options.orphanDependents = orphan === "true";
  if (
    options.gracePeriodSeconds !== undefined &&
    (!Number.isInteger(options.gracePeriodSeconds) || options.gracePeriodSeconds < 0)
  ) {
    throw badRequest(
      `gracePeriodSeconds must be a non-negative integer, got ${JSON.stringify(options.gracePeriodSeconds)}`,
    );
  }
  const errors: FieldError[] = [];
  const chosen: unknown = options.propagationPolicy;
  if (options.orphanDependents !== undefined && chosen !== undefined) {
    errors.push(
      fieldInvalid(
        "propagationPolicy",
        chosen,
        "orphanDependents and deletionPropagation cannot be both set",
      ),
    );
  }
  if (
    chosen !== undefined &&
    chosen !== "Foreground" &&
    chosen !== "Background" &&
    chosen !== "Orphan"
  ) {
    errors.push(
      notSupported("propagationPolicy", chosen, ["Foreground", "Background", "Orphan", "nil"]),
    );
  }
  const { dryRun } = writeOptions(ctx, "DeleteOptions", { dryRun: options.dryRun, errors });
  return { ...options, dryRun };
}

async function serveDelete(ctx: ResourceContext): Promise<void> {
  const options = await deleteOptions(ctx);
  const { object, deleted } = await ctx.registry.delete(ns(ctx), ctx.attrs.name, options);
  // 200 when it is gone, 202 when it waits for finalizers or a grace period, as Kubernetes does;
  // most kinds answer a finished delete with a Status naming what went, a few with the object.
  if (deleted && !ctx.registry.returnsDeletedObject) {
    const { group, resource } = ctx.type;
    sendJson(
      ctx.res,
      200,
      successStatus({
        name: ctx.attrs.name,
        ...(group ? { group } : {}),
        kind: resource,
        uid: object.metadata.uid as string,
      }),
    );
    return;
  }
  respondObject(ctx, deleted ? 200 : 202, object);
}

async function serveDeleteCollection(ctx: ResourceContext): Promise<void> {
  const options = await deleteOptions(ctx);
  const { filter, filtered } = filterOf(ctx);
  const list = await ctx.registry.deleteCollection(ns(ctx), { filter, filtered }, options);
  sendJson(ctx.res, 200, list);
}

/** The status subresource: get, update and patch touch only `.status`. */
async function serveStatus(ctx: ResourceContext): Promise<void> {
  if (!ctx.type.subresources.some((s) => s.name === "status")) throw resourceNotFound();
  switch (ctx.attrs.verb) {
    case "get":
      return respondObject(ctx, 200, await ctx.registry.get(ns(ctx), ctx.attrs.name));
    case "update":
      return serveUpdate(ctx, "status");
    case "patch":
      return servePatch(ctx, "status");
    default:
      throw methodNotAllowed();
  }
}
