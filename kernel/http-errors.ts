import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Every error answer has this shape: a stable code, a sentence, and for bad input each bad entry by path. */
export const errorBody = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

/** `/elders/0/devices/1/id` → `elders[0].devices[1].id` */
function pathOf(instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      return reply
        .code(error.statusCode)
        .send({ error: error.code, message: error.message, issues: error.issues });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => ({
        path: pathOf(v.instancePath) || '(root)',
        message: v.message,
      }));
      return reply.code(400).send({
        error: 'invalid_request',
        message: `the ${error.validationContext ?? 'request'} has ${issues.length} invalid entr${issues.length === 1 ? 'y' : 'ies'}`,
        issues,
      });
    }
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({
        error: 'body_too_large',
        message: `the request body is over this call's limit of ${Math.round((request.routeOptions.bodyLimit ?? 0) / 1024)} KiB`,
      });
    }
    if (status < 500) {
      return reply.code(status).send({ error: error.code ?? 'bad_request', message: error.message });
    }
    // Details of a server fault stay in the log; the client learns only that it happened.
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error; the hub has logged it' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}

/**
 * Fastify's own refusals before any route runs (a URL it cannot decode, a path parameter over its
 * length), answered in the hub's shape: by default they came as `{"error":"Bad Request","code",…}`
 * (found by fuzzing). Pass it as the `frameworkErrors` option of `Fastify()`.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    reply
      .code(400)
      .send({ error: 'bad_url', message: 'the URL cannot be decoded (a % must start a UTF-8 escape)' });
  } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    reply.code(414).send({ error: 'uri_too_long', message: 'a path parameter is too long' });
  } else {
    request.log.error({ err: error }, 'request failed');
    reply.code(500).send({ error: 'internal', message: 'internal error; the hub has logged it' });
  }
}
