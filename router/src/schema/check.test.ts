import { describe, expect, it } from "vitest";
import { checkSupergraph, formatCheckReport } from "./check.ts";
import { composeSupergraph, renderSupergraphFile, type CompositionOutcome } from "./compose.ts";
import { accountsV1, LINK } from "./test-fixtures.ts";

const compose = (sdl: string): CompositionOutcome =>
  composeSupergraph([{ name: "accounts", url: "http://localhost:4101/graphql", sdl }]);
const committedFile = (sdl: string) => {
  const result = compose(sdl);
  if (!result.ok) throw new Error("fixture does not compose");
  return renderSupergraphFile(result.supergraphSdl);
};
const show = (report: ReturnType<typeof checkSupergraph>) =>
  formatCheckReport(report, { supergraphPath: "router/supergraph.graphql", subgraphs: ["accounts"] });

describe("checkSupergraph", () => {
  it("passes when the committed supergraph equals a fresh composition", () => {
    const report = checkSupergraph({ composition: compose(accountsV1), committed: committedFile(accountsV1) });
    expect(report).toMatchObject({ ok: true, status: "up-to-date" });
    expect(show(report)).toContain("✓ router/supergraph.graphql is up to date.");
  });

  it("passes a breaking change once it was regenerated (the committed file already matches)", () => {
    const changed = accountsV1.replace("  bio: String\n", "");
    expect(checkSupergraph({ composition: compose(changed), committed: committedFile(changed) }).ok).toBe(true);
  });

  it("fails on breaking changes against the committed supergraph and lists them", () => {
    const report = checkSupergraph({
      composition: compose(accountsV1.replace("  bio: String\n", "")),
      committed: committedFile(accountsV1),
    });
    expect(report).toMatchObject({ ok: false, status: "breaking" });
    const text = show(report);
    expect(text).toContain("[FIELD_REMOVED] User.bio was removed.");
    expect(text).toContain("npm run schema:compose");
  });

  it("fails a safe additive change as stale until it is regenerated", () => {
    const report = checkSupergraph({
      composition: compose(accountsV1.replace("  bio: String\n", "  bio: String\n  avatarUrl: String\n")),
      committed: committedFile(accountsV1),
    });
    expect(report).toMatchObject({ ok: false, status: "stale", diff: { breaking: [] } });
    expect(show(report)).toContain("+ [FIELD_ADDED] User.avatarUrl was added.");
  });

  it("fails with the composition errors and their codes", () => {
    const report = checkSupergraph({
      composition: compose(`${LINK}\ntype Query { a: String }\ntype Query { b: String }`),
      committed: null,
    });
    expect(report.status).toBe("composition-failed");
    expect(show(report)).toMatch(/Composition failed with 1 error\(s\):\n {2}\[INVALID_GRAPHQL\]/);
  });

  it("fails when nothing is committed or the committed file is not a supergraph", () => {
    expect(checkSupergraph({ composition: compose(accountsV1), committed: null }).status).toBe("missing");
    expect(checkSupergraph({ composition: compose(accountsV1), committed: "type Query { a: String }" }).status).toBe(
      "committed-invalid",
    );
  });

  it("ignores line-ending differences", () => {
    const committed = committedFile(accountsV1).replace(/\n/g, "\r\n");
    expect(checkSupergraph({ composition: compose(accountsV1), committed }).ok).toBe(true);
  });
});
