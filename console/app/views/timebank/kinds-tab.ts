import { ApiError } from '../../api';
import type { AppContext } from '../../context';
import { announce, fill, h } from '../../dom';
import { currentLanguage, type TextKey, t } from '../../i18n';
import type { ServiceKind } from '../../types';
import { dataTable } from '../data-table';

const refusals = [
  'duplicate_code',
  'duplicate_label',
  'invalid_request',
  'not_district_admin',
  'kind_in_use',
];

/** A refusal in the reader's words when the console knows it, else the hub's code. */
function refusal(error: unknown): string {
  const code = error instanceof ApiError ? error.code : (error as Error).message;
  return refusals.includes(code) ? t(`kinds.refused.${code}` as TextKey) : t('failed', { reason: code });
}

/**
 * The district's menu of service kinds: what may be requested. Its admins add a kind (a code and a
 * name in both languages), rename one in place, retire it (no new requests; old orders keep the
 * name) or restore it; specialists read the menu. The hub decides who may change it.
 */
export function kindsTab(root: HTMLElement, { api, me }: AppContext, status: HTMLElement): () => void {
  let disposed = false;
  const keeper = me.role === 'admin';
  const list = h('div', { id: 'kinds' });
  const name = (k: Pick<ServiceKind, 'label_zh' | 'label_en'>) =>
    currentLanguage() === 'zh' ? k.label_zh : k.label_en;

  /** Whether the hub took the change; it says so on the status line either way. */
  const run = async (work: () => Promise<ServiceKind>, done: TextKey): Promise<boolean> => {
    try {
      const kind = await work();
      announce(status, t(done, { label: name(kind) }));
    } catch (error) {
      announce(status, refusal(error), 'error');
      return false;
    }
    await load();
    return true;
  };

  const labelInputs = (key: string, kind?: ServiceKind) => {
    const zh = h('input', {
      id: `kind-zh-${key}`,
      value: kind?.label_zh ?? '',
      maxlength: 40,
      'aria-label': t('kinds.labelZh'),
    });
    const en = h('input', {
      id: `kind-en-${key}`,
      value: kind?.label_en ?? '',
      maxlength: 40,
      'aria-label': t('kinds.labelEn'),
    });
    return { zh, en };
  };

  const row = (kind: ServiceKind) => {
    const state = kind.active ? t('kinds.active') : t('kinds.retired');
    // A reader sees the names in their language; the codes are for those who keep the menu.
    if (!keeper) return [name(kind), state];
    const { zh, en } = labelInputs(kind.code, kind);
    const rename = h('form', { class: 'inline', 'data-kind': kind.code }, zh, en);
    rename.append(h('button', { type: 'submit' }, t('kinds.rename')));
    rename.addEventListener('submit', (event) => {
      event.preventDefault();
      void run(
        () => api.renameServiceKind(kind.code, { label_zh: zh.value.trim(), label_en: en.value.trim() }),
        'kinds.renamed',
      );
    });
    const toggle = h(
      'button',
      {
        type: 'button',
        [kind.active ? 'data-retire' : 'data-restore']: kind.code,
        onclick: () =>
          run(
            () => api.serviceKindState(kind.code, kind.active ? 'retire' : 'restore'),
            kind.active ? 'kinds.retiredDone' : 'kinds.restoredDone',
          ),
      },
      kind.active ? t('kinds.retire') : t('kinds.restore'),
    );
    return [h('code', {}, kind.code), rename, state, toggle];
  };

  const addForm = () => {
    const code = h('input', {
      id: 'kind-code-new',
      required: true,
      maxlength: 40,
      pattern: '[a-z][a-z0-9_]{1,39}',
      title: t('kinds.codeHint'),
      'aria-describedby': 'kind-code-hint',
    });
    const { zh, en } = labelInputs('new');
    zh.required = true;
    en.required = true;
    const field = (input: HTMLInputElement, key: TextKey) => [h('label', { for: input.id }, t(key)), input];
    const form = h(
      'form',
      { class: 'order-form', id: 'kind-add' },
      ...field(code, 'kinds.code'),
      ...field(zh, 'kinds.labelZh'),
      ...field(en, 'kinds.labelEn'),
      h('button', { type: 'submit', class: 'primary publish' }, t('kinds.addButton')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void run(
        () =>
          api.addServiceKind({
            code: code.value.trim(),
            label_zh: zh.value.trim(),
            label_en: en.value.trim(),
          }),
        'kinds.added',
      ).then((added) => added && form.reset());
    });
    return form;
  };

  const load = async () => {
    const kinds = await api.serviceKinds();
    if (disposed) return;
    const headers = keeper
      ? [t('kinds.code'), `${t('kinds.labelZh')} · ${t('kinds.labelEn')}`, t('kinds.state'), '']
      : [t('kinds.name'), t('kinds.state')];
    fill(list, dataTable('kinds-table', headers, kinds.map(row), t('kinds.none')));
  };

  fill(
    root,
    h('h3', {}, t('kinds.title')),
    h('p', { class: 'hint' }, t('kinds.intro')),
    list,
    ...(keeper
      ? [
          h('h3', {}, t('kinds.add')),
          h('p', { class: 'hint', id: 'kind-code-hint' }, t('kinds.codeHint')),
          addForm(),
        ]
      : [h('p', { class: 'hint' }, t('kinds.readOnly'))]),
  );
  void load().catch((error: unknown) => announce(status, refusal(error), 'error'));
  return () => {
    disposed = true;
  };
}
