import { type Api, ApiError } from '../api';
import { when } from '../district-time';
import { announce, fill, h } from '../dom';
import { formatTime, t, term } from '../i18n';
import { ledgerMemo, noteText } from '../timeline-text';
import type { Me, ServiceOrder } from '../types';
import type { Position } from './location';

/** A panel that loads itself; `refresh` loads it again. */
interface Panel {
  element: HTMLElement;
  refresh(): Promise<void>;
}

/** A volunteer's answer when the API says they are not one (staff responders have no credits). */
function notVolunteer(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 'not_a_volunteer' || error.status === 404);
}

export function panel(id: string, load: (element: HTMLElement) => Promise<void>): Panel {
  const element = h('section', { class: 'panel', id });
  const refresh = async () => {
    try {
      await load(element);
    } catch (error) {
      fill(
        element,
        h('p', { class: 'empty' }, notVolunteer(error) ? t('onlyVolunteers') : t('networkError')),
      );
    }
  };
  fill(element, h('p', { class: 'empty' }, t('loading')));
  void refresh();
  return { element, refresh };
}

/**
 * Open requests of the volunteer's community (no names until taken) and the services they took:
 * check-in and check-out at the home (`here` is the phone's position), the elder's code at check-out.
 */
export function requestsPanel(
  api: Api,
  me: Me,
  status: HTMLElement,
  here: () => Promise<Position | undefined>,
): Panel {
  const act = async (step: () => Promise<unknown>, done: string) => {
    try {
      await step();
      announce(status, done);
    } catch (error) {
      announce(status, visitRefusal(error), 'error');
    }
    await self.refresh();
  };
  const atHome = async (step: (at: Position) => Promise<unknown>, done: string) => {
    const at = await here();
    if (!at) return announce(status, t('noPosition'), 'error');
    await act(() => step(at), done);
  };
  const checkOut = (order: ServiceOrder, field: HTMLInputElement) => {
    const code = field.value.trim();
    if (code && !/^\d{4}$/.test(code)) {
      announce(status, t('badCode'), 'error');
      return field.focus();
    }
    void atHome((at) => api.checkOutOrder(order.id, at, code || undefined), t('checkedOutService'));
  };
  const handBack = (order: ServiceOrder) => {
    if (!window.confirm(t('handBackOrderConfirm'))) return;
    void act(() => api.orderAction(order.id, 'hand-back'), t('orderHandedBack'));
  };
  const codeField = (o: ServiceOrder) => {
    const field = h('input', {
      id: `code-${o.id}`,
      class: 'visit-code',
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      maxlength: '4',
      'aria-describedby': `code-hint-${o.id}`,
    });
    return [
      h('label', { for: `code-${o.id}` }, t('visitCode')),
      field,
      h(
        'p',
        { class: 'meta', id: `code-hint-${o.id}` },
        o.proof.code_shown ? t('visitCodeHint') : t('codeNotShown'),
      ),
      h(
        'button',
        { type: 'button', class: 'big check-out', onclick: () => checkOut(o, field) },
        t('checkOutService'),
      ),
    ];
  };
  const card = (o: ServiceOrder) =>
    h(
      'li',
      { class: 'card order', 'data-order': o.id, 'data-status': o.status },
      h('p', { class: 'offer-kind' }, `${term('service', o.kind)} · ${term('orderStatus', o.status)}`),
      o.note
        ? h(
            'p',
            { class: 'order-note' },
            noteText({ note: o.note, code: o.note_code, params: o.note_params }, (id) => id),
          )
        : null,
      o.elder ? h('p', { class: 'task-name' }, `${o.elder.name} · ${o.elder.address}`) : null,
      h('p', { class: 'meta' }, `${t('wantedAt')} ${when(o.wanted_at)}`),
      o.status === 'requested'
        ? h(
            'button',
            {
              type: 'button',
              class: 'big primary take',
              onclick: () => act(() => api.orderAction(o.id, 'take'), t('takenOk')),
            },
            t('take'),
          )
        : null,
      o.status === 'taken'
        ? h(
            'button',
            {
              type: 'button',
              class: 'big primary check-in',
              onclick: () => atHome((at) => api.checkInOrder(o.id, at), t('checkedInService')),
            },
            t('checkInService'),
          )
        : null,
      o.status === 'taken'
        ? h('button', { type: 'button', class: 'hand-back', onclick: () => handBack(o) }, t('handBackOrder'))
        : null,
      ...(o.status === 'in_progress' ? codeField(o) : []),
    );
  const self = panel('requests', async (element) => {
    const orders = await api.serviceOrders();
    const open = orders.filter((o) => o.status === 'requested');
    const mine = orders.filter(
      (o) => o.volunteer_id === me.username && ['taken', 'in_progress'].includes(o.status),
    );
    fill(
      element,
      h('h2', {}, t('openRequests')),
      open.length
        ? h('ul', { class: 'orders' }, ...open.map(card))
        : h('p', { class: 'empty' }, t('noRequests')),
      mine.length ? h('h2', {}, t('myRequests')) : null,
      mine.length ? h('ul', { class: 'orders mine' }, ...mine.map(card)) : null,
    );
  });
  return self;
}

