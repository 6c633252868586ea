import { describeResolveContract } from "./resolve.cases.ts";
import { resolve } from "./resolve.ts";

describeResolveContract("resolve", resolve);
