import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const ignored = ["**/node_modules/**", "**/.data/**", "**/infra/local/.cache/**"];

export default defineConfig({
  // Vitest would otherwise load graphql-js twice (ESM for our sources, CJS for yoga and the gateway), and
  // `instanceof GraphQLError` checks in error masking would fail across the two copies.
  resolve: {
    alias: [{ find: /^graphql$/, replacement: fileURLToPath(new URL("./node_modules/graphql/index.js", import.meta.url)) }],
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{packages,router,subgraphs,loadtest}/**/*.test.ts"],
          exclude: [...ignored, "**/*.int.test.ts", "**/*.e2e.test.ts"],
          environment: "node",
        },
      },
      {
        extends: true,
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
        extends: true,
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
