import { unauthenticated } from "@plaza/kit/domain-errors";

export function requireViewer(viewerId: string | null): string {
  if (!viewerId) throw unauthenticated();
  return viewerId;
}
