// Each HTTP scenario's request sequence for the Node driver, as its k6 script sends it (loadtest/k6/*.ts).
import {
  CONVERSATIONS,
  CREATE_POST,
  FEED,
  INCREMENT_VIEW,
  INCREMENT_VIEW_OR_LIMITED,
  LIKE_POST,
  POST,
  SEND_MESSAGE,
  UNLIKE_POST,
} from "../../k6/lib/operations.ts";
import { pickMixOp, type ScenarioName } from "../../k6/lib/scenarios.ts";
import type { Connection, Step, StepFn } from "./http-driver.ts";
import type { LocalSetup } from "./setup.ts";

let sequence = 0;
const unique = (prefix: string, c: Connection) => `${prefix}-${c.vu}-${c.iteration}-${++sequence}-${Date.now().toString(36)}`;

function mixedStep(setup: LocalSetup, c: Connection): Step {
  const token = setup.viewers[(c.vu - 1) % setup.viewers.length]!.token;
  const postId = setup.postIds[Math.floor(Math.random() * setup.postIds.length)]!;
  switch (pickMixOp(Math.random())) {
    case "feed":
      return { op: FEED, variables: { first: 20 }, token };
    case "post":
      return { op: POST, variables: { id: postId }, token };
    case "conversations":
      return { op: CONVERSATIONS, variables: { first: 20 }, token };
    case "like":
      if (c.liked.delete(postId)) return { op: UNLIKE_POST, variables: { postId }, token };
      c.liked.add(postId);
      return { op: LIKE_POST, variables: { postId }, token };
    case "view":
      return { op: INCREMENT_VIEW_OR_LIMITED, variables: { input: { resourceId: postId, type: "VIEW", delta: 1 } }, token };
    case "createPost":
      return { op: CREATE_POST, variables: { input: { body: unique("mixed post", c) } }, token };
    case "sendMessage": {
      const conversation = setup.conversations[(c.vu - 1) % setup.conversations.length]!;
      const sender = setup.viewers[conversation.members[c.iteration % 2]!]!;
      const body = unique("mixed-message", c);
      return {
        op: SEND_MESSAGE,
        variables: { input: { conversationId: conversation.id, body, clientMessageId: body } },
        token: sender.token,
      };
    }
  }
}

export function stepsFor(scenario: Exclude<ScenarioName, "chat-send-receive">, setup: LocalSetup): StepFn {
  const viewer = (c: Connection) => setup.viewers[(c.vu - 1) % setup.viewers.length]!.token;
  switch (scenario) {
    case "feed-read":
      return (c) => ({ op: FEED, variables: { first: 20 }, token: viewer(c) });
    case "post-write":
      return (c) => ({ op: CREATE_POST, variables: { input: { body: unique("load test post", c) } }, token: viewer(c) });
    case "counter-increment":
      return (c) => ({
        op: INCREMENT_VIEW,
        variables: {
          input: { resourceId: setup.postIds[(c.vu * 7919 + c.iteration) % setup.postIds.length], type: "VIEW", delta: 1 },
        },
        token: viewer(c),
      });
    case "likes":
      return (c) => {
        if (c.pendingUnlike) {
          const postId = c.pendingUnlike;
          c.pendingUnlike = undefined;
          return { op: UNLIKE_POST, variables: { postId }, token: viewer(c) };
        }
        const postId = setup.postIds[(c.vu - 1 + c.iteration * 131) % setup.postIds.length]!;
        c.pendingUnlike = postId;
        return { op: LIKE_POST, variables: { postId }, token: viewer(c) };
      };
    case "mixed":
    case "progressive":
      return (c) => mixedStep(setup, c);
  }
}
