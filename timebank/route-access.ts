import { HttpError } from '../kernel/http-errors.js';
import type { SignedInUser } from '../kernel/identity.js';
import type { Account } from './accounts.js';

/** The unit at `path` is the user's org unit or lies below it. */
export const covers = (user: SignedInUser, path: string): boolean => path.startsWith(user.scopePath);

/** A volunteer's own account (their responder user), or a family user's family account. */
export function ownsAccount(user: SignedInUser, account: Account): boolean {
  if (account.kind === 'volunteer') return user.role === 'responder' && user.username === account.owner_id;
  if (account.kind === 'family') return user.role === 'family' && user.orgUnitId === account.owner_id;
  return false;
}

/** The owner, or an admin, specialist or family user of the account's org unit or above. */
export function mayRead(user: SignedInUser, account: Account): boolean {
  return (
    ownsAccount(user, account) ||
    (['admin', 'specialist', 'family'].includes(user.role) && covers(user, account.path))
  );
}

/**
 * Who may spend from an account: a volunteer's credits only by the volunteer; an
 * elder's by their family or, at the console, a specialist or admin of their unit;
 * a family's by the family or a specialist or admin; a fund's by an admin.
 */
export function mayDebit(user: SignedInUser, account: Account): boolean {
  if (account.kind === 'volunteer') return ownsAccount(user, account);
  if (account.kind === 'fund') return user.role === 'admin' && covers(user, account.path);
  if (ownsAccount(user, account)) return true;
  return ['admin', 'specialist', 'family'].includes(user.role) && covers(user, account.path);
}

export function forbidden(what: string): HttpError {
  return new HttpError(403, 'forbidden', what);
}
