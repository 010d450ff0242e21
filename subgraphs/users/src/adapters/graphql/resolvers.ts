import { badUserInput, DateTime } from "@plaza/kit";
import { normalizeHandle, type User } from "../../domain/user.ts";
import { signUp } from "../../application/auth.ts";
import { follow, unfollow, updateProfile } from "../../application/profile.ts";
import { sessionActive, signOut, signOutEverywhere } from "../../application/sessions.ts";
import type { EdgePage } from "../../application/ports/user-repository.port.ts";
import type { UsersContext } from "./context.ts";
import type { Resolvers } from "./resolvers-types.generated.ts";

export const MAX_PAGE_SIZE = 100;

function pageSize(first: number | null | undefined): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badUserInput("first", `first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}

async function toConnection(page: EdgePage, ctx: UsersContext) {
  const nodes = await ctx.userLoader.loadMany(page.edges.map((e) => e.userId));
  const edges = page.edges.flatMap((edge, i) => {
    const node = nodes[i];
    // An edge to a user that no longer exists is skipped rather than failing the whole page.
    return node && !(node instanceof Error) ? [{ cursor: edge.cursor, node }] : [];
  });
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.edges.at(-1)?.cursor ?? null } };
}

type PageArgs = { first?: number | null; after?: string | null };

const authPayload = (result: { token: string; expiresAt: Date; user: User }) => result;

export const resolvers: Resolvers = {
  DateTime,
  Query: {
    me: (_: unknown, __: unknown, ctx: UsersContext) => (ctx.viewerId ? ctx.userLoader.load(ctx.viewerId) : null),
    user: (_: unknown, args: { id: string }, ctx: UsersContext) => ctx.userLoader.load(args.id),
    userByHandle: async (_: unknown, args: { handle: string }, ctx: UsersContext) => {
      let handle: string;
      try {
        handle = normalizeHandle(args.handle);
      } catch {
        return null; // a handle that cannot exist is simply not found
      }
      const id = await ctx.users.findIdByHandle(handle);
      return id ? ctx.userLoader.load(id) : null;
    },
    _sessionActive: (_: unknown, args: { sessionId?: string | null; tokenVersion: number }, ctx: UsersContext) =>
      sessionActive(ctx.services.sessions, ctx.viewerId, args.sessionId ?? null, args.tokenVersion),
  },
  Mutation: {
    signUp: async (
      _: unknown,
      args: { input: { email: string; password: string; handle: string; displayName: string } },
      ctx: UsersContext,
    ) => authPayload(await signUp(ctx.services, args.input, ctx.identity.clientIp)),
    signIn: async (_: unknown, args: { email: string; password: string }, ctx: UsersContext) =>
      authPayload(await ctx.services.signIn({ email: args.email, password: args.password, clientIp: ctx.identity.clientIp })),
    signOut: (_: unknown, __: unknown, ctx: UsersContext) => signOut(ctx.services.sessions, ctx.identity),
    signOutEverywhere: (_: unknown, __: unknown, ctx: UsersContext) => signOutEverywhere(ctx.services.sessions, ctx.identity),
    updateProfile: async (
      _: unknown,
      args: { input: { displayName?: string | null; bio?: string | null } },
      ctx: UsersContext,
    ) => {
      const user = await updateProfile(ctx.users, ctx.viewerId, args.input);
      ctx.userLoader.clear(user.id).prime(user.id, user);
      return user;
    },
    follow: async (_: unknown, args: { userId: string }, ctx: UsersContext) => {
      await follow(ctx.users, ctx.viewerId, args.userId);
      return (await ctx.userLoader.clear(args.userId).load(args.userId))!; // follow() has just found this user
    },
    unfollow: async (_: unknown, args: { userId: string }, ctx: UsersContext) => {
      await unfollow(ctx.users, ctx.viewerId, args.userId);
      const user = await ctx.userLoader.clear(args.userId).load(args.userId);
      if (!user) throw badUserInput("userId", "User not found");
      return user;
    },
  },
  User: {
    __resolveReference: (ref: { id: string }, ctx: UsersContext) => ctx.userLoader.load(ref.id),
    followers: async (user: User, args: PageArgs, ctx: UsersContext) =>
      toConnection(await ctx.users.listFollowers(user.id, pageSize(args.first), args.after ?? null), ctx),
    following: async (user: User, args: PageArgs, ctx: UsersContext) =>
      toConnection(await ctx.users.listFollowing(user.id, pageSize(args.first), args.after ?? null), ctx),
  },
};
