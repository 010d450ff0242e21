import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["**/node_modules/**", "**/generated/**", "**/*.generated.ts", "**/.data/**", "infra/local/.cache/**", "**/dist/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
  {
    // Events are created in one layer, the application (README "Architecture"): an adapter only stores or carries
    // the events a use case hands it (OutboxEvents), so it never decides what happened.
    files: ["subgraphs/*/src/adapters/**/*.ts", "subgraphs/*/src/domain/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@plaza/events",
              importNames: ["createEvent"],
              message: "Create events in the application layer and hand them to the repository (OutboxEvents).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/cli/**", "**/scripts/**", "infra/**", "loadtest/**", "**/*.test.ts", "**/bench/**", "packages/launcher/**"],
    rules: { "no-console": "off" },
  },
);
