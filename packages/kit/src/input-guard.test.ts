import { describe, expect, it } from "vitest";
import { parse, print, type ExecutionResult } from "graphql";
import { hasRefusedCharacter, refuseUnsafeInput } from "./input-guard.ts";

const PLAIN = parse("mutation ($input: In!) { write(input: $input) }");

/** The refusal's field and code, or undefined when the operation may run. */
function refusal(result: ExecutionResult | undefined) {
  if (!result) return undefined;
  expect(result.data).toBeUndefined();
  expect(result.errors).toHaveLength(1);
  const [error] = result.errors!;
  expect(error!.message).toBe(`${error!.extensions.field as string} must not contain control characters or unpaired surrogates`);
  return error!.extensions;
}

const variables = (value: unknown) => refusal(refuseUnsafeInput(PLAIN, { input: value }));

describe("hasRefusedCharacter", () => {
  it.each([
    ["NUL", "\u0000"],
    ["U+0001", "\u0001"],
    ["backspace U+0008", "\u0008"],
    ["vertical tab U+000B", "\u000b"],
    ["form feed U+000C", "\u000c"],
    ["U+000E", "\u000e"],
    ["escape U+001B", "\u001b"],
    ["U+001F", "\u001f"],
    ["DEL U+007F", "\u007f"],
    ["C1 U+0080", "\u0080"],
    ["C1 NEL U+0085", "\u0085"],
    ["C1 U+009F", "\u009f"],
    ["a lone high surrogate", "\ud800"],
    ["a lone low surrogate", "\udfff"],
    ["a low surrogate before a high one", "\udc00\ud800"],
  ])("refuses %s anywhere in a string", (_, char) => {
    expect(hasRefusedCharacter(char)).toBe(true);
    expect(hasRefusedCharacter(`abc${char}`)).toBe(true);
    expect(hasRefusedCharacter(`${char}abc`)).toBe(true);
    expect(hasRefusedCharacter(`a${char}b`)).toBe(true);
  });

  it.each([
    ["tab, LF and CR", "line one\r\nline two\tand a tab\n"],
    ["the space and printable ASCII", " !~azAZ09"],
    ["U+00A0 and the first printable Latin-1 characters", "\u00a0¡é"],
    ["emoji (surrogate pairs)", "😀👍🏽👨‍👩‍👧"],
    ["other scripts", "日本語 العربية עברית"],
    ["the empty string", ""],
  ])("allows %s", (_, text) => {
    expect(hasRefusedCharacter(text)).toBe(false);
  });
});

describe("refuseUnsafeInput: variables", () => {
  it("lets clean variables and operations without variables run", () => {
    expect(refuseUnsafeInput(PLAIN, undefined)).toBeUndefined();
    expect(refuseUnsafeInput(PLAIN, null)).toBeUndefined();
    expect(refuseUnsafeInput(PLAIN, {})).toBeUndefined();
    expect(variables({ body: "two\nlines\tand\r\n", n: 1, ok: true, none: null, list: ["a", 1, [null, "b"]] })).toBeUndefined();
  });

  it("names the variable and the path inside it", () => {
    expect(variables("\u0000")).toEqual({ field: "input", code: "BAD_USER_INPUT" });
    expect(variables({ resourceId: "post\u0000" })).toEqual({ field: "input.resourceId", code: "BAD_USER_INPUT" });
    expect(refusal(refuseUnsafeInput(PLAIN, { keys: [{ resourceId: "a" }, { resourceId: "\u0007" }] }))).toMatchObject({
      field: "keys[1].resourceId",
    });
    expect(variables({ a: { b: [[{ c: ["ok", "\u009b"] }]] } })).toMatchObject({ field: "input.a.b[0][0].c[1]" });
    expect(variables(["\ud800"])).toMatchObject({ field: "input[0]" });
  });

  it("refuses a refused character in an object key (the object's path names it)", () => {
    expect(variables({ nested: { "bad\u0000key": "value" } })).toMatchObject({ field: "input.nested" });
    expect(refusal(refuseUnsafeInput(PLAIN, { "\u0000": "x" }))).toMatchObject({ field: "variables" });
  });

  it("walks hostile nesting without exhausting the stack", () => {
    const depth = 200_000;
    const deepList = JSON.parse(`${"[".repeat(depth)}"\\u0000"${"]".repeat(depth)}`) as unknown;
    const result = refusal(refuseUnsafeInput(PLAIN, { deep: deepList }));
    expect(result?.field).toBe(`deep${"[0]".repeat(15)}…`);
    // The answer echoes a bounded path, whatever the input.
    expect(variables({ ["k".repeat(10_000)]: "\u0000" })?.field).toBe(`input.${"k".repeat(64)}…`);
    const deepObject = JSON.parse(`${'{"a":'.repeat(depth)}"clean"${"}".repeat(depth)}`) as unknown;
    expect(refuseUnsafeInput(PLAIN, { deep: deepObject })).toBeUndefined();
  });
});

