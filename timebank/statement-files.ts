import type { Statement } from './statements.js';
import { type Cell, csvText, xlsxWorkbook } from './xlsx.js';

/** Statements as files for community administrators: CSV (UTF-8 with BOM, for Excel) and .xlsx. */
export class StatementFiles {
  constructor(private readonly deps: { utcOffsetMinutes: number }) {}

  entryRows(statement: Statement): Cell[][] {
    return [
      [
        'time',
        'account',
        'kind',
        'owner',
        'entry',
        'transfer',
        'transfer kind',
        'memo',
        'counterparty',
        'minutes',
        'balance',
      ],
      ...statement.entries.map((e) => [
        this.localTime(e.at),
        e.account_id,
        e.account_kind,
        e.owner_id,
        e.entry_no,
        e.transfer_id,
        e.transfer_kind,
        e.memo,
        e.counterparties.join(' '),
        e.amount_minutes,
        e.balance_after_minutes,
      ]),
    ];
  }

  accountRows(statement: Statement): Cell[][] {
    return [
      ['account', 'kind', 'owner', 'org unit', 'opening balance', 'in', 'out', 'closing balance'],
      ...statement.accounts.map((a) => [
        a.account_id,
        a.account_kind,
        a.owner_id,
        a.org_unit_id,
        a.opening_balance_minutes,
        a.minutes_in,
        a.minutes_out,
        a.closing_balance_minutes,
      ]),
    ];
  }

  /** Entries, a blank line, then the balances per account. */
  csv(statement: Statement): string {
    return csvText([...this.entryRows(statement), [], ...this.accountRows(statement)]);
  }

  xlsx(statement: Statement): Buffer {
    return xlsxWorkbook([
      { name: 'entries', rows: this.entryRows(statement) },
      { name: 'balances', rows: this.accountRows(statement) },
    ]);
  }

  fileName(statement: Statement, extension: string): string {
    const day = (t: number) => this.localTime(t).slice(0, 10);
    const safe = statement.subject.replace(/[^A-Za-z0-9._-]/g, '_');
    return `timebank-${safe}-${day(statement.from)}-${day(statement.to)}.${extension}`;
  }

  /** `2026-11-30 10:00:00`, local time (China: UTC+8). */
  localTime(at: number): string {
    const shifted = Math.min(Math.max(at, 0), 253_402_300_799_000) + this.deps.utcOffsetMinutes * 60_000;
    return new Date(Math.min(shifted, 253_402_300_799_000)).toISOString().slice(0, 19).replace('T', ' ');
  }
}
