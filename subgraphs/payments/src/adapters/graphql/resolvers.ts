import { badUserInput, DateTime } from "@plaza/kit";
import { decodeOptionalCursor, encodeCursor, PaginationInputError } from "@plaza/sharding";
import type { Payment } from "../../domain/payment.ts";
import { requireViewer } from "../../application/viewer.ts";
import type { PaymentsContext } from "./context.ts";
import type { Resolvers } from "./resolvers-types.generated.ts";

function pageSize(first: number | null | undefined, max: number): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 0 || size > max) throw badUserInput("first", `first must be between 0 and ${max}`);
  return size;
}

function decodeAfter(after: string | null | undefined): { createdAt: Date; id: string } | null {
  try {
    const position = decodeOptionalCursor(after, "date");
    return position && { createdAt: position.key as Date, id: position.id };
  } catch (err) {
    if (err instanceof PaginationInputError) throw badUserInput("after", "Cursor is invalid");
    throw err;
  }
}

/** Payments are private: anyone but their owner sees nothing (null), as if they did not exist. */
const ownedBy = (payment: Payment | null, viewerId: string | null) => (payment && payment.userId === viewerId ? payment : null);

export const resolvers: Resolvers = {
  DateTime,
  Query: {
    payment: async (_: unknown, args, ctx: PaymentsContext) => ownedBy(await ctx.paymentLoader.load(args.id), ctx.viewerId),
  },
  Mutation: {
    createPayment: async (_: unknown, args, ctx: PaymentsContext) => {
      const payment = await ctx.services.payments.create(ctx.viewerId, args.input, args.idempotencyKey);
      ctx.paymentLoader.prime(payment.id, payment);
      return payment;
    },
    refundPayment: async (_: unknown, args, ctx: PaymentsContext) => {
      const payment = await ctx.services.payments.refund(ctx.viewerId, args.id, args.amount, args.idempotencyKey);
      ctx.paymentLoader.clear(payment.id).prime(payment.id, payment);
      return payment;
    },
  },
  Subscription: {
    paymentUpdated: {
      subscribe: async (_: unknown, args, ctx: PaymentsContext) =>
        ctx.services.live.subscribe(requireViewer(ctx.viewerId), args.id, ctx.identity.tokenExp),
      resolve: (payment: Payment) => payment,
    },
  },
  Payment: {
    __resolveReference: async (ref: { id: string }, ctx: PaymentsContext) =>
      ownedBy(await ctx.paymentLoader.load(ref.id), ctx.viewerId),
    user: (payment: Payment) => ({ __typename: "User", id: payment.userId }),
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    payments: async (user: { id: string }, args, ctx: PaymentsContext) => {
      const first = pageSize(args.first, ctx.services.maxPageSize);
      const after = decodeAfter(args.after);
      if (user.id !== ctx.viewerId) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
      const page = await ctx.services.payments.listByUser(user.id, first, after);
      for (const payment of page.payments) ctx.paymentLoader.prime(payment.id, payment);
      const edges = page.payments.map((node) => ({ cursor: encodeCursor(node.createdAt, node.id), node }));
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
    },
    membership: async (user: { id: string }, _args, ctx: PaymentsContext) =>
      user.id === ctx.viewerId ? ctx.services.payments.membership(user.id) : null,
  },
};
