/**
 * Lab 8's checks: the core's own contract for the cluster DNS's resolve, run against the
 * reader's function. The runner sets TINYKUBE_LAB_IMPL to the file under test (the reader's, the
 * starter, or the core's).
 */
import { describeResolveContract, type Resolve } from "@tinykube/core/dns/resolve/cases";
import { labImplementation } from "../src/impl.ts";

const { resolve } = await labImplementation<{ resolve: Resolve }>("resolve");

describeResolveContract("your resolve", resolve);
