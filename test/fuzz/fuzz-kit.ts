import fc from 'fast-check';

/**
 * Shared pieces of the fuzz tests (fast-check). Every property runs with a fixed seed so that a
 * run is repeatable and CI sees the same cases as a developer: `FUZZ_SEED=<n>` explores other
 * cases, `FUZZ_SCALE=<x>` multiplies every property's `numRuns` (e.g. 10 for a long soak; the
 * default keeps `npx vitest run test/fuzz` well under 60 s on two cores). A failure prints the
 * seed and the counterexample's path; a bug once found stays as one of the property's `examples`.
 */
export const fuzzSeed = Number(process.env.FUZZ_SEED ?? 13_2026);
const fuzzScale = Number(process.env.FUZZ_SCALE ?? 1);

/** The parameters of one property: the shared seed, its run count scaled, its regression examples. */
export function fuzzParameters<T>(numRuns: number, examples: T[] = []): fc.Parameters<T> {
  return { seed: fuzzSeed, numRuns: Math.max(1, Math.round(numRuns * fuzzScale)), examples };
}

/** Counts the cases each property ran, for the one summary line a fuzz file prints. */
export class CaseCount {
  private readonly counts = new Map<string, number>();

  constructor(private readonly file: string) {}

  /** Wraps a property's predicate so that every case it runs (examples and shrinks too) is counted. */
  counted<A extends unknown[], R>(property: string, predicate: (...args: A) => R): (...args: A) => R {
    return (...args) => {
      this.counts.set(property, (this.counts.get(property) ?? 0) + 1);
      return predicate(...args);
    };
  }

  get total(): number {
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return total;
  }

  /** `fuzz: <file> N cases (property n, …)`: the number the README quotes. */
  print(): void {
    const parts = [...this.counts].map(([name, n]) => `${name} ${n}`).join(', ');
    console.log(`fuzz: ${this.file} ${this.total} cases (seed ${fuzzSeed}; ${parts})`);
  }
}

/** Strings that have broken parsers, routers, SQL and logs before. */
const nastyConstants = [
  '',
  ' ',
  '..',
  '../..',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f',
  '/',
  '//',
  'a//b',
  '+',
  '#',
  'care/+/event',
  'care/#',
  '$SYS/broker',
  '\u0000',
  'a\u0000b',
  '\r\n',
  '\t',
  '\u202e\u0644\u0627', // right-to-left override, Arabic
  '\ud800', // a lone surrogate
  '\udfff\ud800',
  '\ufeff',
  '😀👨‍👩‍👧‍👦',
  '𝕏𝔂𝔃',
  'Ａｄｍｉｎ', // full-width
  'e\u0301', // combining accent
  '王秀英',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-0',
  '0x10',
  '00001',
  '1_000',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  "' OR 1=1 --",
  '%',
  '%00',
  '%E0%A4%A',
  '%%%',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j lookup, meant literally
  '${jndi:ldap://x}',
  'JINGTIAN',
  'jingtian',
  'e-0001',
  'w-0001',
  'v-0001',
  'admin',
];

/** Short odd strings: the nasty constants, full Unicode (lone surrogates included) and ASCII noise. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...nastyConstants) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...nastyConstants), fc.constantFrom(...nastyConstants))
      .map(([a, b]) => `${a}/${b}`),
  },
);

/** Like `oddString`, now and then very long (up to 100,000 characters: within every body limit). */
export const oddLongString: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: oddString },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', '王', '😀', '../', '\u0000', '%'), fc.integer({ min: 256, max: 100_000 }))
      .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length))),
  },
);

/** Numbers that are valid JSON but odd: huge, tiny, negative zero, fractions, beyond 2^53. */
export const oddNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    0.5,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    -Number.MAX_SAFE_INTEGER - 2,
    5e-324,
    8_640_000_000_000_001,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 63,
    1764392000123,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Any JSON value, with odd strings and numbers at the leaves and odd keys in objects. */
export const oddJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    oddNumber,
    oddString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(oddString, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/**
 * A number written out as JSON text that `JSON.stringify` would never produce: `1e999` parses
 * to Infinity, `1e-999` to 0, long digit strings lose precision.
 */
export class RawNumber {
  constructor(readonly text: string) {}
}

export const rawNumber: fc.Arbitrary<RawNumber> = fc
  .constantFrom(
    '1e999',
    '-1e999',
    '1E400',
    '1e-999',
    '-0',
    '-0.0',
    '1.0',
    '1e2',
    '123456789012345678901234567890',
    '0.1e1',
    '9007199254740993',
  )
  .map((text) => new RawNumber(text));

/** JSON text of a value in which `RawNumber`s are written verbatim. */
export function jsonText(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Any value, valid or not as JSON text: `oddJson` leaves mixed with raw numbers. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: oddJson },
  { weight: 1, arbitrary: rawNumber },
);
