import type { AppContext } from '../../context';
import { fill, h } from '../../dom';
import { t } from '../../i18n';
import type { CatalogItem, OrgUnit } from '../../types';
import { actionRunner } from '../data-table';

/** A community's catalog: every item editable in place (name, price, stock, listed), and a form to add one. */
export function catalogTab(root: HTMLElement, { api, me }: AppContext, status: HTMLElement): () => void {
  let disposed = false;
  let communities: OrgUnit[] = [];
  let unit = me.org_unit_id ?? '';
  const run = actionRunner(status, () => load());
  const picker = h('div', { class: 'toolbar' });
  const items = h('div');

  const field = (id: string, label: string, input: HTMLInputElement) => [
    h('label', { for: id }, label),
    input,
  ];
  const itemForm = (item: CatalogItem | undefined) => {
    const key = item?.id ?? 'new';
    const name = h('input', { id: `name-${key}`, value: item?.name ?? '', required: true, maxlength: 100 });
    const price = h('input', {
      id: `price-${key}`,
      type: 'number',
      min: 1,
      value: item?.price_minutes ?? 60,
      required: true,
    });
    const stock = h('input', {
      id: `stock-${key}`,
      type: 'number',
      min: 0,
      value: item?.stock ?? 10,
      required: true,
    });
    const listed = h('input', { id: `listed-${key}`, type: 'checkbox', checked: item ? item.active : true });
    const form = h(
      'form',
      { class: `catalog-item${item && !item.active ? ' withdrawn' : ''}`, 'data-item': key },
      ...field(name.id, t('item'), name),
      ...field(price.id, t('price'), price),
      ...field(stock.id, t('stock'), stock),
      h('label', { class: 'check' }, listed, ` ${t('listed')}`),
      h('button', { type: 'submit', class: item ? '' : 'primary' }, item ? t('save') : t('add')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const values = {
        name: name.value.trim(),
        price_minutes: Number(price.value),
        stock: Number(stock.value),
      };
      void run(() =>
        item
          ? api.changeItem(item.id, { ...values, active: listed.checked })
          : api.addItem({ org_unit_id: unit, ...values }),
      );
    });
    return form;
  };

  const load = async () => {
    const list = unit ? await api.catalog(unit, true) : [];
    if (disposed) return;
    fill(
      items,
      h('h3', {}, t('catalogOf', { unit: communities.find((c) => c.id === unit)?.name ?? unit })),
      list.length
        ? h(
            'ul',
            { class: 'catalog', id: 'catalog-list' },
            ...list.map((item) => h('li', {}, itemForm(item))),
          )
        : h('p', { class: 'empty' }, t('noItems')),
      h('h3', {}, t('addItem')),
      itemForm(undefined),
    );
  };

  const start = async () => {
    communities = (await api.orgUnits()).filter((u) => u.level === 'community');
    if (disposed) return;
    if (!communities.some((c) => c.id === unit)) unit = communities[0]?.id ?? unit;
    if (communities.length > 1) {
      const select = h(
        'select',
        {
          id: 'catalog-unit',
          onchange: () => {
            unit = select.value;
            void load();
          },
        },
        ...communities.map((c) => h('option', { value: c.id, selected: c.id === unit }, c.name)),
      );
      fill(picker, h('label', { for: 'catalog-unit' }, t('community')), select);
    }
    await load();
  };
  fill(root, picker, items);
  void start().catch((error: Error) => run(() => Promise.reject(error)));
  return () => {
    disposed = true;
  };
}
