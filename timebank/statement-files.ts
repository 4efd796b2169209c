import { type Cell, csvText, xlsxWorkbook } from '../kernel/xlsx.js';
import { ledgerTerm, memoText, sayIn } from './ledger-texts.js';
import type { Statement } from './statements.js';

/** The language of a downloaded file's headers, kinds and memos. */
export type Language = 'zh' | 'en';

/**
 * Statements as files for community administrators: CSV (UTF-8 with BOM, for Excel) and .xlsx,
 * headed and worded in the reader's language: holders and units by id (to reconcile) and by name
 * (to read); numbers as they are.
 */
export class StatementFiles {
  constructor(private readonly deps: { utcOffsetMinutes: number }) {}

  entryRows(statement: Statement, lang: Language): Cell[][] {
    const say = sayIn(lang);
    return [
      (
        [
          'time',
          'account',
          'kind',
          'owner',
          'ownerName',
          'entry',
          'transfer',
          'transferKind',
          'memo',
          'counterparty',
          'minutes',
          'balance',
        ] as const
      ).map((column) => say(`file.${column}`)),
      ...statement.entries.map((e) => [
        this.localTime(e.at),
        e.account_id,
        ledgerTerm('account', e.account_kind, say),
        e.owner_id,
        e.owner_name ?? '',
        e.entry_no,
        e.transfer_id,
        ledgerTerm('transfer', e.transfer_kind, say),
        memoText(e, say),
        e.counterparties.join(' '),
        e.amount_minutes,
        e.balance_after_minutes,
      ]),
    ];
  }

  accountRows(statement: Statement, lang: Language): Cell[][] {
    const say = sayIn(lang);
    return [
      (
        [
          'account',
          'kind',
          'owner',
          'ownerName',
          'orgUnit',
          'orgUnitName',
          'opening',
          'in',
          'out',
          'closing',
        ] as const
      ).map((column) => say(`file.${column}`)),
      ...statement.accounts.map((a) => [
        a.account_id,
        ledgerTerm('account', a.account_kind, say),
        a.owner_id,
        a.owner_name ?? '',
        a.org_unit_id,
        a.org_unit_name,
        a.opening_balance_minutes,
        a.minutes_in,
        a.minutes_out,
        a.closing_balance_minutes,
      ]),
    ];
  }

  /** Entries, a blank line, then the balances per account. */
  csv(statement: Statement, lang: Language): string {
    return csvText([...this.entryRows(statement, lang), [], ...this.accountRows(statement, lang)]);
  }

  xlsx(statement: Statement, lang: Language): Buffer {
    const say = sayIn(lang);
    return xlsxWorkbook([
      { name: say('file.entries'), rows: this.entryRows(statement, lang) },
      { name: say('file.balances'), rows: this.accountRows(statement, lang) },
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
