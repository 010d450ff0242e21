// One request of the mixed social workload (mixed.ts, progressive.ts): an operation drawn with the proportions of
// scenarios.ts MIX, as the VU's viewer.
import { config, gql, uniqueId, viewerOf, type SetupData } from "./k6-client.ts";
import {
  CONVERSATIONS,
  CREATE_POST,
  FEED,
  INCREMENT_VIEW_OR_LIMITED,
  LIKE_POST,
  POST,
  SEND_MESSAGE,
  UNLIKE_POST,
} from "./operations.ts";
import { MIX, pickMixOp, type MixOp } from "./scenarios.ts";

/** Posts this VU liked (a like toggles: the next like of the same post is an unlike). Per VU, like k6's globals. */
const liked = new Set<string>();

export function runMixOp(data: SetupData, op: MixOp): void {
  const viewer = viewerOf(data);
  const postId = data.postIds[Math.floor(Math.random() * data.postIds.length)]!;
  switch (op) {
    case "feed":
      gql(FEED, { first: 20 }, viewer.token);
      break;
    case "post":
      gql(POST, { id: postId }, viewer.token);
      break;
    case "conversations":
      gql(CONVERSATIONS, { first: 20 }, viewer.token);
      break;
    case "like":
      if (liked.delete(postId)) gql(UNLIKE_POST, { postId }, viewer.token);
      else if (gql(LIKE_POST, { postId }, viewer.token)) liked.add(postId);
      break;
    case "view":
      gql(INCREMENT_VIEW_OR_LIMITED, { input: { resourceId: postId, type: "VIEW", delta: 1 } }, viewer.token);
      break;
    case "createPost":
      gql(CREATE_POST, { input: { body: uniqueId("mixed post") } }, viewer.token);
      break;
    case "sendMessage": {
      const conversation = data.conversations[(Math.max(__VU, 1) - 1) % data.conversations.length]!;
      const sender = data.viewers[conversation.members[__ITER % 2]!]!;
      const body = uniqueId("mixed-message");
      gql(SEND_MESSAGE, { input: { conversationId: conversation.id, body, clientMessageId: body } }, sender.token);
      break;
    }
  }
}

/** One iteration: one drawn operation; with PLAZA_SMOKE=1 every operation of the mix once (a quick check of all). */
export function mixedIteration(data: SetupData): void {
  if (__ENV.PLAZA_SMOKE === "1") for (const entry of MIX) runMixOp(data, entry.op);
  else runMixOp(data, pickMixOp(Math.random()));
}

export { config };
