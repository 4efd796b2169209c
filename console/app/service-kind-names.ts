/**
 * What each service kind is called, as the hub's menu (`GET /service-kinds`) last said: kinds are
 * data an admin extends, not words of the dictionary. Retired kinds stay named: old orders show them.
 */
type Words = { zh: string; en: string };
const names = new Map<string, Words>();

export function learnServiceKinds(
  kinds: ReadonlyArray<{ code: string; label_zh: string; label_en: string }>,
): void {
  for (const kind of kinds) names.set(kind.code, { zh: kind.label_zh, en: kind.label_en });
}

/** A kind's name in a language; undefined for a kind the menu does not hold (the hub's own). */
export function serviceKindName(code: string, language: 'zh' | 'en'): string | undefined {
  return names.get(code)?.[language];
}
