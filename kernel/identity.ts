/** Who may do what: the roles, and the signed-in user every route and socket asks about. */
export const roles = ['admin', 'specialist', 'responder', 'family'] as const;
export type Role = (typeof roles)[number];

export interface SignedInUser {
  username: string;
  role: Role;
  orgUnitId: string | null;
  /** The user sees and acts on org units whose path starts with this; `/` is the whole hub. */
  scopePath: string;
}

/** Turns a bearer token into its user (null: unknown or expired); the registry's accounts do it. */
export interface TokenCheck {
  authenticate(token: string | undefined): Promise<SignedInUser | null>;
}
