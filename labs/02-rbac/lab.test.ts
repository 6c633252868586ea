/**
 * Lab 2's checks: the core's own RBAC contract, run against the reader's authorize. The runner
 * sets TINYKUBE_LAB_IMPL to the file under test (the reader's, the starter, or the core's).
 */
import { type AuthorizeFn, describeRbacContract } from "@tinykube/core/apiserver/rbac/cases";
import { labImplementation } from "../src/impl.ts";

const { authorize } = await labImplementation<{ authorize: AuthorizeFn }>("authorize");

describeRbacContract("your authorize", authorize);
