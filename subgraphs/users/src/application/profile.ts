import { badUserInput, notFound, unauthenticated } from "@plaza/kit/domain-errors";
import { normalizeBio, normalizeDisplayName, type User } from "../domain/user.ts";
import type { ProfilePatch, UserRepository } from "./ports/user-repository.port.ts";
import { followed, profileUpdated, unfollowed } from "./user-events.ts";

export function requireViewer(viewerId: string | null): string {
  if (!viewerId) throw unauthenticated();
  return viewerId;
}

export async function updateProfile(
  users: UserRepository,
  viewerId: string | null,
  input: { displayName?: string | null; bio?: string | null },
): Promise<User> {
  const id = requireViewer(viewerId);
  const patch: ProfilePatch = {};
  if (input.displayName !== undefined) {
    if (input.displayName === null) throw badUserInput("displayName", "Display name cannot be null");
    patch.displayName = normalizeDisplayName(input.displayName);
  }
  if (input.bio !== undefined) patch.bio = normalizeBio(input.bio);
  const user = await users.updateProfile(id, patch, profileUpdated);
  if (!user) throw notFound("Viewer no longer exists");
  return user;
}

export async function follow(users: UserRepository, viewerId: string | null, userId: string): Promise<void> {
  const followerId = requireViewer(viewerId);
  if (followerId === userId) throw badUserInput("userId", "You cannot follow yourself");
  const [target] = await users.findByIds([userId]);
  if (!target) throw notFound("User not found");
  await users.follow(followerId, userId, followed(followerId, userId));
  await users.reconcileFollowerIndex(followerId, userId);
}

export async function unfollow(users: UserRepository, viewerId: string | null, userId: string): Promise<void> {
  const followerId = requireViewer(viewerId);
  if (followerId === userId) throw badUserInput("userId", "You cannot unfollow yourself");
  await users.unfollow(followerId, userId, unfollowed(followerId, userId));
  await users.reconcileFollowerIndex(followerId, userId);
}
