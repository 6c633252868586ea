/**
 * Lab 5's checks: the core's own contract for the ZoneSpread plugin, run against the reader's
 * class. The runner sets TINYKUBE_LAB_IMPL to the file under test (the reader's, the starter, or
 * the core's).
 */
import {
  describeZoneSpreadContract,
  type NodeInfoLister,
  type ZoneSpreadPlugin,
} from "@tinykube/core/scheduler/plugins/zone-spread/cases";
import { labImplementation } from "../src/impl.ts";

const { ZoneSpread } = await labImplementation<{
  ZoneSpread: new (snapshot: NodeInfoLister) => ZoneSpreadPlugin;
}>("ZoneSpread");

describeZoneSpreadContract("your ZoneSpread", (snapshot) => new ZoneSpread(snapshot));
