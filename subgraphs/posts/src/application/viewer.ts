import { unauthenticated } from "@plaza/kit";

export function requireViewer(viewerId: string | null): string {
  if (!viewerId) throw unauthenticated();
  return viewerId;
}
