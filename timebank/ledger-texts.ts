import { fillIn } from '../kernel/coded-text.js';

/**
 * The ledger's words in both languages: transfer and account kinds, the coded memos
 * (memos.ts) and the statement files' headers. Plain data without Node imports, because the
 * console's dictionary spreads it too: a statement file and the console read alike.
 */
export const zh = {
  'transfer.service': '志愿服务',
  'transfer.deposit': '志愿服务',
  'transfer.redemption': '兑换',
  'transfer.gift': '赠与',
  'transfer.grant': '拨付',
  'transfer.allocation': '划拨',
  'transfer.correction': '冲正',
  'account.volunteer': '志愿者',
  'account.elder': '老人',
  'account.family': '家庭',
  'account.fund': '社区基金',
  'memo.service_credit': '服务记录 {service_id}',
  'memo.service_payment': '服务订单付款 {order_id}',
  'memo.gift': '赠与 {to}',
  'memo.grant': '拨付给 {to}',
  'memo.allocation': '划拨给 {to}',
  'memo.redemption': '{quantity} × {item_name}',
  'memo.correction': '冲正{transfer_kind} {transfer_id}：{reason}',
  'file.entries': '明细',
  'file.balances': '余额',
  'file.time': '时间',
  'file.account': '账户',
  'file.kind': '账户类型',
  'file.owner': '持有人',
  'file.ownerName': '持有人名称',
  'file.entry': '序号',
  'file.transfer': '交易',
  'file.transferKind': '交易类型',
  'file.memo': '摘要',
  'file.counterparty': '对方账户',
  'file.minutes': '分钟',
  'file.balance': '余额',
  'file.orgUnit': '所属单位',
  'file.orgUnitName': '单位名称',
  'file.opening': '期初余额',
  'file.in': '收入',
  'file.out': '支出',
  'file.closing': '期末余额',
};

export type LedgerTextKey = keyof typeof zh;

export const en: Record<LedgerTextKey, string> = {
  'transfer.service': 'Volunteer service',
  'transfer.deposit': 'Volunteer service',
  'transfer.redemption': 'Redemption',
  'transfer.gift': 'Gift',
  'transfer.grant': 'Grant',
  'transfer.allocation': 'Allocation',
  'transfer.correction': 'Correction',
  'account.volunteer': 'Volunteer',
  'account.elder': 'Elder',
  'account.family': 'Family',
  'account.fund': 'Community fund',
  'memo.service_credit': 'service {service_id}',
  'memo.service_payment': 'service order {order_id}',
  'memo.gift': 'gift to {to}',
  'memo.grant': 'grant to {to}',
  'memo.allocation': 'allocation to {to}',
  'memo.redemption': '{quantity} × {item_name}',
  'memo.correction': 'correction of {transfer_kind} {transfer_id}: {reason}',
  'file.entries': 'entries',
  'file.balances': 'balances',
  'file.time': 'time',
  'file.account': 'account',
  'file.kind': 'kind',
  'file.owner': 'owner',
  'file.ownerName': 'owner name',
  'file.entry': 'entry',
  'file.transfer': 'transfer',
  'file.transferKind': 'transfer kind',
  'file.memo': 'memo',
  'file.counterparty': 'counterparty',
  'file.minutes': 'minutes',
  'file.balance': 'balance',
  'file.orgUnit': 'org unit',
  'file.orgUnitName': 'org unit name',
  'file.opening': 'opening balance',
  'file.in': 'in',
  'file.out': 'out',
  'file.closing': 'closing balance',
};

/** Looks a key up and fills its `{name}` placeholders: the console passes its own `t`. */
export type Say = (key: LedgerTextKey, values?: Record<string, string | number>) => string;

/** An entry's memo in the reader's language; a typed memo, an old row or an unknown code as stored. */
export function memoText(
  entry: { memo: string; memo_code?: string | null; memo_params?: Record<string, unknown> | null },
  say: Say,
): string {
  const key = `memo.${entry.memo_code}`;
  if (!entry.memo_code || !(key in zh)) return entry.memo;
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(entry.memo_params ?? {})) {
    values[name] = typeof value === 'number' ? value : String(value ?? '');
  }
  const kind = `transfer.${values.transfer_kind}`;
  if (kind in zh) values.transfer_kind = say(kind as LedgerTextKey);
  return say(key as LedgerTextKey, values);
}

/** A term of the ledger (`transfer`, `account`) in a language; unknown values as they are. */
export function ledgerTerm(group: 'transfer' | 'account', value: string, say: Say): string {
  const key = `${group}.${value}`;
  return key in zh ? say(key as LedgerTextKey) : value;
}

/** `say` for a fixed language, as the statement files use it. */
export function sayIn(lang: 'zh' | 'en'): Say {
  const dictionary = lang === 'en' ? en : zh;
  return (key, values = {}) => fillIn(dictionary[key], values);
}
