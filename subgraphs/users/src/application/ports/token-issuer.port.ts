export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export interface TokenIssuer {
  issue(userId: string): Promise<IssuedToken>;
}
