// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "bench/results/**", ".cache/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Fastify plugins and handlers are async by contract even when they do not await.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: { "no-console": "error" },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/main.ts", "src/config.ts", "src/cli/**", "src/server.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Only main.ts and config.ts read the environment; pass config instead.",
        },
      ],
    },
  },
  {
    files: ["src/http/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/db/*", "kysely", "better-sqlite3", "pg"],
              message: "http/ talks to domain modules, never to the database directly.",
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      "src/vapi/**/*.ts",
      "src/tools/**/*.ts",
      "src/tenants/**/*.ts",
      "src/calls/**/*.ts",
      "src/knowledge/**/*.ts",
      "src/admin/**/*.ts",
      "src/transfers/**/*.ts",
      "src/jobs/**/*.ts",
      "src/notifications/**/*.ts",
      "src/simulator/**/*.ts",
      "src/dashboard/**/*.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["fastify", "fastify-plugin", "@fastify/*", "**/http/*"],
              message: "Protocol and domain layers know nothing about the HTTP framework.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/db/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/http/*", "**/vapi/*", "**/tools/*", "**/tenants/*", "**/calls/*"],
              message: "db/ imports nothing above it.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
    },
  },
  { files: ["eslint.config.js", "bin/**/*.js"], ...tseslint.configs.disableTypeChecked },
);
