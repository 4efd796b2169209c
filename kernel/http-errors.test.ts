import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpError, installErrorHandler } from './http-errors.js';

async function appWithRoutes() {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/fault', async () => {
    throw new Error('connection string postgres://user:pw@db/secret');
  });
  typed.get('/coded', async () => {
    throw new HttpError(409, 'conflict', 'already there');
  });
  typed.post(
    '/body',
    { schema: { body: z.object({ items: z.array(z.object({ id: z.string().min(3) })) }) } },
    async () => 'ok',
  );
  await app.ready();
  return app;
}

describe('HTTP errors', () => {
  it('[API-5XX] a server fault answers 500 with no detail of the fault', async () => {
    const app = await appWithRoutes();
    const res = await app.inject({ url: '/fault' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'internal', message: expect.any(String) });
    expect(res.body).not.toContain('postgres');
  });

  it('[API-CODED] a coded error keeps its status and code', async () => {
    const app = await appWithRoutes();
    const res = await app.inject({ url: '/coded' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'conflict', message: 'already there' });
  });

  it('[API-PATHS] every invalid body entry is named by its path', async () => {
    const app = await appWithRoutes();
    const res = await app.inject({
      method: 'POST',
      url: '/body',
      payload: { items: [{ id: 'abcd' }, { id: 'x' }, {}] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues.map((i: { path: string }) => i.path)).toEqual(['items[1].id', 'items[2].id']);
  });
});
