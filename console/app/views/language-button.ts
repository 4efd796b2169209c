import { h } from '../dom';
import { currentLanguage, setLanguage, t } from '../i18n';

/** The one switch between Chinese and English; it names the other language in that language. */
export function languageButton(): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'lang',
      lang: currentLanguage() === 'zh' ? 'en' : 'zh-CN',
      onclick: () => setLanguage(currentLanguage() === 'zh' ? 'en' : 'zh'),
    },
    t('otherLanguage'),
  );
}
