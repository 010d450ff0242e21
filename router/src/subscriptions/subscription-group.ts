import { GraphQLError, type ExecutionResult, type FormattedExecutionResult } from "graphql";
import type { Logger } from "@plaza/kit";
import type { ClientStream } from "./client-stream.ts";
import type { UpstreamFailure, UpstreamListener } from "./upstream-pool.ts";

/** Resolves one upstream payload into the client's result (runs `Sequence[primary, rest]`); never rejects. */
export type ResolveEvent = (payload: FormattedExecutionResult) => Promise<ExecutionResult>;

/** Resolutions running or waiting for one group; beyond this the router sheds events instead of memory. */
const MAX_PENDING_EVENTS = 1_000;

export const INTERRUPTED_CODE = "SUBSCRIPTION_INTERRUPTED";

/**
 * The clients of one subscription (same operation, variables and scope). Each upstream event is resolved once
 * for all of them and fanned out in upstream order; resolutions of successive events may overlap, deliveries
 * never reorder.
 */
export class SubscriptionGroup implements UpstreamListener {
  readonly clients = new Set<ClientStream>();
  private leaveUpstream: (() => void) | undefined;
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private ended = false;

  constructor(
    readonly key: string,
    private readonly resolveEvent: ResolveEvent,
    private readonly onEmpty: (group: SubscriptionGroup) => void,
    private readonly logger: Logger,
  ) {}

  /** Joins the upstream once the first client is in (a synchronous upstream failure then reaches it). */
  attach(leaveUpstream: () => void): void {
    if (this.ended) leaveUpstream();
    else this.leaveUpstream = leaveUpstream;
  }

  add(client: ClientStream): void {
    this.clients.add(client);
  }

  remove(client: ClientStream): void {
    if (!this.clients.delete(client) || this.clients.size > 0) return;
    this.stop();
  }

  next(payload: FormattedExecutionResult, receivedAt: number): void {
    if (this.ended) return;
    if (this.pending >= MAX_PENDING_EVENTS) {
      this.logger.warn({ group: this.key, pending: this.pending }, "subscription event dropped: resolution backlog full");
      return;
    }
    this.pending++;
    const resolution = this.resolveEvent(payload);
    this.enqueue(async () => {
      const result = await resolution;
      this.pending--;
      for (const client of this.clients) client.push(result, receivedAt);
    });
  }

  resumed(gap: { subgraph: string; interruptedAt: number; resumedAt: number }): void {
    const notice: ExecutionResult = {
      data: null,
      errors: [
        new GraphQLError(
          `The subscription was interrupted while subgraph "${gap.subgraph}" was unreachable; events from that time may be missing`,
          {
            extensions: {
              code: INTERRUPTED_CODE,
              subgraph: gap.subgraph,
              interruptedAt: new Date(gap.interruptedAt).toISOString(),
              resumedAt: new Date(gap.resumedAt).toISOString(),
            },
          },
        ),
      ],
    };
    this.enqueue(() => {
      for (const client of this.clients) client.push(notice);
    });
  }

  error(failure: UpstreamFailure): void {
    this.leaveUpstream = undefined;
    const final: Promise<ExecutionResult> =
      failure.kind === "graphql"
        ? // Through the plan, so subgraph errors are reported exactly as for queries (codes kept, uncoded masked).
          this.resolveEvent({ data: null, errors: failure.errors })
        : Promise.resolve({
            data: null,
            errors: [new GraphQLError(failure.message, { extensions: { code: "INTERNAL_SERVER_ERROR" } })],
          });
    this.enqueue(async () => this.endAll(await final));
  }

  complete(): void {
    this.leaveUpstream = undefined;
    this.enqueue(() => this.endAll());
  }

  /** Router shutdown: clients complete, the upstream is left. */
  shutdown(): void {
    this.endAll();
  }

  private endAll(final?: ExecutionResult): void {
    const clients = [...this.clients];
    this.stop();
    for (const client of clients) client.end(final);
  }

  private stop(): void {
    if (this.ended) return;
    this.ended = true;
    this.clients.clear();
    const leave = this.leaveUpstream;
    this.leaveUpstream = undefined;
    leave?.();
    this.onEmpty(this);
  }

  private enqueue(step: () => void | Promise<void>): void {
    this.tail = this.tail.then(step).catch((err: unknown) => {
      this.logger.error({ err, group: this.key }, "subscription delivery failed");
    });
  }
}
