import { forbidden } from "@plaza/kit/domain-errors";
import { normalizeBody, type Post } from "../domain/post.ts";
import type { PostRepository } from "./ports/post-repository.port.ts";
import { postCreated, postDeleted } from "./post-events.ts";
import { requireViewer } from "./viewer.ts";

export async function createPost(
  deps: { posts: PostRepository; maxBodyLength: number },
  viewerId: string | null,
  input: { body: string },
): Promise<Post> {
  const authorId = requireViewer(viewerId);
  const body = normalizeBody(input.body, deps.maxBodyLength);
  return deps.posts.create({ authorId, body }, postCreated);
}

/** True when the post was deleted now; false when it does not exist (deleting is idempotent). */
export async function deletePost(posts: PostRepository, viewerId: string | null, postId: string): Promise<boolean> {
  const authorId = requireViewer(viewerId);
  const [post] = await posts.findByIds([postId]);
  if (!post) return false;
  if (post.authorId !== authorId) throw forbidden("You can only delete your own posts");
  return posts.delete(postId, authorId, postDeleted(postId, authorId));
}
