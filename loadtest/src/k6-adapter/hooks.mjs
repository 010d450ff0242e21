/* global URL */
// Node module-resolution hook of the k6 adapter (registered by run.ts): `k6` and `k6/*` resolve to the adapter's
// modules; anything the adapter does not implement fails at import, naming the module.
const MODULES = {
  k6: "k6.ts",
  "k6/http": "http.ts",
  "k6/metrics": "metrics.ts",
  "k6/timers": "timers.ts",
  "k6/websockets": "websockets.ts",
};

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "k6" || specifier.startsWith("k6/")) {
    const file = MODULES[specifier];
    if (!file) throw new Error(`the k6 adapter (loadtest/src/k6-adapter) does not implement ${specifier}`);
    // Handed on down the chain (not short-circuited) so tsx's hooks load the TypeScript module.
    return nextResolve(new URL(`./modules/${file}`, import.meta.url).href, context);
  }
  return nextResolve(specifier, context);
}
