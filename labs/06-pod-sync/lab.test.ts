/**
 * Lab 6's checks: the core's own contract for computePodActions, run against the reader's
 * function. The runner sets TINYKUBE_LAB_IMPL to the file under test (the reader's, the starter,
 * or the core's).
 */
import {
  type ComputePodActions,
  describePodActionsContract,
} from "@tinykube/core/kubelet/pod-actions/cases";
import { labImplementation } from "../src/impl.ts";

const { computePodActions } = await labImplementation<{ computePodActions: ComputePodActions }>(
  "computePodActions",
);

describePodActionsContract("your computePodActions", computePodActions);
