import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "vitest-report.json" }]],
    // A chapter runs a whole cluster; under `npm test` it shares the machine with every other suite.
    testTimeout: 60_000,
  },
});
