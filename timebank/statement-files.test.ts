import { describe, expect, it } from 'vitest';
import { StatementFiles } from './statement-files.js';
import type { Statement } from './statements.js';
import { unzip } from './zip-reader.js';

const statement: Statement = {
  subject: 'jingtian',
  from: Date.UTC(2026, 10, 1, -8),
  to: Date.UTC(2026, 11, 1, -8),
  accounts: [
    {
      account_id: 'volunteer:v-0001',
      account_kind: 'volunteer',
      owner_id: 'v-0001',
      org_unit_id: 'jingtian',
      opening_balance_minutes: 0,
      closing_balance_minutes: 47,
      minutes_in: 47,
      minutes_out: 0,
    },
  ],
  entries: [
    {
      at: Date.UTC(2026, 10, 30, 2, 49),
      account_id: 'volunteer:v-0001',
      account_kind: 'volunteer',
      owner_id: 'v-0001',
      entry_no: 1,
      transfer_id: 't-1',
      transfer_kind: 'deposit',
      memo: '=HYPERLINK("http://x") & "送餐", <b>',
      amount_minutes: 47,
      balance_after_minutes: 47,
      counterparties: ['fund:jingtian'],
      corrects_id: null,
    },
  ],
};
const files = new StatementFiles({ utcOffsetMinutes: 480 });

describe('statement files', () => {
  it('[STATEMENT-CSV] a CSV statement has local times, quoted text, and no cell a spreadsheet would run as a formula', () => {
    const csv = files.csv(statement);
    expect(csv.startsWith('\ufefftime,account,')).toBe(true);
    const lines = csv.split('\r\n');
    expect(lines[1]).toBe(
      `2026-11-30 10:49:00,volunteer:v-0001,volunteer,v-0001,1,t-1,deposit,"'=HYPERLINK(""http://x"") & ""送餐"", <b>",fund:jingtian,47,47`,
    );
    expect(lines).toContain('volunteer:v-0001,volunteer,v-0001,jingtian,0,47,0,47');
    expect(files.fileName(statement, 'csv')).toBe('timebank-jingtian-2026-11-01-2026-12-01.csv');
  });

  it('[STATEMENT-XLSX] an Excel statement is a valid zip of the Office Open XML parts, with numbers as numbers and text escaped', () => {
    const parts = unzip(files.xlsx(statement));
    expect([...parts.keys()]).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'xl/workbook.xml',
      'xl/_rels/workbook.xml.rels',
      'xl/worksheets/sheet1.xml',
      'xl/worksheets/sheet2.xml',
    ]);
    expect(parts.get('xl/workbook.xml')).toContain('<sheet name="entries" sheetId="1" r:id="rId1"/>');
    const entries = parts.get('xl/worksheets/sheet1.xml')!;
    expect(entries).toContain('<c r="J2"><v>47</v></c>');
    expect(entries).toContain('=HYPERLINK(&quot;http://x&quot;) &amp; &quot;送餐&quot;, &lt;b&gt;');
    expect(parts.get('xl/worksheets/sheet2.xml')).toContain('<c r="H2"><v>47</v></c>');
    for (const xml of parts.values())
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"')).toBe(true);
  });
});
