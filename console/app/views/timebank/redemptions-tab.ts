import type { AppContext } from '../../context';
import { fill, h } from '../../dom';
import { formatTime, t, term } from '../../i18n';
import { actionRunner, dataTable } from '../data-table';

/** What was redeemed in the unit over the last 31 days: who, what, how many minutes, and whether reversed. */
export function redemptionsTab(root: HTMLElement, { api }: AppContext, status: HTMLElement): () => void {
  let disposed = false;
  const run = actionRunner(status, async () => undefined);
  const load = async () => {
    const list = await api.redemptions();
    if (disposed) return;
    fill(
      root,
      h('h3', {}, t('redemptionsTitle')),
      dataTable(
        'redemptions-table',
        [t('when'), t('payer'), t('item'), t('quantity'), t('amount'), t('community'), t('by')],
        list.map((r) => [
          formatTime(r.at),
          `${r.payer.name ?? r.payer.owner_id} · ${term('account', r.payer.kind)}`,
          r.corrected_by
            ? h('span', {}, r.item_name ?? '', h('span', { class: 'meta' }, ` (${t('corrected')})`))
            : r.item_name,
          r.quantity,
          r.minutes,
          r.org_unit_id,
          r.created_by,
        ]),
        t('noRedemptions'),
      ),
    );
  };
  fill(root, h('p', { class: 'empty' }, t('loading')));
  void load().catch((error: Error) => run(() => Promise.reject(error)));
  return () => {
    disposed = true;
  };
}
