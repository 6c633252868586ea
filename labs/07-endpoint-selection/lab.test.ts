/**
 * Lab 7's checks: the core's own contract for the userspace proxy's endpoint choice, run against
 * the reader's RoundRobinBalancer. The runner sets TINYKUBE_LAB_IMPL to the file under test (the
 * reader's, the starter, or the core's).
 */
import type { EndpointSelector, RoundRobinOptions } from "@tinykube/core/proxy/round-robin";
import { describeEndpointSelectorContract } from "@tinykube/core/proxy/round-robin/cases";
import { labImplementation } from "../src/impl.ts";

const { RoundRobinBalancer } = await labImplementation<{
  RoundRobinBalancer: new (options: RoundRobinOptions) => EndpointSelector;
}>("RoundRobinBalancer");

describeEndpointSelectorContract(
  "your RoundRobinBalancer",
  (options) => new RoundRobinBalancer(options),
);
