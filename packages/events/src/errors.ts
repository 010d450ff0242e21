import type { z } from "zod";

export type InvalidEventReason =
  /** The message body is not JSON. */
  | "invalid-json"
  /** The body is JSON but not an event envelope. */
  | "invalid-envelope"
  /** The envelope names a type/version that is not in the registry. */
  | "unknown-event"
  /** The payload does not match the schema of its type/version. */
  | "invalid-payload";

export interface InvalidEventIssue {
  path: string;
  message: string;
}

/** Thrown by `createEvent`, `parseEvent` and `publish` when an event does not match its definition. */
export class InvalidEventError extends Error {
  override readonly name = "InvalidEventError";
  readonly code = "INVALID_EVENT";

  constructor(
    readonly reason: InvalidEventReason,
    message: string,
    readonly issues: readonly InvalidEventIssue[] = [],
    readonly eventType?: string,
    readonly eventVersion?: number,
  ) {
    super(message);
  }
}

export function issuesFromZod(error: z.ZodError): InvalidEventIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

export function describeIssues(issues: readonly InvalidEventIssue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ");
}
