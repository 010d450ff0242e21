import { badUserInput } from "@plaza/kit/domain-errors";

export interface Post {
  id: string;
  authorId: string;
  body: string;
  createdAt: Date;
}

export const DEFAULT_POST_MAX_LENGTH = 5_000;

// Invalid UTF-8 reaches a JavaScript server in two shapes: a lone UTF-16 surrogate (a JSON "\ud800" escape, which
// no UTF-8 encoding exists for) and U+FFFD, the replacement character HTTP layers (the router's included) decode
// invalid byte sequences to. Both are refused. NUL is valid UTF-8 but Postgres text cannot store it.
const LONE_SURROGATE = /\p{Cs}/u;
const REPLACEMENT_CHARACTER = "\ufffd";
// Bidirectional embeddings, overrides and isolates reorder how text shows, not what it says: "Trojan Source"
// spoofing (a link or file name that reads differently from what it is), and an unclosed override can reorder the
// page around a post. Right-to-left text needs none of them: the left-to-right, right-to-left and Arabic letter
// marks (U+200E, U+200F, U+061C), which cannot reorder runs, stay allowed, as do other format characters
// (zero-width joiners for emoji and scripts).
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

/**
 * The body as stored: surrounding whitespace trimmed, 1..maxLength characters (Unicode code points, so an emoji
 * counts once), well-formed Unicode, no bidirectional embeddings, overrides or isolates.
 */
export function normalizeBody(raw: string, maxLength = DEFAULT_POST_MAX_LENGTH): string {
  if (LONE_SURROGATE.test(raw) || raw.includes(REPLACEMENT_CHARACTER)) throw badUserInput("body", "Body is not valid UTF-8 text");
  if (raw.includes("\u0000")) throw badUserInput("body", "Body must not contain NUL characters");
  if (BIDI_CONTROLS.test(raw)) {
    throw badUserInput("body", "Body must not contain bidirectional embedding, override or isolate characters");
  }
  const body = raw.trim();
  if (body.length === 0) throw badUserInput("body", "Body must not be empty");
  // Cheap bound first: a string has at least length/2 code points.
  if (body.length > maxLength * 2 || [...body].length > maxLength) {
    throw badUserInput("body", `Body must be at most ${maxLength} characters`);
  }
  return body;
}
