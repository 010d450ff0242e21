import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";

/** One request a hostile or broken client might send. */
export interface HostileRequest {
  kind: string;
  method: "GET" | "POST";
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same corpus on every machine. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof seededRandom>;

const NASTY_STRINGS = [
  "",
  "\u0000",
  "a\u0000b",
  "\u0007\u001b[31m",
  "\u202eevil\u202c",
  "\u200b",
  "\ud800",
  "\uffff",
  "💥".repeat(50),
  "' OR 1=1 --",
  "${jndi:ldap://127.0.0.1/x}",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "x".repeat(10_000),
  "%00",
  "\\",
  '"',
  "null",
];
const NASTY_NUMBERS = [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e308, -1e308, 0.5, Number.MAX_SAFE_INTEGER];

function nastyScalar(random: Random): unknown {
  switch (random.int(5)) {
    case 0:
      return random.pick(NASTY_STRINGS);
    case 1:
      return random.pick(NASTY_NUMBERS);
    case 2:
      return random.pick([true, false, null]);
    case 3:
      return random.chance(0.5) ? [] : [random.pick(NASTY_STRINGS), random.pick(NASTY_NUMBERS)];
    default:
      return { nested: random.pick(NASTY_STRINGS) };
  }
}

/** A value for an input type: usually well-typed with hostile content, sometimes of the wrong type. */
function inputValue(type: GraphQLInputType, random: Random, depth = 0): unknown {
  if (random.chance(0.1) || depth > 4) return nastyScalar(random);
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    // Long lists only at the top: nested long lists would multiply into gigabytes.
    const length = random.pick(depth === 0 ? [0, 1, 3, 600] : [0, 1, 3]);
    return Array.from({ length }, () => inputValue(nullable.ofType, random, depth + 1));
  }
  if (isEnumType(nullable)) return random.chance(0.8) ? random.pick(nullable.getValues()).name : "NOT_A_VALUE";
  if (isInputObjectType(nullable)) {
    return Object.fromEntries(
      Object.values(nullable.getFields()).map((field) => [field.name, inputValue(field.type, random, depth + 1)]),
    );
  }
  if (isScalarType(nullable)) {
    if (nullable.name === "Int" || nullable.name === "Float") return random.pick(NASTY_NUMBERS);
    if (nullable.name === "Boolean") return random.chance(0.5);
    return random.pick(NASTY_STRINGS);
  }
  return null;
}

/** A GraphQL literal for a JSON value (strings escaped as JSON, which GraphQL accepts). */
function literal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (value !== null && typeof value === "object")
    return `{ ${Object.entries(value)
      .map(([key, item]) => `${key}: ${literal(item)}`)
      .join(", ")} }`;
  if (typeof value === "string") return /^[A-Z_]+$/.test(value) ? value : JSON.stringify(value);
  return String(value);
}

interface GeneratedOperation {
  query: string;
  variables: Record<string, unknown>;
}

/** A random operation over the schema: real fields, hostile arguments, aliases, fragments, directives and depth. */
function randomOperation(schema: GraphQLSchema, random: Random, skipFields?: ReadonlySet<string>): GeneratedOperation {
  const roots = [schema.getQueryType(), schema.getMutationType()].filter((type): type is GraphQLObjectType => !!type);
  const root = random.pick(roots);
  const variables: Record<string, unknown> = {};
  const definitions: string[] = [];
  let aliasCount = 0;

  const args = (fieldArgs: readonly GraphQLArgument[]) => {
    if (fieldArgs.length === 0) return "";
    const parts = fieldArgs
      .filter((arg) => isNonNullType(arg.type) || random.chance(0.5))
      .map((arg) => {
        const value = inputValue(arg.type, random);
        if (random.chance(0.5)) {
          const name = `v${definitions.length}`;
          definitions.push(`$${name}: ${arg.type.toString()}`);
          variables[name] = value;
          return `${arg.name}: $${name}`;
        }
        return `${arg.name}: ${literal(value)}`;
      });
    return parts.length ? `(${parts.join(", ")})` : "";
  };

  // A budget of fields per operation: random fan-out at every level would otherwise grow exponentially.
  let budget = random.chance(0.1) ? 2_000 : 200;
  const selection = (type: GraphQLObjectType, depth: number): string => {
    const all = Object.values(type.getFields());
    const fields = depth === 0 && skipFields ? all.filter((field) => !skipFields.has(field.name)) : all;
    const count = Math.max(1, Math.min(budget, 1 + random.int(random.chance(0.1) ? 40 : 4)));
    budget -= count;
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      const field = random.pick(fields);
      const alias = random.chance(0.2) ? `a${aliasCount++}: ` : "";
      const directive = random.chance(0.1)
        ? ` @include(if: ${random.chance(0.5)})`
        : random.chance(0.05)
          ? " @skip(if: false)".repeat(60)
          : "";
      const named = getNamedType(field.type);
      let inner = "";
      if (!isLeafType(named)) {
        const object = isObjectType(named) ? named : isInterfaceType(named) ? schema.getPossibleTypes(named)[0] : undefined;
        inner =
          object && depth < 25 && budget > 0 && random.chance(0.9) ? ` { ${selection(object, depth + 1)} }` : " { __typename }";
      }
      parts.push(`${alias}${field.name}${args(field.args)}${directive}${inner}`);
    }
    if (random.chance(0.05)) parts.push("...on " + type.name + " { __typename }");
    return parts.join(" ");
  };

  const body = selection(root, 0);
  const keyword = root === schema.getMutationType() ? "mutation" : "query";
  const header = definitions.length ? `${keyword} Fuzz(${definitions.join(", ")})` : `${keyword} Fuzz`;
  return { query: `${header} { ${body} }`, variables };
}

