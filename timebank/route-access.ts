import { HttpError } from '../kernel/http-errors.js';
import type { SignedInUser } from '../kernel/identity.js';
import type { Account } from './accounts.js';
import { LedgerError } from './ledger-error.js';

/** The unit at `path` is the user's org unit or lies below it (null: a unit that does not exist). */
export const covers = (user: SignedInUser, path: string | null): boolean =>
  path?.startsWith(user.scopePath) ?? false;

/**
 * The unit at `path` lies on the user's own line: their unit, one above it (the community, street or
 * district whose services they use) or one below it (what staff manage). A unit beside theirs — another
 * community — is not on it.
 */
export const onOwnLine = (user: SignedInUser, path: string): boolean =>
  covers(user, path) || user.scopePath.startsWith(path);

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

/**
 * The path of an org unit a user names (its fund account's), or null when it does not exist and
 * the user has a scope: the caller refuses that as it refuses another's unit, so that probing ids
 * does not tell which families are registered. A hub-wide user hears that it does not exist.
 */
export async function namedUnitPath(
  find: (orgUnitId: string, kind: 'fund') => Promise<Account>,
  user: SignedInUser,
  orgUnitId: string,
): Promise<string | null> {
  try {
    return (await find(orgUnitId, 'fund')).path;
  } catch (error) {
    if (error instanceof LedgerError && error.code === 'unknown_account' && user.scopePath !== '/')
      return null;
    throw error;
  }
}

export function forbidden(what: string): HttpError {
  return new HttpError(403, 'forbidden', what);
}
