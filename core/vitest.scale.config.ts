import { defineConfig } from "vitest/config";

/**
 * The scale tests (`*.scale.test.ts`), one file at a time, with nothing else running: the
 * root's `npm test` runs them after the other workspaces' tests have finished. Their report is
 * a file of its own, which .ci/run counts with the others.
 */
export default defineConfig({
  test: {
    include: ["src/**/*.scale.test.ts"],
    fileParallelism: false,
    reporters: ["default", ["json", { outputFile: "vitest-report.scale.json" }]],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
