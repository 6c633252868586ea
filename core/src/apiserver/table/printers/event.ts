/**
 * `kubectl get events`: LAST SEEN TYPE REASON OBJECT MESSAGE; -o wide inserts SUBOBJECT and
 * SOURCE before MESSAGE and appends FIRST SEEN COUNT NAME (printEvent).
 *
 * Events come in two generations, and the printer reads both:
 * - core/v1 style: firstTimestamp, lastTimestamp and count, as the kubelet's recorder writes them.
 * - events.k8s.io style (stored as core/v1 too): eventTime, and a series {count,
 *   lastObservedTime} once it repeats; the reporter is reportingComponent/reportingInstance
 *   instead of source. A singleton of this style has no count, and prints 1.
 */
import type { KubeObject } from "../../../api/object.ts";
import { age, parseTime } from "../age.ts";
import { column, definePrinter, NAME_DESCRIPTION, nameOf, wideColumn } from "../printer.ts";

interface EventFields extends KubeObject {
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  count?: number;
  type?: string;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  /** Go's ReportingController. */
  reportingComponent?: string;
  reportingInstance?: string;
}

export const eventColumns = [
  column(
    "Last Seen",
    "string",
    "The time at which the most recent occurrence of this event was recorded.",
  ),
  column(
    "Type",
    "string",
    "Type of this event (Normal, Warning), new types could be added in the future",
  ),
  column(
    "Reason",
    "string",
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  column("Object", "string", "The object that this event is about."),
  wideColumn(
    "Subobject",
    "string",
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
  ),
  wideColumn(
    "Source",
    "string",
    "The component reporting this event. Should be a short machine understandable string.",
  ),
  column("Message", "string", "A human-readable description of the status of this operation."),
  wideColumn(
    "First Seen",
    "string",
    "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
  ),
  wideColumn("Count", "string", "The number of times this event has occurred."),
  column("Name", "string", NAME_DESCRIPTION, { format: "name", priority: 1 }),
];

/** "component, host", or just the component when there is no host. */
function formatSource(event: EventFields): string {
  const component = event.source?.component || event.reportingComponent || "";
  const instance = event.source?.host || event.reportingInstance || "";
  return instance === "" ? component : `${component}, ${instance}`;
}

export const eventPrinter = definePrinter<EventFields>(eventColumns, (event, { now, wide }) => {
  const firstSeen =
    parseTime(event.firstTimestamp) !== undefined
      ? age(event.firstTimestamp, now)
      : age(event.eventTime, now);
  let lastSeen =
    parseTime(event.lastTimestamp) !== undefined ? age(event.lastTimestamp, now) : firstSeen;
  let count = event.count ?? 0;
  if (event.series) {
    lastSeen = age(event.series.lastObservedTime, now);
    count = event.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }

  const kind = (event.involvedObject?.kind ?? "").toLowerCase();
  const name = event.involvedObject?.name ?? "";
  const target = name === "" ? kind : `${kind}/${name}`;
  const message = (event.message ?? "").trim();

  if (!wide) return [lastSeen, event.type ?? "", event.reason ?? "", target, message];
  return [
    lastSeen,
    event.type ?? "",
    event.reason ?? "",
    target,
    event.involvedObject?.fieldPath ?? "",
    formatSource(event),
    message,
    firstSeen,
    count,
    nameOf(event),
  ];
});
