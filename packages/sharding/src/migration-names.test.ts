import { describe, expect, it } from "vitest";
import { identifierProblem, MAX_MIGRATION_NAME_LENGTH, migrationTimestamp, newMigrationDirName } from "./migration-names.ts";

describe("identifierProblem", () => {
  it.each(["users", "add_edited_at", "v2", "a", "x".repeat(MAX_MIGRATION_NAME_LENGTH)])("accepts %j", (value) => {
    expect(identifierProblem("migration name", value, MAX_MIGRATION_NAME_LENGTH)).toBeNull();
  });

  it.each([
    "",
    "..",
    "../users",
    "a/b",
    "a\\b",
    "/etc",
    "Users",
    "add-edited-at",
    "a b",
    "a.b",
    "a\nb",
    "a\u0000b",
    "naïve",
    "x".repeat(MAX_MIGRATION_NAME_LENGTH + 1),
  ])("refuses %j", (value) => {
    expect(identifierProblem("migration name", value, MAX_MIGRATION_NAME_LENGTH)).toMatch(/migration name/);
  });
});

describe("newMigrationDirName", () => {
  const now = new Date("2026-12-02T10:51:56.789Z");

  it("is the UTC time to the second and the name", () => {
    expect(migrationTimestamp(now)).toBe("20261202105156");
    expect(newMigrationDirName(["20261121000000_init", "migration_lock.toml"], "add_x", now)).toBe("20261202105156_add_x");
    expect(newMigrationDirName([], "init", now)).toBe("20261202105156_init");
  });

  it("sorts after every existing migration, even one dated later than the clock", () => {
    expect(newMigrationDirName(["20261202105156_a"], "b", now)).toBe("20261202105157_b");
    expect(newMigrationDirName(["20261231235959_future", "20261121000000_init"], "b", now)).toBe("20270101000000_b");
  });
});
