// What `npm run bench` and `npm run loadtest` will be (issue 17: the side-by-side harness against stock Apollo
// Gateway and Hive Gateway, and the k6 scenarios) is not built yet. Until then these commands say so and name the
// same-run benchmarks that exist, instead of failing with "Cannot find module".
const command = process.argv[2] ?? "this command";
process.stderr.write(
  `${command} is not built yet (issue 17). Same-run benchmarks that exist today:\n` +
    [
      "npx tsx loadtest/src/counters-increment.ts   (router vs direct vs stock Apollo Gateway, protections on/off)",
      "npx tsx loadtest/src/feed-read.ts            (feed vs post(id), protections on/off)",
      "npx tsx loadtest/src/response-cache.ts       (response cache on/off)",
      "npx tsx loadtest/src/user-by-id.ts           (router vs subgraph)",
    ]
      .map((line) => `  ${line}\n`)
      .join(""),
);
process.exit(2);
