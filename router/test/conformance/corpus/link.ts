/** A Federation 2.7 subgraph SDL: the `@link` line importing `imports`, then `body`. */
export function federated(imports: readonly string[], body: string): string {
  const names = imports.map((name) => JSON.stringify(name)).join(", ");
  return `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: [${names}])\n${body}`;
}
