import type { AppContext } from '../../context';
import { h } from '../../dom';
import { type TextKey, t } from '../../i18n';
import { accountsTab } from './accounts-tab';
import { catalogTab } from './catalog-tab';
import { certifyTab } from './certify-tab';
import { kindsTab } from './kinds-tab';
import { ordersTab } from './orders-tab';
import { redemptionsTab } from './redemptions-tab';

type Tab = (root: HTMLElement, context: AppContext, status: HTMLElement) => (() => void) | undefined;
const tabs: Array<[string, TextKey, Tab]> = [
  ['certify', 'tabCertify', certifyTab],
  ['accounts', 'tabAccounts', accountsTab],
  ['catalog', 'tabCatalog', catalogTab],
  ['redemptions', 'tabRedemptions', redemptionsTab],
  ['orders', 'tabOrders', ordersTab],
  ['kinds', 'kinds.tab', kindsTab],
];

/** Time-bank administration for specialists and admins: one tab per job, named in the URL (`#/timebank/catalog`). */
export function timebankScreen(root: HTMLElement, context: AppContext, param?: string): () => void {
  const current = tabs.find(([name]) => name === param) ?? tabs[0]!;
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'tab-body', id: `timebank-${current[0]}` });
  root.replaceChildren(
    h(
      'section',
      { 'aria-labelledby': 'timebank-title', class: 'timebank' },
      h('div', { class: 'section-head' }, h('h2', { id: 'timebank-title' }, t('timebankTitle'))),
      h(
        'nav',
        { class: 'tabs', 'aria-label': t('tabs') },
        ...tabs.map(([name, label]) =>
          h(
            'a',
            { href: `#/timebank/${name}`, 'aria-current': name === current[0] ? 'page' : null },
            t(label),
          ),
        ),
      ),
      status,
      body,
    ),
  );
  return current[2](body, context, status) ?? (() => undefined);
}