/** Why the hub refused a step of a service, in the reader's language. */
function visitRefusal(error: unknown): string {
  const code = error instanceof ApiError ? error.code : '';
  const message = error instanceof ApiError ? error.said : (error as Error).message;
  if (code === 'already_taken') return t('alreadyTaken');
  if (code === 'too_far') return t('tooFar', { m: /^(\d+) m/.exec(message)?.[1] ?? '?' });
  if (code === 'wrong_code') return t('wrongCode', { n: /\((\d+)/.exec(message)?.[1] ?? '?' });
  if (code === 'code_locked') return t('codeLocked');
  return t('failed', { reason: code || message });
}

/** The balance, the services given (with minutes earned once certified) and the ledger's entries. */
export function creditsPanel(api: Api, me: Me): Panel {
  return panel('credits', async (element) => {
    const [account, orders] = await Promise.all([
      api.account(me.username, 'volunteer', 30),
      api.serviceOrders(),
    ]);
    const history = orders.filter(
      (o) => o.volunteer_id === me.username && ['done', 'rated', 'certified'].includes(o.status),
    );
    fill(
      element,
      h(
        'div',
        { class: 'card balance' },
        h('p', { class: 'meta' }, t('myBalance')),
        h('p', { class: 'big-number', id: 'balance' }, t('balanceMinutes', { m: account.balance_minutes })),
      ),
      h('h2', {}, t('history')),
      history.length
        ? h(
            'ul',
            { class: 'history' },
            ...history.map((o) =>
              h(
                'li',
                { class: 'card' },
                h('p', { class: 'offer-kind' }, term('service', o.kind)),
                h('p', { class: 'meta' }, when(o.checked_out_at ?? o.updated_at)),
                h(
                  'p',
                  { class: o.credit?.credited_minutes ? 'good' : 'meta' },
                  o.credit?.credited_minutes
                    ? t('earned', { m: o.credit.credited_minutes })
                    : `${t('minutes', { m: o.measured_minutes ?? 0 })} · ${o.credit ? term('credit', o.credit.status) : t('pendingCredit')}`,
                ),
              ),
            ),
          )
        : h('p', { class: 'empty' }, t('noHistory')),
      h('h2', {}, t('ledger')),
      account.entries.length
        ? h(
            'ul',
            { class: 'entries' },
            ...account.entries.map((e) =>
              h(
                'li',
                {},
                h('span', { class: 'meta' }, formatTime(e.at)),
                ` ${term('transfer', e.transfer_kind)}${e.transfer_kind === 'redemption' ? ` · ${ledgerMemo(e)}` : ''} `,
                h(
                  'strong',
                  { class: e.amount_minutes < 0 ? 'bad' : 'good' },
                  e.amount_minutes > 0 ? `+${e.amount_minutes}` : String(e.amount_minutes),
                ),
              ),
            ),
          )
        : h('p', { class: 'empty' }, t('noEntries')),
    );
  });
}

/** The community's catalog: redeem an item with credits (the hub checks balance and stock). */
export function redeemPanel(api: Api, me: Me, status: HTMLElement, redeemed: () => void): Panel {
  const self = panel('redeem', async (element) => {
    const [items, account] = await Promise.all([api.catalog(), api.account(me.username, 'volunteer', 1)]);
    fill(
      element,
      h('h2', {}, t('redeemTitle')),
      h('p', { class: 'meta' }, t('myBalanceIs', { m: t('balanceMinutes', { m: account.balance_minutes }) })),
      items.length
        ? h(
            'ul',
            { class: 'catalog-items' },
            ...items.map((item) =>
              h(
                'li',
                { class: 'card', 'data-item': item.id },
                h('p', { class: 'offer-kind' }, item.name),
                h('p', {}, `${t('cost', { m: item.price_minutes })} · ${t('left', { n: item.stock })}`),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'big primary redeem',
                    disabled: item.stock < 1 || account.balance_minutes < item.price_minutes,
                    onclick: async () => {
                      try {
                        const result = await api.redeem(
                          { owner_id: me.username, kind: 'volunteer' },
                          item.id,
                        );
                        announce(status, t('redeemed', { item: item.name, n: result.stock_left }));
                        redeemed();
                      } catch (error) {
                        const code = error instanceof ApiError ? error.code : '';
                        const reason =
                          code === 'out_of_stock'
                            ? t('outOfStock')
                            : code === 'insufficient_credits'
                              ? t('notEnough')
                              : (error as Error).message;
                        announce(status, t('failed', { reason }), 'error');
                      }
                      await self.refresh();
                    },
                  },
                  t('redeem'),
                ),
              ),
            ),
          )
        : h('p', { class: 'empty' }, t('noItems')),
    );
  });
  return self;
}
