import type { ExecutionResult } from "graphql";

export interface ClientStreamHooks {
  /** Called once, when the stream stops for any reason (client left, stream ended and drained, overflow). */
  onClose(stream: ClientStream): void;
  /** The client let more than `maxQueued` events pile up: it is dropped (the stream is already closed). */
  onOverflow(stream: ClientStream): void;
  /** An event is handed to the client's transport; `receivedAt` is when the router got it from the subgraph. */
  onDeliver(receivedAt: number): void;
}

interface Queued {
  result: ExecutionResult;
  /** Epoch ms with sub-ms precision; absent for results the router made up (errors, completion notices). */
  receivedAt?: number;
}

type Waiter = (result: IteratorResult<ExecutionResult, undefined>) => void;

/** Writes one result to the client's transport, synchronously. */
export type ClientSink = (result: ExecutionResult) => void;

const DONE: IteratorResult<ExecutionResult, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * One client's subscription as an async iterator, written by hand rather than as an async generator: a generator
 * cannot be stopped while it awaits its next event, whereas `return()` here settles a pending `next()` and
 * releases the shared upstream at once. Events wait in a bounded queue; a client that lets it overflow is dropped,
 * so a reader that stops reading costs at most `maxQueued` references to shared event objects.
 */
export class ClientStream implements AsyncIterableIterator<ExecutionResult, undefined> {
  private queue: Queued[] = [];
  private waiter: Waiter | undefined;
  /** open → ending (no more events; queue drains) → closed. */
  private state: "open" | "ending" | "closed" = "open";
  private sink: ClientSink | undefined;

  constructor(
    private readonly maxQueued: number,
    private readonly hooks: ClientStreamHooks,
  ) {}

  get closed(): boolean {
    return this.state === "closed";
  }

  /**
   * For transports that write events themselves (graphql-ws): from now on events go straight to `sink` as they
   * are pushed, without a promise per event, and `next()` only settles when the stream is over.
   */
  deliverTo(sink: ClientSink): void {
    this.sink = sink;
    for (let queued = this.queue.shift(); queued; queued = this.queue.shift()) this.write(queued);
  }

  /** Offers an event; never blocks the producer (a shared fan-out must not wait for its slowest client). */
  push(result: ExecutionResult, receivedAt?: number): void {
    if (this.state !== "open") return;
    if (this.sink) {
      this.write({ result, receivedAt });
      return;
    }
    if (this.waiter) {
      this.handOut({ result, receivedAt });
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.close();
      this.hooks.onOverflow(this);
      return;
    }
    this.queue.push({ result, receivedAt });
  }

  /** No more events: queued ones (and `final`, e.g. an error) are still delivered, then the stream completes. */
  end(final?: ExecutionResult): void {
    if (this.state !== "open") return;
    if (final) {
      if (this.sink) this.write({ result: final });
      else if (this.waiter) this.handOut({ result: final });
      else this.queue.push({ result: final });
    }
    this.state = "ending";
    if (this.waiter && this.queue.length === 0) {
      const waiter = this.waiter;
      this.waiter = undefined;
      this.close();
      waiter(DONE);
    }
  }

  next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(this.deliver(queued));
    if (this.state !== "open") {
      this.close();
      return Promise.resolve(DONE);
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    const waiter = this.waiter;
    this.waiter = undefined;
    this.close();
    waiter?.(DONE);
    return Promise.resolve(DONE);
  }

  throw(): Promise<IteratorResult<ExecutionResult, undefined>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private handOut(queued: Queued): void {
    const waiter = this.waiter!;
    this.waiter = undefined;
    waiter(this.deliver(queued));
  }

  private write(queued: Queued): void {
    if (queued.receivedAt !== undefined) this.hooks.onDeliver(queued.receivedAt);
    try {
      this.sink!(queued.result);
    } catch {
      // A transport that cannot write any more: this client is gone; the fan-out goes on for the others.
      void this.return();
    }
  }

  private deliver(queued: Queued): IteratorResult<ExecutionResult, undefined> {
    if (queued.receivedAt !== undefined) this.hooks.onDeliver(queued.receivedAt);
    return { done: false, value: queued.result };
  }

  private close(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.queue = [];
    this.hooks.onClose(this);
  }
}
