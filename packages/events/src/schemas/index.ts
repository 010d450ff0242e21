// Importing a schema module registers its events; add new domains here.
import type { CounterEvent } from "./counters.ts";
import type { PaymentEvent } from "./payments.ts";
import type { PostEvent } from "./posts.ts";
import type { UserEvent } from "./users.ts";
import type { ChatEvent } from "./chat.ts";

export * from "./counters.ts";
export * from "./payments.ts";
export * from "./posts.ts";
export * from "./users.ts";
export * from "./chat.ts";

/** Every event the platform knows, as a discriminated union on `type`. */
export type PlazaEvent = UserEvent | PostEvent | CounterEvent | ChatEvent | PaymentEvent;
