import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signAccessToken } from "@plaza/kit";
import { authenticate } from "./authenticate.ts";

const SECRET = "unit-test-secret-0123456789abcdefghij";

describe("authenticate", () => {
  it("treats a missing header as anonymous", async () => {
    expect(await authenticate(SECRET, null)).toEqual({ kind: "anonymous" });
    expect(await authenticate(SECRET, undefined)).toEqual({ kind: "anonymous" });
  });

  it("accepts a valid bearer token, scheme in any case", async () => {
    const token = await signAccessToken(SECRET, "user-7", 60);
    const result = await authenticate(SECRET, `bearer ${token}`);
    expect(result).toMatchObject({ kind: "viewer", viewer: { id: "user-7" } });
    if (result.kind === "viewer") expect(result.viewer.tokenExp).toBeGreaterThan(Date.now() / 1000);
  });

  it("rejects expired, foreign and malformed credentials", async () => {
    const expired = await signAccessToken(SECRET, "user-7", -5);
    const foreign = await signAccessToken(`${SECRET}-other`, "user-7", 60);
    expect(await authenticate(SECRET, `Bearer ${expired}`)).toMatchObject({ kind: "rejected", reason: "expired" });
    expect(await authenticate(SECRET, `Bearer ${foreign}`)).toMatchObject({ kind: "rejected", reason: "invalid" });
    for (const header of ["", "Bearer", "Bearer ", "Basic abc", `Token ${foreign}`, "Bearer a b"]) {
      expect(await authenticate(SECRET, header)).toMatchObject({ kind: "rejected" });
    }
  });

  describe("lifetime cap", () => {
    const DAY = 24 * 3600;
    const policy = { maxTtlSeconds: 30 * DAY };
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    /** A token signed with the right secret and any claims (what a leaked key or a broken signer could mint). */
    const minted = (claims: Record<string, unknown>) => {
      const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "user-7", iss: "plaza", aud: "plaza", ...claims })}`;
      return `Bearer ${unsigned}.${createHmac("sha256", SECRET).update(unsigned).digest("base64url")}`;
    };
    const now = Math.floor(Date.now() / 1000);

    it("accepts a token living exactly the cap, with its session claims", async () => {
      const result = await authenticate(SECRET, minted({ iat: now, exp: now + 30 * DAY, sid: "abc_-1", ver: 3 }), policy);
      expect(result).toMatchObject({ kind: "viewer", viewer: { id: "user-7", sid: "abc_-1", ver: 3 } });
    });

    it("refuses tokens living longer than the cap, centuries included", async () => {
      const centuries = `Bearer ${await signAccessToken(SECRET, "user-7", 300 * 365 * DAY)}`;
      expect(await authenticate(SECRET, centuries)).toMatchObject({ kind: "viewer" }); // no policy: signature only
      expect(await authenticate(SECRET, centuries, policy)).toMatchObject({ kind: "rejected", reason: "invalid" });
      expect(await authenticate(SECRET, minted({ iat: now, exp: now + 30 * DAY + 1 }), policy)).toMatchObject({
        kind: "rejected",
      });
    });

    it("refuses tokens without iat or issued in the future beyond the skew", async () => {
      expect(await authenticate(SECRET, minted({ exp: now + 60 }), policy)).toMatchObject({ kind: "rejected" });
      // Backdating exp - iat under the cap does not help a token issued years ahead.
      expect(
        await authenticate(SECRET, minted({ iat: now + 10 * 365 * DAY, exp: now + 10 * 365 * DAY + 60 }), policy),
      ).toMatchObject({ kind: "rejected" });
      expect(await authenticate(SECRET, minted({ iat: now + 3600, exp: now + 7200 }), policy)).toMatchObject({
        kind: "rejected",
      });
      expect(await authenticate(SECRET, minted({ iat: now + 30, exp: now + 600 }), policy)).toMatchObject({ kind: "viewer" });
    });

    it("refuses malformed session claims", async () => {
      for (const claims of [
        { sid: 7 },
        { sid: "" },
        { sid: "a.b" },
        { sid: "x".repeat(65) },
        { ver: -1 },
        { ver: 1.5 },
        { ver: "1" },
      ]) {
        expect(
          await authenticate(SECRET, minted({ iat: now, exp: now + 60, ...claims }), policy),
          JSON.stringify(claims),
        ).toMatchObject({
          kind: "rejected",
          reason: "invalid",
        });
      }
    });
  });
});
