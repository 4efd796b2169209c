import { announce, h } from '../dom';
import { t } from '../i18n';

type Cell = Node | string | number | null;

/** A plain table in a scrolling wrapper (it never widens the page), or a quiet line when empty. */
export function dataTable(id: string, headers: string[], rows: Cell[][], empty: string): HTMLElement {
  if (!rows.length) return h('p', { class: 'empty', id }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id },
      h('thead', {}, h('tr', {}, ...headers.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((c) => h('td', {}, c ?? '–'))))),
    ),
  );
}

/** Runs an action, says how it went on the status line, then redraws. */
export function actionRunner(status: HTMLElement, after: () => Promise<void>) {
  return async (work: () => Promise<unknown>, done?: (result: unknown) => string): Promise<void> => {
    try {
      const result = await work();
      announce(status, done ? done(result) : t('done'));
      await after();
    } catch (error) {
      announce(status, t('failed', { reason: (error as Error).message }), 'error');
    }
  };
}

/** A small form that runs `submit` on Enter or its button. */
export function inlineForm(label: string, submit: () => void, ...fields: Node[]): HTMLFormElement {
  const form = h('form', { class: 'inline' }, ...fields, h('button', { type: 'submit' }, label));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  return form;
}

/** A number input with a visible label (for keyboard and screen reader alike). */
export function numberField(
  id: string,
  label: string,
  value: number,
  min = 0,
): [HTMLLabelElement, HTMLInputElement] {
  return [
    h('label', { for: id, class: 'visually-hidden' }, label),
    h('input', { id, type: 'number', min, step: 1, value, inputmode: 'numeric', class: 'num' }),
  ];
}
