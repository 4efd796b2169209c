import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody } from '../../kernel/http-errors.js';
import type { DistrictDocumentInput } from '../../registry/district-document.js';
import { smallDistrict, startTestHub, type TestHub } from '../support/hub.js';
import { until } from '../support/wait.js';
import { CaseCount, fuzzParameters, jsonText, oddLongString, oddString, oddValue } from './fuzz-kit.js';

/**
 * Fuzzing every HTTP route the hub's OpenAPI document lists, through `app.inject`: generated
 * path parameters, query strings, headers and JSON bodies (mostly shaped by the route's own
 * schema so that they reach the handler, the rest anything), as every role, signed out and with
 * a forged token. Whatever comes in, the answer is a 2xx/3xx or a 4xx with the hub's JSON error
 * body (`{"error","message"}`): never a 5xx.
 */
const cases = new CaseCount('http-routes');
const statuses = new Map<number, number>();

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  nullable?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  default?: unknown;
}

interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/api/v1/alerts/{id}` as the document writes it. */
  path: string;
  parameters: Array<{
    in: 'path' | 'query' | 'header';
    name: string;
    required?: boolean;
    schema: JsonSchema;
  }>;
  body: JsonSchema | undefined;
}

let hub: TestHub;
let operations: Operation[] = [];
/** Who calls: each role of the district, nobody, and a forged token. */
const identities: Record<string, Record<string, string>> = {};
/** Ids that exist in the store, so that generated requests also reach the handlers' real work. */
let knownIds: string[] = [];
/** Our own users: a district document must not take them over mid-run (their tokens would end). */
const ownUsers = ['admin', 'spec-jingtian', 'v-0001', 'wang-family', 'admin-lianhua', 'spec-meilin'];

function district(): DistrictDocumentInput {
  const doc = smallDistrict();
  doc.org_units = [
    ...doc.org_units!,
    { id: 'wang-family', name: '王家', level: 'family', parent: 'jingtian' },
  ];
  doc.users = [
    ...doc.users!,
    { username: 'wang-family', password: 'family-password-1', role: 'family', org_unit: 'wang-family' },
  ];
  return doc;
}

/**
 * A value for a JSON schema. `lax`: mostly what it allows, sometimes anything, at every level.
 * Strict: only what it allows (ids that exist, pattern matches, bounds), so that a request gets past
 * validation and reaches the handler's real work.
 */
function fromSchema(
  schema: JsonSchema | undefined,
  pool: string[],
  lax: boolean,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return oddValue;
  let right: fc.Arbitrary<unknown>;
  if (schema.enum) right = fc.constantFrom(...schema.enum);
  else if (schema.const !== undefined) right = fc.constant(schema.const);
  else if (schema.anyOf || schema.oneOf) {
    right = fc.oneof(...(schema.anyOf ?? schema.oneOf)!.map((s) => fromSchema(s, pool, lax, depth + 1)));
  } else if (schema.allOf?.[0]) right = fromSchema(schema.allOf[0], pool, lax, depth);
  else {
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    right = shaped(type, schema, pool, lax, depth);
  }
  const options = [{ weight: 8, arbitrary: right }];
  if (lax) options.push({ weight: depth === 0 ? 1 : 2, arbitrary: oddValue });
  if (schema.nullable) options.push({ weight: 1, arbitrary: fc.constant(null) });
  return fc.oneof(...options);
}

/** Either strict or lax, half and half. */
function eitherWay(schema: JsonSchema | undefined, pool: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(fromSchema(schema, pool, false), fromSchema(schema, pool, true));
}

/** Strings matching a schema's pattern; for one fast-check cannot build (a lookahead), strings near it. */
function matching(pattern: string): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(new RegExp(pattern));
  } catch {
    return fc.string({ unit: 'grapheme-ascii', minLength: 8, maxLength: 40 });
  }
}

function shaped(
  type: string | undefined,
  schema: JsonSchema,
  pool: string[],
  lax: boolean,
  depth: number,
): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string': {
      const fits = (text: string) =>
        text.length >= (schema.minLength ?? 0) &&
        text.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY) &&
        (!schema.pattern || new RegExp(schema.pattern).test(text));
      const fitting = pool.filter(fits);
      // Odd strings rarely fit a pattern (a phone number's never do): filtering them for one would
      // spin for ever, so a valid value with a pattern comes from the pool or from the pattern itself.
      const options: Array<fc.Arbitrary<string>> = lax
        ? [oddLongString]
        : schema.pattern
          ? []
          : [oddLongString.filter(fits)];
      if (fitting.length > 0) options.push(fc.constantFrom(...fitting), fc.constantFrom(...fitting));
      if (schema.pattern) options.push(matching(schema.pattern).filter(fits));
      else {
        options.push(
          fc.string({
            unit: 'grapheme',
            minLength: schema.minLength ?? 0,
            maxLength: Math.min(schema.maxLength ?? 40, 40),
          }),
        );
      }
      return fc.oneof(...options);
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? -1e9;
      const max = schema.maximum ?? 1e9;
      const inside = [
        fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }),
        fc.constantFrom(min, max),
      ];
      // Times (ms since the epoch) near now, so that a from/to pair is often a valid range.
      if (max >= 1e12) {
        const now = Date.now();
        const times = [now - 30 * 86_400_000, now - 86_400_000, now, now + 3_600_000];
        inside.push(fc.constantFrom(...times), fc.constantFrom(...times));
      }
      if (!lax) return fc.oneof(...inside);
      return fc.oneof(...inside, fc.constantFrom(min - 1, max + 1, Number.MAX_SAFE_INTEGER, 0.5, -0));
    }
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fromSchema(schema.items, pool, lax, depth + 1), {
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object': {
      const properties = Object.entries(schema.properties ?? {});
      const record = Object.fromEntries(properties.map(([k, s]) => [k, fromSchema(s, pool, lax, depth + 1)]));
      const required = (schema.required ?? []).filter((k) => k in record);
      const value = fc.record(record, { requiredKeys: required });
      if (!lax) return value;
      return fc
        .tuple(value, fc.dictionary(oddString, oddValue, { maxKeys: depth === 0 ? 2 : 1 }), fc.nat(9))
        .map(([fields, extra, drop]) => {
          // Sometimes a required field goes missing, sometimes strangers come along.
          const out: Record<string, unknown> = drop === 0 ? { ...extra, ...fields } : { ...fields };
          if (drop === 1 && required[0]) delete out[required[0]];
          return out;
        });
    }
    default:
      return oddValue;
  }
}

/** A path parameter as it goes into the URL: mostly encoded, sometimes raw traversal or broken escapes. */
function pathValue(schema: JsonSchema): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: eitherWay(schema, knownIds).map((v) => encode(textOf(v))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '..',
        '../..',
        '%2e%2e%2f',
        '%2E%2E',
        'a%2Fb',
        '%',
        '%E0%A4%A',
        '%00',
        '%C0%AE',
        '+',
        '*',
      ),
    },
  );
}

/** Percent-encodes the UTF-8 bytes of a string (a lone surrogate goes as U+FFFD, as a browser sends it). */
function encode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A value as text (a query string or a path segment holds only text). */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  return jsonText(value);
}

/** The query string: declared parameters (shaped or odd, some repeated or left out) and strangers. */
function queryString(op: Operation): fc.Arbitrary<string> {
  const declared = op.parameters.filter((p) => p.in === 'query');
  const pairs = declared.map((p) =>
    fc
      .oneof(
        { weight: 2, arbitrary: fc.constant([] as string[]) },
        { weight: 6, arbitrary: eitherWay(p.schema, knownIds).map((v) => [textOf(v)]) },
        { weight: 1, arbitrary: fc.array(oddString, { minLength: 2, maxLength: 3 }) },
      )
      .map((values) => values.map((v) => `${p.name}=${encode(v)}`)),
  );
  const strangers = fc
    .array(
      fc.oneof(
        fc.tuple(oddString, oddString).map(([k, v]) => `${encode(k)}=${encode(v)}`),
        fc.constantFrom('%', '=', '&&', 'a=%E0%A4%A', '__proto__[x]=1', 'limit=1&limit=2', '?'),
      ),
      { maxLength: 2 },
    )
    .map((s) => s);
  return fc
    .tuple(fc.tuple(...pairs), strangers)
    .map(([declaredPairs, extra]) => [...declaredPairs.flat(), ...extra].join('&'));
}

/** Header values an HTTP client can send at all (no CR/LF, Latin-1). */
const headerText = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/[\r\n\0]/g, '')),
  fc.stringMatching(/^[\x21-\x7e]{8,40}$/),
  fc.constantFrom('', ' ', '../..', 'a'.repeat(300), 'ÿÿÿ'),
);

/** What a request sends as its body: the route's schema shaped, anything, broken JSON, or another type. */
type BodyParts = Pick<InjectOptions, 'payload' | 'headers'>;

function bodyOf(op: Operation): fc.Arbitrary<BodyParts> {
  const pool = op.path === '/api/v1/district/' ? knownIds.filter((id) => !ownUsers.includes(id)) : knownIds;
  const json = (value: unknown) => ({
    payload: jsonText(value),
    headers: { 'content-type': 'application/json' },
  });
  return fc.oneof(
    { weight: op.body ? 6 : 0, arbitrary: fromSchema(op.body, pool, false).map(json) },
    { weight: op.body ? 4 : 1, arbitrary: fromSchema(op.body, pool, true).map(json) },
    { weight: 1, arbitrary: oddValue.map(json) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { payload: '', headers: { 'content-type': 'application/json' } },
        { payload: '{"a":', headers: { 'content-type': 'application/json' } },
        { payload: '{"__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } },
        { payload: 'hello', headers: { 'content-type': 'text/plain' } },
        { payload: '<x/>', headers: { 'content-type': 'application/xml' } },
        { payload: '{}', headers: { 'content-type': 'application/json; charset=utf-16' } },
        { payload: undefined, headers: {} },
      ),
    },
  );
}

/** One generated request of an operation. */
function request(op: Operation): fc.Arbitrary<InjectOptions & { who: string }> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const headerParams = op.parameters.filter((p) => p.in === 'header');
  // Signing out ends the token the rest of the run uses: only the anonymous and forged try it.
  const callers = op.path === '/api/v1/auth/logout' ? ['nobody', 'forged'] : Object.keys(identities);
  return fc
    .record({
      who: fc.constantFrom(...callers),
      path: fc.tuple(...pathParams.map((p) => pathValue(p.schema))),
      query: queryString(op),
      headers: fc.tuple(
        ...headerParams.map((p) =>
          fc.option(fc.oneof({ weight: 3, arbitrary: eitherWay(p.schema, []).map(textOf) }, headerText), {
            nil: undefined,
            freq: 8,
          }),
        ),
      ),
      body: op.method === 'GET' || op.method === 'DELETE' ? fc.constant<BodyParts>({}) : bodyOf(op),
    })
    .map(({ who, path, query, headers, body }) => {
      let url = op.path;
      pathParams.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, path[i]!);
      });
      const sent: Record<string, string> = {
        ...identities[who],
        ...(body.headers as Record<string, string>),
      };
      headerParams.forEach((p, i) => {
        const value = headers[i];
        if (value !== undefined && /^[\t\x20-\x7e\x80-\xff]*$/.test(value)) sent[p.name] = value;
      });
      return {
        who,
        method: op.method,
        url: query ? `${url}?${query}` : url,
        headers: sent,
        payload: body.payload as string | undefined,
      };
    });
}

/** The rule: a 2xx/3xx, or a 4xx with the hub's JSON error body; never a 5xx. */
async function answersClearly(req: InjectOptions & { who: string }): Promise<void> {
  const { who, ...options } = req;
  const res = await hub.app.inject(options);
  statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  const where = `${options.method} ${options.url} as ${who} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, where).toBeLessThan(500);
  if (res.statusCode >= 400) {
    expect(String(res.headers['content-type']), where).toMatch(/^application\/json/);
    const shape = errorBody.strict().safeParse(res.json());
    expect(shape.success ? 'the hub’s error body' : shape.error.message, where).toBe('the hub’s error body');
  }
}

