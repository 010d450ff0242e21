export * from "./event-bus-from-config.ts";
export * from "./redis-from-config.ts";
export * from "./subgraph-config.ts";
export * from "./subgraph-storage.ts";
export * from "./redis-rate-limiter.ts";
export * from "./dead-letter-counter.ts";
export * from "./broadcast.ts";
