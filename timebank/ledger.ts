import type { Store } from '../store/database.js';
import { AccountRegister } from './account-register.js';
import { LedgerAccounts } from './accounts.js';
import { Catalog } from './catalog.js';
import { type CertifiedService, type DepositResult, Earnings, type FlaggedApproval } from './earnings.js';
import { IdempotentWriter, type WriteOutcome } from './idempotency.js';
import { Reconciliation } from './reconciliation.js';
import { RedemptionLog } from './redemption-log.js';
import { Redemptions } from './redemptions.js';
import { defaultTimebankRules, type TimebankRules } from './rules.js';
import { StatementFiles } from './statement-files.js';
import { Statements } from './statements.js';
import { Transfers } from './transfers.js';

export interface LedgerDeps {
  store: Pick<Store, 'db' | 'dialect'>;
  now: () => number;
  rules?: TimebankRules;
}

/**
 * The time bank: a double-entry ledger of time credits in whole minutes. Every
 * write is one SQL transaction under an idempotency key; balances are the sums of
 * immutable postings (cached per account, proven by the reconciliation).
 */
export class Ledger {
  readonly rules: TimebankRules;
  /** The ledger's clock (ms): statement ranges default from it. */
  readonly now: () => number;
  readonly accounts: LedgerAccounts;
  readonly transfers: Transfers;
  readonly earnings: Earnings;
  readonly catalog: Catalog;
  readonly redemptions: Redemptions;
  /** Read-only views for the console: accounts with balances, past redemptions. */
  readonly register: AccountRegister;
  readonly redemptionLog: RedemptionLog;
  readonly statements: Statements;
  readonly files: StatementFiles;
  readonly reconciliation: Reconciliation;

  constructor(deps: LedgerDeps) {
    const { store, now } = deps;
    this.rules = deps.rules ?? defaultTimebankRules;
    this.now = now;
    const writer = new IdempotentWriter({ store, now });
    this.accounts = new LedgerAccounts({ store, rules: this.rules, now });
    this.transfers = new Transfers({ store, accounts: this.accounts, writer, now });
    this.earnings = new Earnings({ store, accounts: this.accounts, writer, rules: this.rules, now });
    this.catalog = new Catalog({ store, now });
    this.redemptions = new Redemptions({ store, accounts: this.accounts, writer, now });
    this.register = new AccountRegister({ store });
    this.redemptionLog = new RedemptionLog({ store });
    this.statements = new Statements({ store });
    this.files = new StatementFiles({ utcOffsetMinutes: this.rules.utcOffsetMinutes });
    this.reconciliation = new Reconciliation({ store });
  }

  /** Brings fund overdrafts in line with the configured rules; returns funds kept at their old limit. */
  async start(): Promise<string[]> {
    return this.accounts.applyFundOverdrafts();
  }

  /** What dispatch calls when a specialist certifies a volunteer's finished service. */
  depositForService(service: CertifiedService): Promise<WriteOutcome<DepositResult>> {
    return this.earnings.depositForService(service);
  }

  /** A specialist's decision on a flagged service: the stated minutes paid, or 0 refused. */
  approveFlagged(approval: FlaggedApproval): Promise<WriteOutcome<DepositResult>> {
    return this.earnings.approveFlagged(approval);
  }
}