beforeAll(async () => {
  hub = await startTestHub();
  expect((await hub.putDistrict(district())).statusCode).toBe(200);
  identities.admin = hub.as(hub.adminToken);
  identities.specialist = hub.as(await hub.login('spec-jingtian', 'spec-password-1'));
  identities.responder = hub.as(await hub.login('v-0001', 'volunteer-password'));
  identities.family = hub.as(await hub.login('wang-family', 'family-password-1'));
  identities.nobody = {};
  identities.forged = { authorization: 'Bearer forged-token-0000000000000000' };

  // Something to act on: an open SOS alert, a service order, a catalog item.
  const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
  await watch.publishAsync(
    'care/w-0001/event',
    JSON.stringify({ ts: Date.now(), event_id: 'sos-1', type: 'sos' }),
    {
      qos: 1,
    },
  );
  await watch.endAsync();
  const alerts = await until(
    () => hub.store.db.selectFrom('alerts').select('id').execute(),
    (rows) => rows.length > 0,
  );
  await hub.app.inject({
    method: 'POST',
    url: '/api/v1/service-orders',
    headers: identities.specialist,
    payload: { elder_id: 'e-0001', kind: 'visit', wanted_at: Date.now() + 3_600_000 },
  });
  await hub.app.inject({
    method: 'POST',
    url: '/api/v1/timebank/catalog',
    headers: identities.admin,
    payload: { org_unit_id: 'jingtian', name: '理发', price_minutes: 30, stock: 5 },
  });
  const orders = await hub.store.db.selectFrom('service_orders').select('id').execute();
  const items = await hub.store.db.selectFrom('timebank_catalog_items').select('id').execute();
  const doc = district();
  knownIds = [
    ...alerts.map((a) => a.id),
    ...orders.map((o) => o.id),
    ...items.map((i) => String(i.id)),
    ...doc.org_units!.map((u) => u.id),
    ...doc.elders!.flatMap((e) => [e.id, ...(e.devices ?? []).map((d) => d.id)]),
    ...doc.responders!.map((r) => r.id),
    ...doc.users!.map((u) => u.username),
    'admin',
  ];

  // Every route of the OpenAPI document the hub serves.
  const document = (await hub.app.inject({ url: '/api/v1/openapi.json' })).json() as {
    paths: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: unknown }>>;
  };
  operations = Object.entries(document.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase() as Operation['method'],
      path,
      parameters: op.parameters ?? [],
      body: (op.requestBody as { content?: { 'application/json'?: { schema?: JsonSchema } } } | undefined)
        ?.content?.['application/json']?.schema,
    })),
  );
});

