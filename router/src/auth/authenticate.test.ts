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
});
