import { badUserInput } from "@plaza/kit/domain-errors";

export interface Message {
  id: string;
  conversationId: string;
  /** 1, 2, 3, … within the conversation, without gaps. */
  seq: number;
  senderId: string;
  body: string;
  clientMessageId: string;
  createdAt: Date;
}

export const DEFAULT_MESSAGE_MAX_LENGTH = 4_000;
const CLIENT_MESSAGE_ID_MAX_LENGTH = 128;

// Invalid UTF-8 reaches a JavaScript server as a lone UTF-16 surrogate (a JSON "\ud800" escape) or as U+FFFD (what
// HTTP layers decode invalid bytes to); Postgres text cannot hold NUL. Bidirectional embeddings, overrides and isolates
// make text display differently from what it says ("Trojan Source"), as for posts.
const LONE_SURROGATE = /\p{Cs}/u;
const REPLACEMENT_CHARACTER = "\ufffd";
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

/** The body as stored: trimmed, 1..maxLength characters (code points), well-formed Unicode, no bidi controls. */
export function normalizeMessageBody(raw: string, maxLength = DEFAULT_MESSAGE_MAX_LENGTH): string {
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

/** 1..128 printable ASCII characters (a UUID, a counter, a hash: whatever the client uses). */
export function checkClientMessageId(raw: string): string {
  if (raw.length === 0 || raw.length > CLIENT_MESSAGE_ID_MAX_LENGTH || !/^[\x21-\x7e]+$/.test(raw)) {
    throw badUserInput(
      "clientMessageId",
      `clientMessageId must be 1 to ${CLIENT_MESSAGE_ID_MAX_LENGTH} printable ASCII characters`,
    );
  }
  return raw;
}

/** Unread messages: the sequence beyond the read position, never negative. */
export const unreadCount = (lastSeq: number, readSeq: number): number => Math.max(0, lastSeq - readSeq);
