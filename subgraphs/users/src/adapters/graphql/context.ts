import DataLoader from "dataloader";
import type { BaseContext } from "@plaza/kit";
import type { AuthDeps } from "../../application/auth.ts";
import type { User } from "../../domain/user.ts";
import type { UserRepository } from "../../application/ports/user-repository.port.ts";
import type { SessionStore } from "../../application/ports/session-store.port.ts";
import type { AuthResult } from "../../application/auth.ts";

export interface UsersServices extends AuthDeps {
  signIn(input: { email: string; password: string; clientIp?: string }): Promise<AuthResult>;
  sessions: SessionStore;
}

export interface UsersContext extends BaseContext {
  services: UsersServices;
  users: UserRepository;
  /** Per request: every by-id lookup in one request becomes one query per shard. */
  userLoader: DataLoader<string, User | null>;
}

export function createUsersContext(services: UsersServices) {
  return (base: BaseContext): UsersContext => ({
    ...base,
    services,
    users: services.users,
    userLoader: new DataLoader((ids: readonly string[]) => services.users.findByIds(ids), { maxBatchSize: 500 }),
  });
}
