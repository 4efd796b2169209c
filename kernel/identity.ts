import { createHash } from 'node:crypto';

/** Who may do what: the roles, and the signed-in user every route and socket asks about. */
export const roles = ['admin', 'specialist', 'responder', 'family'] as const;
export type Role = (typeof roles)[number];

export interface SignedInUser {
  username: string;
  role: Role;
  orgUnitId: string | null;
  /** The user sees and acts on org units whose path starts with this; `/` is the whole hub. */
  scopePath: string;
  /** When the sign-in ends (ms); a live socket is dropped then. */
  sessionExpiresAt?: number;
}

/** Turns a bearer token into its user (null: unknown or expired); the registry's accounts do it. */
export interface TokenCheck {
  authenticate(token: string | undefined): Promise<SignedInUser | null>;
}

/** Sign-ins that end before their time (a logout) are announced by their token's digest. */
export interface SessionEnds {
  readonly sessionsEnded: { subscribe(listener: (tokenDigest: string) => void): () => void };
}

/** How a bearer token is stored and announced: never the token itself. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
