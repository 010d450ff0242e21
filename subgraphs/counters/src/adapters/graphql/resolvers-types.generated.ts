import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Counter as CounterModel } from '../../domain/counter.ts';
import type { PostCountsView as PostCountsViewModel } from '../../application/counter-service.ts';
import type { CountersContext } from './context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  link__Import: { input: unknown; output: unknown; }
};

/**
 * One counter: how many times something happened to a resource. Exact: every acknowledged change is recorded durably
 * before it is acknowledged, and counts survive the loss of Redis.
 */
export type Counter = {
  __typename?: 'Counter';
  resourceId: Scalars['ID']['output'];
  type: CounterType;
  /** Counts are kept in 64 bits; a GraphQL Int reports at most 2147483647 (and never less than 0). */
  value: Scalars['Int']['output'];
};

export type CounterKey = {
  resourceId: Scalars['ID']['input'];
  type: CounterType;
};

/** What a counter counts. */
export type CounterType =
  | 'LIKE'
  | 'SHARE'
  | 'VIEW';

export type IncrementCounterInput = {
  /**
   * Positive, at most COUNTER_MAX_DELTA (default 1: one view or share); views and shares only go up. Each unit counts
   * against the viewer's rate limit for this post.
   */
  delta: Scalars['Int']['input'];
  /**
   * Makes retries safe: a key already used by the same viewer on the same counter (within
   * COUNTERS_IDEMPOTENCY_TTL_SECONDS) does not count again, is not rate-limited, and answers with the current value;
   * reused with a different delta it fails with IDEMPOTENCY_KEY_REUSED.
   */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /** A live post's id (posts are the counted resources); anything else is NOT_FOUND. */
  resourceId: Scalars['ID']['input'];
  /** VIEW or SHARE. LIKE is FORBIDDEN here: likes change only through likePost/unlikePost (one like per user). */
  type: CounterType;
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Counts views or shares of a post by the signed-in viewer (UNAUTHENTICATED otherwise); answers with the new value.
   * Rate-limited per viewer and post (RATE_LIMITED with extensions.retryAfterSeconds): by default one view per
   * minute and ten shares per hour.
   */
  incrementCounter: Counter;
  /** Likes a post as the viewer (at most one like per user: liking twice changes nothing). NOT_FOUND for unknown or deleted posts. */
  likePost: Post;
  /** Withdraws the viewer's like (a no-op when there was none). */
  unlikePost: Post;
};


export type MutationIncrementCounterArgs = {
  input: IncrementCounterInput;
};


export type MutationLikePostArgs = {
  postId: Scalars['ID']['input'];
};


export type MutationUnlikePostArgs = {
  postId: Scalars['ID']['input'];
};

/** The counters a post has, contributed to the posts subgraph's Post. */
export type Post = {
  __typename?: 'Post';
  id: Scalars['ID']['output'];
  likeCount: Scalars['Int']['output'];
  viewCount: Scalars['Int']['output'];
  /** False for anonymous viewers. */
  viewerHasLiked: Scalars['Boolean']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** A counter; 0 when nothing was ever counted. */
  counter: Counter;
  /** Several counters in one round trip to the hot store, in the order asked (at most COUNTERS_BATCH_LIMIT keys). */
  counters: Array<Counter>;
};


export type QueryCounterArgs = {
  resourceId: Scalars['ID']['input'];
  type: CounterType;
};


export type QueryCountersArgs = {
  keys: Array<CounterKey>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /** New values of a counter as they change, from any instance; at most COUNTER_UPDATES_PER_SECOND per subscriber, the latest always delivered. */
  counterChanged: Counter;
};


export type SubscriptionCounterChangedArgs = {
  resourceId: Scalars['ID']['input'];
  type: CounterType;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = {
  Post: Post;
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  Post:
    ( { __typename: 'Post' }
    & GraphQLRecursivePick<FederationTypes['Post'], {"id":true}> );
};



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Counter: ResolverTypeWrapper<CounterModel>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  CounterKey: CounterKey;
  CounterType: CounterType;
  IncrementCounterInput: IncrementCounterInput;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Post: ResolverTypeWrapper<PostCountsViewModel>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  link__Import: ResolverTypeWrapper<Scalars['link__Import']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Counter: CounterModel;
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  CounterKey: CounterKey;
  IncrementCounterInput: IncrementCounterInput;
  Mutation: Record<PropertyKey, never>;
  Post: PostCountsViewModel;
  Query: Record<PropertyKey, never>;
  Subscription: Record<PropertyKey, never>;
  link__Import: Scalars['link__Import']['output'];
  String: Scalars['String']['output'];
  Boolean: Scalars['Boolean']['output'];
};

export type InaccessibleDirectiveArgs = { };

export type InaccessibleDirectiveResolver<Result, Parent, ContextType = CountersContext, Args = InaccessibleDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type LinkDirectiveArgs = {
  as?: Maybe<Scalars['String']['input']>;
  for?: Maybe<Scalars['String']['input']>;
  import?: Maybe<Array<Maybe<Scalars['link__Import']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<Result, Parent, ContextType = CountersContext, Args = LinkDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ShareableDirectiveArgs = { };

export type ShareableDirectiveResolver<Result, Parent, ContextType = CountersContext, Args = ShareableDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type CounterResolvers<ContextType = CountersContext, ParentType extends ResolversParentTypes['Counter'] = ResolversParentTypes['Counter']> = {
  resourceId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['CounterType'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = CountersContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  incrementCounter?: Resolver<ResolversTypes['Counter'], ParentType, ContextType, RequireFields<MutationIncrementCounterArgs, 'input'>>;
  likePost?: Resolver<ResolversTypes['Post'], ParentType, ContextType, RequireFields<MutationLikePostArgs, 'postId'>>;
  unlikePost?: Resolver<ResolversTypes['Post'], ParentType, ContextType, RequireFields<MutationUnlikePostArgs, 'postId'>>;
};

export type PostResolvers<ContextType = CountersContext, ParentType extends ResolversParentTypes['Post'] = ResolversParentTypes['Post'], FederationReferenceType extends FederationReferenceTypes['Post'] = FederationReferenceTypes['Post']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Post']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  likeCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  viewCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  viewerHasLiked?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = CountersContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  counter?: Resolver<ResolversTypes['Counter'], ParentType, ContextType, RequireFields<QueryCounterArgs, 'resourceId' | 'type'>>;
  counters?: Resolver<Array<ResolversTypes['Counter']>, ParentType, ContextType, RequireFields<QueryCountersArgs, 'keys'>>;
};

export type SubscriptionResolvers<ContextType = CountersContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  counterChanged?: SubscriptionResolver<ResolversTypes['Counter'], "counterChanged", ParentType, ContextType, RequireFields<SubscriptionCounterChangedArgs, 'resourceId' | 'type'>>;
};

export interface Link__ImportScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['link__Import'], any> {
  name: 'link__Import';
}

export type Resolvers<ContextType = CountersContext> = {
  Counter?: CounterResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Post?: PostResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  link__Import?: GraphQLScalarType;
};

export type DirectiveResolvers<ContextType = CountersContext> = {
  inaccessible?: InaccessibleDirectiveResolver<any, any, ContextType>;
  link?: LinkDirectiveResolver<any, any, ContextType>;
  shareable?: ShareableDirectiveResolver<any, any, ContextType>;
};
