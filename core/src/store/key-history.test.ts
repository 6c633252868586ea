import { describeKeyHistory } from "./key-history.cases.ts";
import { KeyHistory } from "./key-history.ts";

describeKeyHistory("core", () => new KeyHistory());
