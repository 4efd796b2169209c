import { describe, expect, it } from 'vitest';
import { unzip } from '../test/support/zip-reader.js';
import { StatementFiles } from './statement-files.js';
import type { Statement } from './statements.js';

const statement: Statement = {
  subject: 'jingtian',
  from: Date.UTC(2026, 10, 1, -8),
  to: Date.UTC(2026, 11, 1, -8),
  accounts: [
    {
      account_id: 'volunteer:v-0001',
      account_kind: 'volunteer',
      owner_id: 'v-0001',
      owner_name: '李建国',
      org_unit_id: 'jingtian',
      org_unit_name: '景田社区',
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
      owner_name: '李建国',
      entry_no: 1,
      transfer_id: 't-1',
      transfer_kind: 'deposit',
      memo: '=HYPERLINK("http://x") & "送餐", <b>',
      memo_code: null,
      memo_params: null,
      amount_minutes: 47,
      balance_after_minutes: 47,
      counterparties: ['fund:jingtian'],
      corrects_id: null,
    },
    {
      at: Date.UTC(2026, 10, 30, 3),
      account_id: 'volunteer:v-0001',
      account_kind: 'volunteer',
      owner_id: 'v-0001',
      owner_name: '李建国',
      entry_no: 2,
      transfer_id: 't-2',
      transfer_kind: 'redemption',
      memo: '1 × haircut',
      memo_code: 'redemption',
      memo_params: { quantity: 1, item_name: '理发 haircut' },
      amount_minutes: -30,
      balance_after_minutes: 17,
      counterparties: ['fund:jingtian'],
      corrects_id: null,
    },
    {
      at: Date.UTC(2026, 10, 30, 4),
      account_id: 'volunteer:v-0001',
      account_kind: 'volunteer',
      owner_id: 'v-0001',
      owner_name: '李建国',
      entry_no: 3,
      transfer_id: 't-3',
      transfer_kind: 'correction',
      memo: 'correction of deposit t-1: wrong volunteer',
      memo_code: 'correction',
      memo_params: { transfer_kind: 'deposit', transfer_id: 't-1', reason: 'wrong volunteer' },
      amount_minutes: -17,
      balance_after_minutes: 0,
      counterparties: ['fund:jingtian'],
      corrects_id: 't-1',
    },
  ],
};
const files = new StatementFiles({ utcOffsetMinutes: 480 });

describe('statement files', () => {
  it('[STATEMENT-CSV] a CSV statement has local times, quoted text, and no cell a spreadsheet would run as a formula', () => {
    const csv = files.csv(statement, 'en');
    expect(csv.startsWith('\ufefftime,account,')).toBe(true);
    const lines = csv.split('\r\n');
    expect(lines[1]).toBe(
      `2026-11-30 10:49:00,volunteer:v-0001,Volunteer,v-0001,李建国,1,t-1,Volunteer service,"'=HYPERLINK(""http://x"") & ""送餐"", <b>",fund:jingtian,47,47`,
    );
    expect(lines).toContain('volunteer:v-0001,Volunteer,v-0001,李建国,jingtian,景田社区,0,47,0,47');
    expect(files.fileName(statement, 'csv')).toBe('timebank-jingtian-2026-11-01-2026-12-01.csv');
  });

  it('[STATEMENT-LANG] headers, kinds and the ledger’s coded memos are in the reader’s language; typed memos as typed', () => {
    const en = files.csv(statement, 'en').split('\r\n');
    expect(en[0]).toBe(
      '\ufefftime,account,kind,owner,owner name,entry,transfer,transfer kind,memo,counterparty,minutes,balance',
    );
    expect(en[2]).toContain(',Volunteer,v-0001,李建国,2,t-2,Redemption,1 × 理发 haircut,');
    expect(en[3]).toContain(',Correction,correction of Volunteer service t-1: wrong volunteer,');
    const zh = files.csv(statement, 'zh').split('\r\n');
    expect(zh[0]).toBe(
      '\ufeff时间,账户,账户类型,持有人,持有人名称,序号,交易,交易类型,摘要,对方账户,分钟,余额',
    );
    expect(zh[1]).toContain(',志愿者,v-0001,李建国,1,t-1,志愿服务,"\'=HYPERLINK(');
    expect(zh[2]).toContain(',兑换,1 × 理发 haircut,');
    expect(zh[3]).toContain(',冲正,冲正志愿服务 t-1：wrong volunteer,');
    expect(zh).toContain('账户,账户类型,持有人,持有人名称,所属单位,单位名称,期初余额,收入,支出,期末余额');
    const sheets = unzip(files.xlsx(statement, 'zh')).get('xl/workbook.xml');
    expect(sheets).toContain('<sheet name="明细" sheetId="1" r:id="rId1"/>');
    expect(sheets).toContain('<sheet name="余额" sheetId="2" r:id="rId2"/>');
  });

  it('[STATEMENT-XLSX] an Excel statement is a valid zip of the Office Open XML parts, with numbers as numbers and text escaped', () => {
    const parts = unzip(files.xlsx(statement, 'en'));
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
    expect(entries).toContain('<c r="K2"><v>47</v></c>');
    expect(entries).toContain('=HYPERLINK(&quot;http://x&quot;) &amp; &quot;送餐&quot;, &lt;b&gt;');
    expect(parts.get('xl/worksheets/sheet2.xml')).toContain('<c r="J2"><v>47</v></c>');
    for (const xml of parts.values())
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"')).toBe(true);
  });
});
