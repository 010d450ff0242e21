import { describe, expect, it } from "vitest";
import { clientIpFrom, ipRateLimitKey, normalizeIp } from "./client-ip.ts";

describe("normalizeIp", () => {
  it("gives one form per address", () => {
    expect(normalizeIp("1.2.3.4")).toBe("1.2.3.4");
    expect(normalizeIp(" 1.2.3.4 ")).toBe("1.2.3.4");
    expect(normalizeIp("::ffff:1.2.3.4")).toBe("1.2.3.4");
    expect(normalizeIp("::FFFF:1.2.3.4")).toBe("1.2.3.4");
    expect(normalizeIp("::ffff:102:304")).toBe("1.2.3.4");
    expect(normalizeIp("0:0:0:0:0:ffff:0102:0304")).toBe("1.2.3.4");
    expect(normalizeIp("2001:DB8:0:0:0:0:0:1")).toBe("2001:db8::1");
    expect(normalizeIp("2001:0db8::0001")).toBe("2001:db8::1");
    expect(normalizeIp("::1")).toBe("::1");
    expect(normalizeIp("fe80::1%eth0")).toBe("fe80::1");
  });

  it("reads the forms proxies write", () => {
    expect(normalizeIp("[2001:db8::1]:443")).toBe("2001:db8::1");
    expect(normalizeIp("[2001:db8::1]")).toBe("2001:db8::1");
    expect(normalizeIp("1.2.3.4:8080")).toBe("1.2.3.4");
  });

  it("refuses what is not an address", () => {
    for (const raw of [
      undefined,
      null,
      "",
      "unknown",
      "1.2.3",
      "1.2.3.256",
      "01.2.3.4",
      "2001:db8::1::2",
      "a".repeat(100),
      "1.2.3.4 5",
    ]) {
      expect(normalizeIp(raw as string)).toBeUndefined();
    }
  });
});

describe("ipRateLimitKey", () => {
  it("counts an IPv4 address alone and an IPv6 address by its /64", () => {
    expect(ipRateLimitKey("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(ipRateLimitKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(ipRateLimitKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(ipRateLimitKey("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(ipRateLimitKey("::1")).toBe("0:0:0:0::/64");
    expect(ipRateLimitKey("nonsense")).toBeUndefined();
  });
});

describe("clientIpFrom", () => {
  it("ignores X-Forwarded-For unless proxies are trusted", () => {
    expect(clientIpFrom("::ffff:127.0.0.1", "6.6.6.6", 0)).toBe("127.0.0.1");
    expect(clientIpFrom("10.0.0.2", undefined, 1)).toBe("10.0.0.2");
  });

  it("believes only the entries trusted proxies appended", () => {
    // The client wrote 6.6.6.6 itself; our one proxy appended the address it saw.
    expect(clientIpFrom("10.0.0.2", "6.6.6.6, 203.0.113.9", 1)).toBe("203.0.113.9");
    expect(clientIpFrom("10.0.0.2", ["6.6.6.6", "203.0.113.9, 10.0.0.1"], 2)).toBe("203.0.113.9");
    // Fewer entries than trusted hops: the farthest one there is.
    expect(clientIpFrom("10.0.0.2", "203.0.113.9", 3)).toBe("203.0.113.9");
    // A malformed entry ends the chain at the hop that wrote it.
    expect(clientIpFrom("10.0.0.2", "6.6.6.6, garbage", 2)).toBe("10.0.0.2");
    expect(clientIpFrom("10.0.0.2", "[2001:db8::7]:5000", 1)).toBe("2001:db8::7");
  });

  it("is undefined without a socket address", () => {
    expect(clientIpFrom(undefined, "1.2.3.4", 1)).toBeUndefined();
  });
});
