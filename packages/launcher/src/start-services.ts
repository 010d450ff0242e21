// `npm run start:services`: each service as its own process against real services (the .env from
// `npm run infra:up`, or the environment). Ctrl-C stops them all.
import "dotenv/config";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

if (!process.env.USERS_DATABASE_SHARD_URLS) {
  process.stderr.write(
    "start:services runs each service against real Postgres/Kafka: run `npm run infra:up` first (it writes .env).\n",
  );
  process.exit(1);
}
for (const key of ["JWT_SECRET", "INTERNAL_AUTH_KEY"]) {
  if (!process.env[key]) {
    process.stderr.write(`start:services needs ${key} shared by every process (infra:up writes one into .env).\n`);
    process.exit(1);
  }
}

const services: Array<{ name: string; entry: string }> = [
  { name: "users", entry: "subgraphs/users/src/index.ts" },
  { name: "posts", entry: "subgraphs/posts/src/index.ts" },
  { name: "counters", entry: "subgraphs/counters/src/index.ts" },
  { name: "chat", entry: "subgraphs/chat/src/index.ts" },
  { name: "payments", entry: "subgraphs/payments/src/index.ts" },
  { name: "router", entry: "router/src/index.ts" },
];

// The counters subgraph asks the posts subgraph about posts it has not projected yet: wherever posts listens.
if (!process.env.COUNTERS_POSTS_URL && process.env.POSTS_PORT) {
  process.env.COUNTERS_POSTS_URL = `http://127.0.0.1:${process.env.POSTS_PORT}/graphql`;
}

// The chat subgraph asks the users subgraph whether the members of a new conversation exist.
if (!process.env.CHAT_USERS_URL && process.env.USERS_PORT) {
  process.env.CHAT_USERS_URL = `http://127.0.0.1:${process.env.USERS_PORT}/graphql`;
}

const children: ChildProcess[] = [];
let stopping = false;
for (const service of services) {
  // The same node and flags this launcher runs with (tsx's loader, and e.g. --cpu-prof), one process per service.
  const child = spawn(process.execPath, [...process.execArgv, service.entry], { cwd: root, stdio: "inherit", env: process.env });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    process.stderr.write(`${service.name} exited (${signal ?? code}); stopping the others\n`);
    stop(1);
  });
}

function stop(exitCode: number) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(exitCode), 12_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null))).then(() =>
    process.exit(exitCode),
  );
}
process.once("SIGINT", () => stop(0));
process.once("SIGTERM", () => stop(0));
