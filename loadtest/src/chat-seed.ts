// Shared by the chat benchmarks: two-member conversations seeded through the router's public API.
import { inParallel, routerGql } from "./public-api.ts";

export interface ChatMember {
  token: string;
  id: string;
}

export interface SeededConversation {
  id: string;
  members: [ChatMember, ChatMember];
}

/** `count` two-member conversations of fresh users (2 × count sign-ups), started through the router. */
export async function seedConversations(url: string, count: number): Promise<SeededConversation[]> {
  const run = Date.now().toString(36);
  const users = await inParallel(Array.from({ length: count * 2 }), 8, async (_, i) => {
    const handle = `c${run}_${i}`;
    const { signUp } = await routerGql<{ signUp: { token: string; user: { id: string } } }>(
      url,
      "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }",
      { input: { email: `${handle}@bench.local`, password: "bench-password-1", handle, displayName: `Bench ${i}` } },
    );
    return { token: signUp.token, id: signUp.user.id };
  });
  return inParallel(Array.from({ length: count }), 8, async (_, i) => {
    const members: [ChatMember, ChatMember] = [users[2 * i]!, users[2 * i + 1]!];
    const { startConversation } = await routerGql<{ startConversation: { id: string } }>(
      url,
      "mutation ($ids: [ID!]!) { startConversation(memberIds: $ids) { id } }",
      { ids: [members[1].id] },
      members[0].token,
    );
    return { id: startConversation.id, members };
  });
}
