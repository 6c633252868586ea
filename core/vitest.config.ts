import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Scale tests take both cores for a minute: they run alone, after everything else
    // (vitest.scale.config.ts, `npm run test:scale`).
    exclude: ["**/node_modules/**", "**/*.scale.test.ts"],
    reporters: ["default", ["json", { outputFile: "vitest-report.json" }]],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
