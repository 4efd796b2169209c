import type { AppContext } from '../../context';
import { fill, h } from '../../dom';
import { formatTime, t, term } from '../../i18n';
import { ledgerMemo } from '../../timeline-text';
import { type AccountListing, accountKinds } from '../../types';
import { actionRunner, dataTable } from '../data-table';

const kinds = ['', ...accountKinds];

/** Balances of the unit's accounts; one account's latest entries and its statement as CSV or Excel. */
export function accountsTab(root: HTMLElement, { api, me }: AppContext, status: HTMLElement): () => void {
  let disposed = false;
  let kind = '';
  let chosen: AccountListing | undefined;
  const run = actionRunner(status, async () => undefined);
  const list = h('div');
  const detail = h('div', { class: 'account-detail', 'aria-live': 'polite' });
  const filter = h(
    'select',
    {
      id: 'account-kind',
      onchange: () => {
        kind = filter.value;
        void load();
      },
    },
    ...kinds.map((k) => h('option', { value: k }, k ? term('account', k) : t('all'))),
  );
  const download = (path: string, format: 'csv' | 'xlsx') =>
    h(
      'button',
      {
        type: 'button',
        class: `download-${format}`,
        onclick: () => run(() => api.download(`${path}format=${format}`)),
      },
      t(format === 'csv' ? 'downloadCsv' : 'downloadXlsx'),
    );
  const unitPath = me.org_unit_id
    ? `/timebank/org-units/${encodeURIComponent(me.org_unit_id)}/statement?`
    : null;
  fill(
    root,
    h(
      'div',
      { class: 'toolbar' },
      h('label', { for: 'account-kind' }, t('accountKind')),
      filter,
      unitPath ? h('span', { class: 'meta' }, t('unitStatement')) : null,
      unitPath ? download(unitPath, 'csv') : null,
      unitPath ? download(unitPath, 'xlsx') : null,
    ),
    list,
    detail,
  );

  const showAccount = async (account: AccountListing) => {
    chosen = account;
    const view = await api.account(account.owner_id, account.kind, 20);
    if (disposed || chosen !== account) return;
    const path = `/timebank/accounts/${encodeURIComponent(account.owner_id)}/statement?kind=${account.kind}&`;
    fill(
      detail,
      h(
        'h3',
        { id: 'entries-title', tabindex: '-1' },
        t('entriesOf', { owner: account.owner_name ?? account.owner_id }),
      ),
      h('div', { class: 'toolbar' }, download(path, 'csv'), download(path, 'xlsx')),
      dataTable(
        'entries-table',
        [t('when'), t('transferKind'), t('memo'), t('amount'), t('balanceAfter')],
        view.entries.map((e) => [
          formatTime(e.at),
          term('transfer', e.transfer_kind),
          ledgerMemo(e),
          h(
            'span',
            { class: e.amount_minutes < 0 ? 'bad' : 'good' },
            e.amount_minutes > 0 ? `+${e.amount_minutes}` : e.amount_minutes,
          ),
          e.balance_after_minutes,
        ]),
        t('noEntries'),
      ),
    );
    detail.querySelector<HTMLElement>('#entries-title')?.focus();
  };

  const load = async () => {
    // Units by name, not id: the names come from the units the user may report on (their own and below).
    const [accounts, units] = await Promise.all([
      api.accounts(kind || undefined),
      api.orgUnits().catch(() => []),
    ]);
    if (disposed) return;
    const unitName = new Map(units.map((u) => [u.id, u.name]));
    fill(
      list,
      dataTable(
        'accounts-table',
        [t('accountKind'), t('owner'), t('orgUnit'), t('balance'), t('entries')],
        accounts.map((a) => [
          term('account', a.kind),
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              onclick: () =>
                run(
                  () => showAccount(a),
                  () => '',
                ),
            },
            a.owner_name ?? a.owner_id,
          ),
          unitName.get(a.org_unit_id) ?? a.org_unit_id,
          t('minutes', { m: a.balance_minutes }),
          a.entries,
        ]),
        t('noAccounts'),
      ),
    );
  };
  void load().catch((error: Error) => run(() => Promise.reject(error)));
  return () => {
    disposed = true;
  };
}
