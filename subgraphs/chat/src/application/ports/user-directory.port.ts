/** The users subgraph, owner of the truth about which users exist. */
export interface UserDirectory {
  /** The ids among `ids` that name existing users; rejects when the users subgraph cannot answer. */
  existing(ids: readonly string[]): Promise<Set<string>>;
}
