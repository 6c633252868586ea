/** Configuration for running one lab's tests (labs/NN-x/lab.test.ts) from the lab runner. */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["*/lab.test.ts"],
    testTimeout: 20_000,
  },
});
