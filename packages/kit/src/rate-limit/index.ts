export * from "./rate-limiter.port.ts";
export * from "./memory-rate-limiter.ts";
