/**
 * Lab 3's checks: the core's own work queue contract, run against the reader's Queue. The runner
 * sets TINYKUBE_LAB_IMPL to the file under test (the reader's, the starter, or the core's).
 */
import type { WorkQueue } from "@tinykube/core/client/workqueue";
import { describeWorkQueueContract } from "@tinykube/core/client/workqueue/cases";
import { labImplementation } from "../src/impl.ts";

const { Queue } = await labImplementation<{ Queue: new () => WorkQueue<string> }>("Queue");

describeWorkQueueContract("your Queue", () => new Queue());
