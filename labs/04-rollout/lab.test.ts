/**
 * Lab 4's checks: the core's own contract for one rolling-update sync, run against the reader's
 * rolloutStep. The runner sets TINYKUBE_LAB_IMPL to the file under test (the reader's, the
 * starter, or the core's).
 */
import {
  describeRolloutStepContract,
  type RolloutStepFn,
} from "@tinykube/core/controllers/deployment/rolling.cases";
import { labImplementation } from "../src/impl.ts";

const { rolloutStep } = await labImplementation<{ rolloutStep: RolloutStepFn }>("rolloutStep");

describeRolloutStepContract("your rolloutStep", rolloutStep);
