// Layer rules, checked by `npm run lint:layers` (part of `npm test`). See README "Architecture".
// The deep-import rule (no `/dist/` or `/src/` imports of third-party packages) cannot be expressed on resolved
// paths (a package's main entry is usually in dist/ too), so scripts/lint-layers.mjs checks it on the import
// specifiers, with its allow-list below in `deepImportAllowList`.

/** Subgraph files that belong to no layer's rules: tests use adapters and fixtures freely. */
const TESTS = "\\.(test|int\\.test|e2e\\.test|contract)\\.ts$";

/** Infrastructure libraries: adapters and servers use them, the domain and the application never do. */
const INFRASTRUCTURE =
  "^node_modules/(graphql|graphql-yoga|graphql-ws|graphql-jit|@apollo|@envelop|@graphql-tools|@prisma|prisma|ioredis|kafkajs|pg|@electric-sql|pglite-prisma-adapter|undici|ws|jose|@node-rs)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment:
        "A subgraph's domain imports nothing outward: only its own domain modules and kit's GraphQL-free errors " +
        "(@plaza/kit/domain-errors) — no GraphQL, yoga, Prisma, Redis, Kafka, no @plaza/kit barrel, no application or adapters.",
      severity: "error",
      from: { path: "^subgraphs/([^/]+)/src/domain/", pathNot: TESTS },
      to: { pathNot: ["^subgraphs/$1/src/domain/", "^packages/kit/src/domain-errors\\.ts$"] },
    },
    {
      name: "application-uses-ports-not-adapters",
      comment:
        "Use cases talk to the outside through application/ports/*.port.ts; adapters, generated clients and the " +
        "composition root (service.ts, app.ts, index.ts, env.ts, metrics.ts) are wired in by service.ts.",
      severity: "error",
      from: { path: "^subgraphs/([^/]+)/src/application/", pathNot: TESTS },
      to: { path: ["^subgraphs/$1/src/(adapters|generated|cli)/", "^subgraphs/$1/src/(app|index|service|env|metrics)\\.ts$"] },
    },
    {
      name: "application-no-infrastructure",
      comment: "The application layer does not use GraphQL, yoga, Prisma, Redis or Kafka libraries directly (ports do).",
      severity: "error",
      from: { path: "^subgraphs/[^/]+/src/application/", pathNot: TESTS },
      to: { path: INFRASTRUCTURE },
    },
    {
      name: "application-kit-barrel-types-only",
      comment:
        "The @plaza/kit barrel loads the GraphQL server; the application imports values from kit's narrow " +
        "sub-paths (@plaza/kit/domain-errors, @plaza/kit/client-ip) and only types from the barrel.",
      severity: "error",
      from: { path: "^subgraphs/[^/]+/src/application/", pathNot: TESTS },
      to: { path: "^packages/kit/src/index\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "application-events-contracts-only",
      comment:
        "The @plaza/events barrel loads the Kafka and outbox adapters; the application imports event definitions, " +
        "the bus port and pure helpers from @plaza/events/contracts, and only types from the barrel.",
      severity: "error",
      from: { path: "^subgraphs/[^/]+/src/application/", pathNot: TESTS },
      to: { path: "^packages/events/src/index\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "router-federation-behind-engine",
      comment:
        "Only the router's federation engine (router/src/engine/, README there) uses Apollo's federation packages; " +
        "the rest of the router talks to the engine port.",
      severity: "error",
      from: { path: "^router/src/", pathNot: "^router/src/engine/" },
      to: { path: "^node_modules/@apollo/" },
    },
    {
      name: "no-subgraph-imports-another",
      comment: "Subgraphs talk through the supergraph and events, never through each other's code.",
      severity: "error",
      from: { path: "^subgraphs/([^/]+)/" },
      to: { path: "^subgraphs/", pathNot: "^subgraphs/$1/" },
    },
    {
      name: "packages-do-not-import-services",
      comment:
        "Shared packages sit below the services: only the launcher (the one-process composition root) and " +
        "loadtest may import a subgraph or the router.",
      severity: "error",
      from: { path: "^(packages|subgraphs|router)/", pathNot: "^packages/launcher/" },
      to: { path: "^(subgraphs|router)/", pathNot: "^$1/" },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that does not resolve (e.g. a sub-path a package's `exports` does not list).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // loadtest/gateways/: other products' gateways for `npm run bench`, each a package of its own that the bench
    // installs on its first run (not resolvable before that, and not Plaza's layers).
    exclude: { path: ["/generated/", "/\\.data/", "/results/", "^loadtest/gateways/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    // kafkajs-idle-timer-fix loads a kafkajs internal through createRequire's `require`.
    exoticRequireStrings: ["require"],
    enhancedResolveOptions: {
      // Resolve @plaza/* through their package.json `exports`, so an unlisted sub-path is unresolvable.
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".d.ts", ".json"],
      mainFields: ["module", "main", "types"],
    },
  },
};
