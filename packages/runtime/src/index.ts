export * from "./event-bus-from-config.ts";
export * from "./subgraph-storage.ts";
export * from "./subgraph-config.ts";
