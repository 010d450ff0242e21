/**
 * Names of subgraphs and migrations as `npm run db:diff` accepts them, and the directory name of a new
 * migration (`<UTC YYYYMMDDHHMMSS>_<name>`, the layout of Prisma and of the runner in ./migrate.ts).
 */

/** Lower-case letters, digits and underscores only: no path separators, dots or anything a shell or a path would read. */
const IDENTIFIER = /^[a-z0-9_]+$/;

/** `_prisma_migrations.migration_name` is VARCHAR(255); keep well within it after the 15-character timestamp prefix. */
export const MAX_MIGRATION_NAME_LENGTH = 100;
export const MAX_SUBGRAPH_NAME_LENGTH = 64;

/** A problem with `value` as a `what`, or null when it is acceptable. */
export function identifierProblem(what: "subgraph" | "migration name", value: string, maxLength: number): string | null {
  if (value.length === 0) return `the ${what} is empty`;
  if (value.length > maxLength) return `the ${what} is longer than ${maxLength} characters`;
  if (!IDENTIFIER.test(value)) return `the ${what} ${JSON.stringify(value)} may contain only a-z, 0-9 and _`;
  return null;
}

/** `2026-12-02T10:51:56Z` → `20261202105156`. */
export function migrationTimestamp(date: Date): string {
  return date.toISOString().replace(/\D/g, "").slice(0, 14);
}

/**
 * The directory name of a new migration: now, or one second after the newest existing migration when
 * that is not earlier (a clock behind, or a hand-written timestamp ahead), so the new migration always
 * sorts — and therefore runs — last.
 */
export function newMigrationDirName(existing: readonly string[], name: string, now: Date): string {
  let stamp = migrationTimestamp(now);
  const newest = existing
    .map((dir) => /^(\d{14})_/.exec(dir)?.[1])
    .filter((value): value is string => value !== undefined)
    .sort()
    .at(-1);
  if (newest !== undefined && stamp <= newest) stamp = migrationTimestamp(new Date(timestampToDate(newest).getTime() + 1000));
  if (newest !== undefined && stamp <= newest)
    throw new Error(`cannot name a migration after ${newest}: not a valid UTC timestamp`);
  return `${stamp}_${name}`;
}

function timestampToDate(stamp: string): Date {
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp)!;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}
