/**
 * A sentence the hub writes itself (a timeline note, a ledger memo) is stored as a stable code
 * and its parameters beside its English, so that each reader renders it in their own language;
 * the English stays for older rows and for API clients. What a person typed is stored as typed,
 * without a code. No Node imports: the console compiles the modules that use it.
 */

/** One code with its parameters, for a table of codes → parameter shapes. */
export type Coded<Params> = { [C in keyof Params]: { code: C; params: Params[C] } }[keyof Params];

/** The three stored values: the English (or the typed text), the code, the parameters as JSON. */
export function storedText<Params>(
  value: Coded<Params> | string,
  english: (coded: Coded<Params>) => string,
): { text: string; code: string | null; params: string | null } {
  if (typeof value === 'string') return { text: value, code: null, params: null };
  return { text: english(value), code: String(value.code), params: JSON.stringify(value.params) };
}

/** A text with its `{name}` placeholders filled in (missing values: empty). */
export function fillIn(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}

/** Stored parameters as the API gives them. */
export function readParams(params: string | null | undefined): Record<string, unknown> | null {
  return params ? (JSON.parse(params) as Record<string, unknown>) : null;
}
