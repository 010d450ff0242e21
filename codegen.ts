// GraphQL Code Generator: resolver types for every subgraph, from its schema.graphql, written next to its resolvers
// (`npm run codegen`; committed; `npm run codegen:check` in `npm test` fails when they are stale). The output is kept
// exactly as the generator writes it (prettier and eslint skip *.generated.ts), so the check can compare it byte for byte.
import type { CodegenConfig } from "@graphql-codegen/cli";
import type { TypeScriptResolversPluginConfig } from "@graphql-codegen/typescript-resolvers";

/**
 * Per subgraph: the resolvers' context type and the mappers, i.e. the parent type each resolver receives (what the
 * resolver above it returns), so resolvers keep the domain objects they pass around. Paths are relative to the
 * generated file, `subgraphs/<name>/src/adapters/graphql/resolvers-types.generated.ts`.
 */
const subgraphs: Record<string, Pick<TypeScriptResolversPluginConfig, "contextType" | "mappers">> = {
  users: {
    contextType: "./context.ts#UsersContext",
    mappers: { User: "../../domain/user.ts#User" },
  },
  posts: {
    contextType: "./context.ts#PostsContext",
    mappers: { Post: "../../domain/post.ts#Post", User: "{ id: string }" },
  },
  counters: {
    contextType: "./context.ts#CountersContext",
    mappers: { Counter: "../../domain/counter.ts#Counter", Post: "../../application/counter-service.ts#PostCountsView" },
  },
  chat: {
    contextType: "./context.ts#ChatContext",
    mappers: {
      Conversation: "../../domain/conversation.ts#Conversation",
      Message: "../../domain/message.ts#Message",
      InboxUpdate: "../../application/live-inbox.ts#InboxUpdate",
      User: "{ id: string }",
    },
  },
  payments: {
    contextType: "./context.ts#PaymentsContext",
    mappers: {
      Payment: "../../domain/payment.ts#Payment",
      Membership: "../../domain/membership.ts#Membership",
      User: "{ id: string }",
    },
  },
};

// Federation 2 directives the subgraph schemas use (`@link` imports them; codegen does not read `@link`).
const federationDirectives = /* GraphQL */ `
  scalar link__Import
  directive @link(url: String!, as: String, for: String, import: [link__Import]) repeatable on SCHEMA
  directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
  directive @shareable repeatable on OBJECT | FIELD_DEFINITION
  directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
`;

const config: CodegenConfig = {
  overwrite: true,
  silent: true,
  generates: Object.fromEntries(
    Object.entries(subgraphs).map(([name, subgraph]) => [
      `subgraphs/${name}/src/adapters/graphql/resolvers-types.generated.ts`,
      {
        schema: [`subgraphs/${name}/schema.graphql`, federationDirectives],
        plugins: ["typescript", "typescript-resolvers"],
        config: {
          ...subgraph,
          // `__resolveReference` on entities (@key) and Federation's reference types.
          federation: true,
          useTypeImports: true,
          // Mapped types are imported as <Name>Model: the schema's own `User` type is generated under that name.
          mapperTypeSuffix: "Model",
          // Enums as string unions, so the domain's own unions (CounterType) fit without a mapping.
          enumsAsTypes: true,
          scalars: { DateTime: { input: "Date", output: "Date | string" } },
          // Resolvers may return promises or values, and parents that are not yet the full mapped type.
          resolverTypeWrapperSignature: "Promise<T> | T",
        } satisfies TypeScriptResolversPluginConfig,
      },
    ]),
  ),
};

export default config;
