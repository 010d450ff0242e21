import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createInternalSigner, createInternalVerifier, signInternalIdentity } from "./internal-auth.ts";

const KEY = "k".repeat(32);
const NOW = 1_800_000_000;
const BODY = JSON.stringify({ query: "mutation { like(postId: 1) }" });
const posts = (opts: { maxAgeSeconds?: number; now?: number } = {}) =>
  createInternalVerifier(KEY, { subgraph: "posts", maxAgeSeconds: opts.maxAgeSeconds, nowSeconds: () => opts.now ?? NOW });
const sign = (at = NOW, identity: { viewerId: string | null; tokenExp?: number } = { viewerId: "u1" }) =>
  signInternalIdentity(KEY, identity, { subgraph: "posts", body: BODY }, at);

/** The v1 format: time, identity and a MAC over them only. */
function signV1(viewerId: string, at: number) {
  const signed = `v1.${at}.${Buffer.from(JSON.stringify({ viewerId })).toString("base64url")}`;
  return `${signed}.${createHmac("sha256", KEY).update(signed).digest("base64url")}`;
}

describe("internal identity header (v2)", () => {
  it("accepts the header the router signed for this subgraph and this body", () => {
    expect(posts().verify(sign(), { body: BODY })).toEqual({ ok: true, identity: { viewerId: "u1" } });
    expect(posts().verify(sign(NOW, { viewerId: null }), { body: Buffer.from(BODY) })).toEqual({
      ok: true,
      identity: { viewerId: null },
    });
  });

  it("carries the viewer token's session id, which cannot be edited after signing", () => {
    const identity = { viewerId: "u1", tokenExp: NOW + 600, sessionId: "s-1" };
    const header = signInternalIdentity(KEY, identity, { subgraph: "posts", body: BODY }, NOW);
    expect(posts().verify(header, { body: BODY })).toEqual({ ok: true, identity });
    const [version, at, claims, mac] = header.split(".");
    const edited = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(claims!, "base64url").toString()), sid: "s-2" }),
    ).toString("base64url");
    expect(posts().verify(`${version}.${at}.${edited}.${mac}`, { body: BODY })).toMatchObject({ ok: false });
  });

  it("refuses it on another subgraph", () => {
    const forUsers = signInternalIdentity(KEY, { viewerId: "u1" }, { subgraph: "users", body: BODY }, NOW);
    expect(posts().verify(forUsers, { body: BODY })).toEqual({ ok: false, reason: "internal signature is for another subgraph" });
  });

  it("refuses it with any other body", () => {
    const altered = BODY.replace("1", "2");
    expect(posts().verify(sign(), { body: altered })).toEqual({ ok: false, reason: "bad internal signature" });
    expect(posts().verify(sign(), { body: `${BODY} ` }).ok).toBe(false);
    expect(posts().verify(sign(), { body: "" }).ok).toBe(false);
  });

  it("refuses claims edited after signing (viewer, audience, purpose)", () => {
    const [version, at, , mac] = sign().split(".");
    for (const claims of [
      { viewerId: "u2", aud: "posts", use: "http" },
      { viewerId: "u1", aud: "posts", use: "http", tokenExp: NOW + 10 },
    ]) {
      const edited = `${version}.${at}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${mac}`;
      expect(posts().verify(edited, { body: BODY })).toEqual({ ok: false, reason: "bad internal signature" });
    }
    expect(posts().verify(`${version}.${Number(at) - 1}.${sign().split(".")[2]}.${mac}`, { body: BODY }).ok).toBe(false);
  });

  it("refuses a header older than the window (30 s by default, configurable)", () => {
    expect(posts().verify(sign(NOW - 30), { body: BODY }).ok).toBe(true);
    expect(posts().verify(sign(NOW - 31), { body: BODY })).toEqual({ ok: false, reason: "expired internal signature" });
    expect(posts({ maxAgeSeconds: 5 }).verify(sign(NOW - 6), { body: BODY }).ok).toBe(false);
    // The old window: five minutes.
    expect(posts().verify(sign(NOW - 299), { body: BODY }).ok).toBe(false);
  });

  it("refuses a header issued in the future beyond 5 s of clock skew", () => {
    expect(posts().verify(sign(NOW + 5), { body: BODY }).ok).toBe(true);
    expect(posts().verify(sign(NOW + 6), { body: BODY })).toEqual({
      ok: false,
      reason: "internal signature issued in the future",
    });
    expect(posts().verify(sign(NOW + 59), { body: BODY }).ok).toBe(false);
  });

  it("refuses a header whose viewer token has expired", () => {
    expect(posts().verify(sign(NOW, { viewerId: "u1", tokenExp: NOW + 1 }), { body: BODY }).ok).toBe(true);
    expect(posts().verify(sign(NOW, { viewerId: "u1", tokenExp: NOW }), { body: BODY })).toEqual({
      ok: false,
      reason: "viewer token expired",
    });
    expect(posts().verify(sign(NOW - 10, { viewerId: "u1", tokenExp: NOW - 5 }), { body: BODY }).ok).toBe(false);
  });

  it("refuses the v1 format, even correctly signed and fresh", () => {
    expect(posts().verify(signV1("u1", NOW), { body: BODY })).toEqual({
      ok: false,
      reason: "unsupported internal signature version (v2 required)",
    });
  });

  it("keeps HTTP and graphql-ws headers apart", () => {
    const ws = signInternalIdentity(KEY, { viewerId: "u1" }, { subgraph: "posts", purpose: "graphql-ws" }, NOW);
    expect(posts().verify(ws, { purpose: "graphql-ws" })).toEqual({ ok: true, identity: { viewerId: "u1" } });
    expect(posts().verify(ws, { body: BODY }).ok).toBe(false);
    expect(posts().verify(ws, { body: "" }).ok).toBe(false);
    expect(posts().verify(sign(), { purpose: "graphql-ws" })).toEqual({
      ok: false,
      reason: "internal signature is not for a graphql-ws connection",
    });
    const wsForUsers = signInternalIdentity(KEY, { viewerId: "u1" }, { subgraph: "users", purpose: "graphql-ws" }, NOW);
    expect(posts().verify(wsForUsers, { purpose: "graphql-ws" }).ok).toBe(false);
  });

  it("refuses another key, garbage and oversized headers without throwing", () => {
    const other = signInternalIdentity("o".repeat(32), { viewerId: "u1" }, { subgraph: "posts", body: BODY }, NOW);
    expect(posts().verify(other, { body: BODY })).toEqual({ ok: false, reason: "bad internal signature" });
    for (const header of [
      undefined,
      null,
      "",
      "v2",
      "v2.x.y.z",
      `v2.${NOW}.!!!.AAAA`,
      `v2.${NOW}.${Buffer.from("[]").toString("base64url")}.AAAA`,
      `v2.${NOW}.${Buffer.from('{"viewerId":5}').toString("base64url")}.AAAA`,
      `v2.${NOW}.e30.AAAA.extra`,
      `v2.${"9".repeat(40)}.e30.AAAA`,
      `v2.${NOW}.${"A".repeat(10_000)}.AAAA`,
      1 as unknown as string,
    ]) {
      expect(posts().verify(header, { body: BODY }).ok).toBe(false);
    }
  });

  it("carries the client's address, covered by the signature", () => {
    const header = signInternalIdentity(KEY, { viewerId: null, clientIp: "203.0.113.7" }, { subgraph: "posts", body: BODY }, NOW);
    expect(posts().verify(header, { body: BODY })).toEqual({ ok: true, identity: { viewerId: null, clientIp: "203.0.113.7" } });
    const [version, at, , mac] = header.split(".");
    const claims = { viewerId: null, aud: "posts", use: "http", ip: "198.51.100.1" };
    const edited = `${version}.${at}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${mac}`;
    expect(posts().verify(edited, { body: BODY })).toEqual({ ok: false, reason: "bad internal signature" });
    for (const ip of [5, "", "x".repeat(65)]) {
      const bad = { viewerId: null, aud: "posts", use: "http", ip };
      const forged = `${version}.${at}.${Buffer.from(JSON.stringify(bad)).toString("base64url")}.${mac}`;
      expect(posts().verify(forged, { body: BODY })).toEqual({ ok: false, reason: "malformed identity" });
    }
  });

  it("signs through createInternalSigner exactly as signInternalIdentity does", () => {
    const header = createInternalSigner(KEY)({ viewerId: "u1" }, { subgraph: "posts", body: BODY });
    expect(createInternalVerifier(KEY, { subgraph: "posts" }).verify(header, { body: BODY }).ok).toBe(true);
  });
});
