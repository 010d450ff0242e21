import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { createLogger, PlazaError } from "@plaza/kit";
import { createRouterMaskError } from "./errors.ts";
import { SubgraphFetchError } from "./subgraph/subgraph-client.ts";

const mask = createRouterMaskError(createLogger({ service: "test", level: "silent" }));
const MASKED = "Unexpected error.";

/** As @apollo/gateway re-raises an error from a subgraph response body. */
function fromSubgraph(body: { message: string; extensions?: Record<string, unknown> }) {
  return new GraphQLError(body.message, {
    originalError: body as unknown as Error,
    path: ["field"],
    extensions: { ...body.extensions, serviceName: "accounts" },
  });
}

describe("router maskError", () => {
  it("keeps a subgraph's coded error without internal extensions", () => {
    const error = mask(
      fromSubgraph({
        message: "Handle taken",
        extensions: { code: "CONFLICT", field: "handle", stacktrace: ["at x"], http: { status: 409 } },
      }),
      MASKED,
    );
    expect(error.toJSON()).toEqual({
      message: "Handle taken",
      path: ["field"],
      extensions: { code: "CONFLICT", field: "handle", serviceName: "accounts" },
    });
  });

  it("masks an uncoded subgraph error", () => {
    const error = mask(
      fromSubgraph({ message: "pg: password authentication failed", extensions: { code: "DOWNSTREAM_SERVICE_ERROR" } }),
      MASKED,
    );
    expect(error.toJSON()).toEqual({ message: MASKED, path: ["field"], extensions: { code: "INTERNAL_SERVER_ERROR" } });
  });

  it("masks thrown errors and failed subgraph fetches", () => {
    expect(mask(new Error("secret detail"), MASKED).toJSON()).toEqual({
      message: MASKED,
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
    expect(mask(new SubgraphFetchError("notes", "timeout", 'Subgraph "notes" timed out'), MASKED).message).toBe(MASKED);
  });

  it("keeps domain errors and request errors, minus debugging extensions", () => {
    expect(mask(new PlazaError("NOT_FOUND", "No such user"), MASKED).toJSON()).toEqual({
      message: "No such user",
      extensions: { code: "NOT_FOUND" },
    });
    const requestError = new GraphQLError("POST body sent invalid JSON.", {
      extensions: { code: "BAD_REQUEST", http: { status: 400 }, originalError: { name: "SyntaxError", message: "…" } },
    });
    expect(mask(requestError, MASKED).extensions).toEqual({ code: "BAD_REQUEST", http: { status: 400 } });
  });
});
