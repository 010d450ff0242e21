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
    files: ["**/cli/**", "**/scripts/**", "infra/**", "loadtest/**", "**/*.test.ts", "**/bench/**", "packages/launcher/**"],
    rules: { "no-console": "off" },
  },
);