afterAll(async () => {
  cases.print();
  console.log(
    `fuzz: http-routes statuses ${[...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}`,
  );
  await hub?.stop();
});

describe('fuzzing every HTTP route of the OpenAPI document', () => {
  it('[FUZZ-HTTP-ROUTES] generated params, queries, headers and bodies, as every role: never a 5xx, every 4xx a JSON {error,message}', async () => {
    expect(operations.length).toBeGreaterThan(30);
    for (const op of operations) {
      // Regressions: a URL fastify cannot decode, a path parameter over its length (both once
      // answered in fastify's shape, `{"error":"Bad Request","code":…}`, not the hub's).
      const withParams = (value: string) => ({
        who: 'admin',
        method: op.method,
        url: op.path.replace(/\{[^}]+\}/g, value),
        headers: identities.admin,
      });
      const examples: Array<[InjectOptions & { who: string }]> = op.path.includes('{')
        ? [[withParams('%')], [withParams('%E0%A4%A')], [withParams('a'.repeat(150))]]
        : [];
      await fc.assert(
        fc.asyncProperty(request(op), cases.counted('routes', answersClearly)),
        fuzzParameters(30, examples),
      );
    }
  }, 60_000);

  it('[FUZZ-HTTP-AUTH] odd Authorization headers on every route: a 401/403 (or a public answer), never a 5xx', async () => {
    const authorization = fc.oneof(
      headerText,
      headerText.map((t) => `Bearer ${t}`),
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        'bearer x',
        'Basic YWRtaW46YWRtaW4=',
        `Bearer ${'x'.repeat(8000)}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations),
        authorization,
        cases.counted('authorization', async (op: Operation, header: string) => {
          const url = op.path.replace(/\{[^}]+\}/g, 'e-0001');
          const res = await hub.app.inject({ method: op.method, url, headers: { authorization: header } });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          expect(res.statusCode, `${op.method} ${url} with ${header.slice(0, 40)}`).toBeLessThan(500);
          if (res.statusCode >= 400) expect(errorBody.strict().safeParse(res.json()).success).toBe(true);
        }),
      ),
      fuzzParameters(150),
    );
  }, 30_000);
});