describe("refuseUnsafeInput: literals in the document", () => {
  const literal = (query: string) => refusal(refuseUnsafeInput(parse(query), undefined));

  it("lets documents with clean literals run", () => {
    expect(literal('mutation { write(input: { body: "two\\nlines\\tok", tags: ["a", "b"] }) }')).toBeUndefined();
    expect(literal('query ($id: ID = "x") { read(id: $id) @tag(name: "ok") }')).toBeUndefined();
    expect(literal('{ read(text: """a block\n\tstring""") }')).toBeUndefined();
  });

  it.each([
    ["an argument", '{ read(id: "a\\u0000") }', "id"],
    ["an input object field", 'mutation { incrementCounter(input: { resourceId: "\\u0000", delta: 1 }) }', "input.resourceId"],
    ["a list item", '{ counters(keys: ["ok", "\\u0008"]) }', "keys[1]"],
    ["an object in a list", '{ counters(keys: [{ resourceId: "a" }, { resourceId: "\\u007f" }]) }', "keys[1].resourceId"],
    ["a list in an object in a list", '{ f(a: [{ b: [["x", "\\u001b"]] }]) }', "a[0].b[0][1]"],
    ["a variable's default value", 'query ($id: ID = "\\u0000") { read(id: $id) }', "id"],
    ["a default inside an input object", 'query ($in: In = { deep: { s: "\\u0085" } }) { read(in: $in) }', "in.deep.s"],
    ["a directive argument", '{ read @tag(name: "\\u0001") }', "name"],
    ["a nested field's argument", '{ user(id: "u") { posts(after: "\\u0001") { id } } }', "after"],
    ["a fragment's argument", '{ ...F } fragment F on Query { read(id: "\\u000c") }', "id"],
    ["another operation of the document", 'query A { ok } query B { read(id: "\\u0000") }', "id"],
    ["a block string", '{ read(text: """\\u0000 is not an escape here, but this is: \u0000""") }', "text"],
  ])("refuses a refused character in %s", (_, query, field) => {
    expect(literal(query)).toEqual({ field, code: "BAD_USER_INPUT" });
  });

  it("judges literals before variables, and remembers a document's verdict", () => {
    const document = parse('mutation ($input: In!) { write(input: $input, note: "\\u0000") }');
    expect(refusal(refuseUnsafeInput(document, { input: { body: "\u0000" } }))).toMatchObject({ field: "note" });
    // The verdict is kept per document object: the same text parsed again is judged again, with the same answer.
    expect(refusal(refuseUnsafeInput(document, undefined))).toMatchObject({ field: "note" });
    expect(refusal(refuseUnsafeInput(parse(print(document)), undefined))).toMatchObject({ field: "note" });
    const clean = parse('mutation ($input: In!) { write(input: $input, note: "fine") }');
    expect(refuseUnsafeInput(clean, undefined)).toBeUndefined();
    expect(refusal(refuseUnsafeInput(clean, { input: { body: "\u0000" } }))).toMatchObject({ field: "input.body" });
    expect(refuseUnsafeInput(clean, { input: { body: "fine" } })).toBeUndefined();
  });

  it("answers a fresh error each time (nothing shared between requests)", () => {
    const document = parse('{ read(id: "\\u0000") }');
    expect(refuseUnsafeInput(document, undefined)!.errors![0]).not.toBe(refuseUnsafeInput(document, undefined)!.errors![0]);
  });
});