const deepJson = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

/**
 * A corpus of `count` requests from `seed`: random and adversarial documents over `schema` (real fields, hostile
 * arguments), malformed and deep JSON, random bytes, wrong shapes, odd methods and content types. Aimed at a
 * GraphQL endpoint `path`; `token` (when given) is attached to some of them.
 */
export function hostileRequests(opts: {
  schema: GraphQLSchema;
  seed: number;
  count: number;
  path?: string;
  token?: string;
  /** Root fields never generated (e.g. sign-outs, which would revoke `token` for the rest of the corpus). */
  skipRootFields?: ReadonlySet<string>;
}): HostileRequest[] {
  const random = seededRandom(opts.seed);
  const path = opts.path ?? "/graphql";
  const requests: HostileRequest[] = [];
  const json = (kind: string, body: unknown, extra: Record<string, string> = {}): HostileRequest => ({
    kind,
    method: "POST",
    path,
    headers: {
      "content-type": "application/json",
      ...(opts.token && random.chance(0.5) && { authorization: `Bearer ${opts.token}` }),
      ...extra,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const generators: Array<() => HostileRequest> = [
    () => json("document", randomOperation(opts.schema, random, opts.skipRootFields)),
    () => json("document", randomOperation(opts.schema, random, opts.skipRootFields)),
    () => json("document", randomOperation(opts.schema, random, opts.skipRootFields)),
    () => {
      const op = randomOperation(opts.schema, random, opts.skipRootFields);
      return json("document-origin", op, { origin: random.pick(["http://localhost:3000", "https://evil.example", "null"]) });
    },
    () =>
      json("garbage-token", randomOperation(opts.schema, random, opts.skipRootFields), {
        authorization: random.pick(["Bearer x.y.z", "Bearer", "Basic Zm9v", `Bearer ${"a".repeat(4000)}`]),
      }),
    () =>
      json(
        "truncated-json",
        JSON.stringify(randomOperation(opts.schema, random, opts.skipRootFields)).slice(0, 1 + random.int(60)),
      ),
    () => ({
      ...json("random-bytes", ""),
      body: Buffer.from(Array.from({ length: 1 + random.int(2_000) }, () => random.int(256))),
    }),
    () =>
      json(
        "wrong-shape",
        random.pick<unknown>([
          [],
          "query",
          42,
          null,
          { query: 42 },
          { query: "{ __typename }", variables: [] },
          { query: "{ __typename }", operationName: {} },
          { query: "{ __typename }", extensions: { persistedQuery: { version: 1, sha256Hash: "zz" } } },
          { query: "{ __typename }", unknown: true },
          { extensions: { persistedQuery: { version: 1, sha256Hash: "a".repeat(64) } } },
        ]),
      ),
    () => json("deep-variables", `{"query":"{ __typename }","variables":{"v":${deepJson(random.pick([50, 500, 20_000]))}}}`),
    () => json("many-tokens", { query: `{ ${"__typename ".repeat(random.pick([1_000, 8_000, 60_000]))}}` }),
    () => json("long-name", { query: `query ${"N".repeat(random.pick([100, 100_000]))} { __typename }` }),
    () => json("deep-selection", { query: `{ ${"a { ".repeat(300)}b${" }".repeat(300)} }` }),
    () =>
      json("introspection", {
        query: "{ __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }",
      }),
    () => ({
      kind: "form",
      method: "POST",
      path,
      headers: {
        "content-type": random.pick(["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"]),
      },
      body: `query=${encodeURIComponent(randomOperation(opts.schema, random, opts.skipRootFields).query)}`,
    }),
    () => ({
      kind: "get",
      method: "GET",
      path: `${path}?query=${encodeURIComponent(cutAtCodePoint(randomOperation(opts.schema, random, opts.skipRootFields).query, 3_000))}&variables=${encodeURIComponent(random.pick(["{", "[]", deepJson(300), "{}"]))}`,
      headers: {},
    }),
    () => ({
      kind: "odd-path",
      method: random.pick(["GET", "POST"] as const),
      path: random.pick([`${path}/`, `/${path}`, `${path}?x=1`, "/GRAPHQL", `${path}/../graphql`]),
      headers: { "content-type": "application/json" },
      body: JSON.stringify(randomOperation(opts.schema, random, opts.skipRootFields)),
    }),
  ];
  for (let i = 0; i < opts.count; i++) requests.push(random.pick(generators)());
  return requests;
}

/**
 * The first `max` UTF-16 units of `text`, without splitting a surrogate pair at the cut: half an emoji is a lone
 * surrogate, which encodeURIComponent refuses ("URI malformed") — the test's own error, not the server's.
 */
function cutAtCodePoint(text: string, max: number): string {
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
