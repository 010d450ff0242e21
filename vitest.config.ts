import { defineConfig } from "vitest/config";

const ignored = ["**/node_modules/**", "**/.data/**", "**/infra/local/.cache/**"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{packages,router,subgraphs,loadtest}/**/*.test.ts"],
          exclude: [...ignored, "**/*.int.test.ts", "**/*.e2e.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["{packages,router,subgraphs,loadtest}/**/*.int.test.ts"],
          exclude: ignored,
          globalSetup: ["packages/testkit/src/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: files share one set of throw-away servers; keep parallelism modest.
          maxWorkers: 2,
          minWorkers: 1,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["{packages,router,subgraphs,loadtest}/**/*.e2e.test.ts"],
          exclude: ignored,
          globalSetup: ["packages/testkit/src/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
          minWorkers: 1,
        },
      },
    ],
  },
});
