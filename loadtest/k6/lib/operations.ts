// The GraphQL operations the k6 scenarios and the Node driver (`npm run loadtest -- <scenario> --local`) send, with
// what a correct answer looks like. No k6 imports: both runtimes use this one module.

/** One operation: its text, and what its `data` must look like for the request to count as a success. */
export interface Operation {
  name: string;
  query: string;
  /** True when `data` is the answer a working supergraph gives. */
  expect(data: unknown): boolean;
  /** Error codes that are a correct answer too (e.g. a view refused by its rate limit in the mixed workload). */
  acceptCodes?: readonly string[];
}

/** `value` at `path` (dot-separated keys), or undefined. */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const isId = (value: unknown) => typeof value === "string" && value.length > 0;
const isList = (value: unknown) => Array.isArray(value);

export const SIGN_IN: Operation = {
  name: "SignIn",
  query:
    "mutation SignIn($email: String!, $password: String!) { signIn(email: $email, password: $password) { token user { id handle } } }",
  expect: (data) => isId(at(data, "signIn.token")) && isId(at(data, "signIn.user.id")),
};

export const SIGN_UP: Operation = {
  name: "SignUp",
  query: "mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id handle } } }",
  expect: (data) => isId(at(data, "signUp.token")) && isId(at(data, "signUp.user.id")),
};

export const FOLLOW: Operation = {
  name: "Follow",
  query: "mutation Follow($userId: ID!) { follow(userId: $userId) { id } }",
  expect: (data) => isId(at(data, "follow.id")),
};

export const MY_POSTS: Operation = {
  name: "MyPosts",
  query:
    "query MyPosts($first: Int!, $after: String) { me { id posts(first: $first, after: $after) { edges { node { body } } pageInfo { hasNextPage endCursor } } } }",
  expect: (data) => isList(at(data, "me.posts.edges")),
};

/** The home timeline with what a client shows of each post: author (users) and counts (counters) joined in. */
export const FEED: Operation = {
  name: "Feed",
  query:
    "query Feed($first: Int!) { feed(first: $first) { edges { node { id body createdAt author { handle displayName } likeCount viewerHasLiked } } pageInfo { hasNextPage endCursor } } }",
  expect: (data) => isList(at(data, "feed.edges")) && typeof at(data, "feed.pageInfo.hasNextPage") === "boolean",
};

export const POST: Operation = {
  name: "Post",
  query: "query Post($id: ID!) { post(id: $id) { id body author { handle } likeCount viewCount } }",
  expect: (data) => isId(at(data, "post.id")) && typeof at(data, "post.likeCount") === "number",
};

export const CREATE_POST: Operation = {
  name: "CreatePost",
  query: "mutation CreatePost($input: CreatePostInput!) { createPost(input: $input) { id body } }",
  expect: (data) => isId(at(data, "createPost.id")),
};

export const LIKE_POST: Operation = {
  name: "LikePost",
  query: "mutation LikePost($postId: ID!) { likePost(postId: $postId) { id likeCount viewerHasLiked } }",
  expect: (data) => at(data, "likePost.viewerHasLiked") === true && (at(data, "likePost.likeCount") as number) >= 1,
};

export const UNLIKE_POST: Operation = {
  name: "UnlikePost",
  query: "mutation UnlikePost($postId: ID!) { unlikePost(postId: $postId) { id likeCount viewerHasLiked } }",
  expect: (data) => at(data, "unlikePost.viewerHasLiked") === false && typeof at(data, "unlikePost.likeCount") === "number",
};

export const INCREMENT_VIEW: Operation = {
  name: "IncrementCounter",
  query:
    "mutation IncrementCounter($input: IncrementCounterInput!) { incrementCounter(input: $input) { resourceId type value } }",
  expect: (data) => at(data, "incrementCounter.type") === "VIEW" && (at(data, "incrementCounter.value") as number) >= 1,
};

/** A view in the mixed workload: a viewer re-reading a post within the view limit's window is refused, correctly. */
export const INCREMENT_VIEW_OR_LIMITED: Operation = { ...INCREMENT_VIEW, acceptCodes: ["RATE_LIMITED"] };

export const CONVERSATIONS: Operation = {
  name: "Conversations",
  query:
    "query Conversations($first: Int!) { conversations(first: $first) { edges { node { id unreadCount lastMessage { body } } } } }",
  expect: (data) => isList(at(data, "conversations.edges")),
};

export const START_CONVERSATION: Operation = {
  name: "StartConversation",
  query: "mutation StartConversation($memberIds: [ID!]!) { startConversation(memberIds: $memberIds) { id } }",
  expect: (data) => isId(at(data, "startConversation.id")),
};

export const SEND_MESSAGE: Operation = {
  name: "SendMessage",
  query: "mutation SendMessage($input: SendMessageInput!) { sendMessage(input: $input) { id body } }",
  expect: (data) => isId(at(data, "sendMessage.id")),
};

/** Subscribed over graphql-ws at the router; `body` identifies the message a scenario sent. */
export const MESSAGE_ADDED =
  "subscription MessageAdded($conversationId: ID!) { messageAdded(conversationId: $conversationId) { id body sender { handle } } }";

/** The errors of a GraphQL response that are not among `op.acceptCodes`. */
export function unexpectedErrors(op: Operation, errors: unknown): unknown[] {
  if (!Array.isArray(errors)) return [];
  return errors.filter((error) => !op.acceptCodes?.includes(String(at(error, "extensions.code"))));
}

/** Whether a parsed GraphQL response is a correct answer to `op`. */
export function answerIsCorrect(op: Operation, response: unknown): boolean {
  const errors = at(response, "errors");
  if (Array.isArray(errors) && errors.length > 0) return unexpectedErrors(op, errors).length === 0;
  return op.expect(at(response, "data"));
}
