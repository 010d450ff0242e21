import { describe, expect, it } from "vitest";
import {
  assertTestDatabaseName,
  assertTestDatabaseUrl,
  createTestPgPool,
  databaseNameOf,
  testDatabaseName,
} from "./test-database.ts";
import { uniqueName } from "./unique-name.ts";

describe("test database names", () => {
  it("are plaza_test_<prefix>_<random>, sanitised and within 63 bytes", () => {
    expect(testDatabaseName("Users Repo")).toMatch(/^plaza_test_users_repo_[0-9a-f]{8}$/);
    const long = testDatabaseName("x".repeat(100));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(testDatabaseName("a")).not.toBe(testDatabaseName("a"));
  });

  it("guard refuses anything that is not a test database", () => {
    expect(() => assertTestDatabaseName("plaza_shard_0")).toThrow(/Refusing/);
    expect(() => assertTestDatabaseUrl("postgresql://postgres@127.0.0.1:5432/postgres")).toThrow(/Refusing/);
    expect(() => createTestPgPool("postgresql://u@127.0.0.1:1/prod")).toThrow(/Refusing/);
    expect(() => assertTestDatabaseUrl("postgresql://postgres@127.0.0.1:5432/plaza_test_x_1234abcd")).not.toThrow();
  });

  it("reads the database from a URL", () => {
    expect(databaseNameOf("postgres://u:p@h:1/plaza_test_a?sslmode=disable")).toBe("plaza_test_a");
  });
});

describe("uniqueName", () => {
  it("is unique and safe for Kafka topics", () => {
    const a = uniqueName("Feed Events!");
    expect(a).toMatch(/^feed-events-[a-z0-9]+-[0-9a-f]{8}$/);
    expect(uniqueName("feed")).not.toBe(uniqueName("feed"));
  });
});
