import { parse, print, type ExecutionArgs } from "graphql";
import { createSchema } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { createLogger } from "@plaza/kit";
import { toGatewayRequestContext } from "./apollo-request-context.ts";

const logger = createLogger({ service: "test", level: "silent" });
const schema = createSchema({ typeDefs: "type Query { hello(name: String): String, other: String }" });
const args = (query: string, extra: Partial<ExecutionArgs> = {}): ExecutionArgs => ({ schema, document: parse(query), ...extra });

describe("the gateway request context built from execution arguments", () => {
  it("carries the operation, variables and GraphQL context as they are", () => {
    const ctx = toGatewayRequestContext(
      args("query Greet($n: String) { hello(name: $n) }", {
        operationName: "Greet",
        variableValues: { n: "ada" },
        contextValue: { requestId: "r-1" },
      }),
      logger,
    );
    expect(ctx.request).toMatchObject({ operationName: "Greet", variables: { n: "ada" } });
    expect(ctx.source).toBe(ctx.request.query);
    expect(ctx.operationName).toBe("Greet");
    expect(ctx.operation.name?.value).toBe("Greet");
    expect(ctx.context).toMatchObject({ requestId: "r-1" });
    expect(ctx.queryHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("prints and hashes each document object, so different documents never share a query plan", () => {
    const rewritten = args("{ hello other __typename }");
    const first = toGatewayRequestContext(rewritten, logger);
    expect(first.request.query).toBe(print(rewritten.document));
    expect(toGatewayRequestContext(rewritten, logger).queryHash).toBe(first.queryHash);
    expect(toGatewayRequestContext(args("{ hello }"), logger).queryHash).not.toBe(first.queryHash);
  });
});
