import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HttpError } from '../kernel/http-errors.js';
import { accountRoutes } from './account-routes.js';
import { catalogRoutes } from './catalog-routes.js';
import type { Ledger } from './ledger.js';
import { LedgerError } from './ledger-error.js';
import { redemptionRoutes } from './redemption-routes.js';
import { transferRoutes } from './transfer-routes.js';

/** The elders a user is kin of, from the care records' family links (the registry's). */
export type KinshipsOf = (username: string) => Promise<Array<{ elder_id: string; org_unit_id: string }>>;

/** The time bank's HTTP API, registered under `/api/v1/timebank`. */
export const timebankRoutes: FastifyPluginAsyncZod<{ ledger: Ledger; kinships: KinshipsOf }> = async (
  app,
  { ledger, kinships },
) => {
  // A refusal of the ledger becomes a coded answer; everything else goes on to the app's handler.
  app.setErrorHandler((error) => {
    if (error instanceof LedgerError) throw new HttpError(error.status, error.code, error.message);
    throw error;
  });
  await app.register(accountRoutes, { ledger });
  await app.register(transferRoutes, { ledger, kinships });
  await app.register(catalogRoutes, { ledger });
  await app.register(redemptionRoutes, { ledger });
};
