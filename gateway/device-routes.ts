import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deviceIdPattern, deviceIdRule } from '../devices/catalog.js';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { deviceSchema } from '../registry/api-schemas.js';
import { type DeviceRegistry, DeviceRegistryError } from '../registry/device-registry.js';
import type { MqttGateway } from './mqtt-gateway.js';

const withSecret = z.object({
  device: deviceSchema,
  secret: z.string().describe('shown once; the hub keeps only its hash'),
});
const idParam = z.object({ id: z.string().regex(deviceIdPattern) });
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

function asHttp(error: unknown): never {
  if (error instanceof DeviceRegistryError) {
    const status = { not_found: 404, conflict: 409, invalid: 400 }[error.code];
    throw new HttpError(status, error.code, error.message);
  }
  throw error;
}

export const deviceRoutes: FastifyPluginAsyncZod<{ devices: DeviceRegistry; gateway: MqttGateway }> = async (
  app,
  { devices, gateway },
) => {
  app.get(
    '/',
    {
      preHandler: allow('admin', 'specialist', 'family'),
      schema: {
        tags: ['devices'],
        summary: 'Devices in your org unit, with their health',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(1000) }),
        response: { 200: z.object({ devices: z.array(deviceSchema) }), ...errors },
      },
    },
    async (request) => ({ devices: await devices.list(signedIn(request).scopePath, request.query.limit) }),
  );

  app.post(
    '/',
    {
      preHandler: allow('admin'),
      schema: {
        tags: ['devices'],
        summary: 'Provision a device; its secret is in the answer and nowhere else',
        body: z.object({
          id: z.string().regex(deviceIdPattern, deviceIdRule),
          type: z.string(),
          elder_id: z.string().nullable().default(null),
          secret: z.string().min(12).max(256).optional(),
        }),
        response: { 201: withSecret, ...errors },
      },
    },
    async (request, reply) => {
      const { id, type, elder_id, secret } = request.body;
      const created = await devices
        .provision({ id, type, elderId: elder_id, secret }, signedIn(request).scopePath)
        .catch(asHttp);
      return reply.code(201).send(created);
    },
  );

  app.post(
    '/:id/secret',
    {
      preHandler: allow('admin'),
      schema: {
        tags: ['devices'],
        summary: 'Issue a new secret; the old one stops working',
        params: idParam,
        response: { 200: withSecret, ...errors },
      },
    },
    async (request) => {
      const rotated = await devices
        .rotateSecret(request.params.id, signedIn(request).scopePath)
        .catch(asHttp);
      gateway.disconnect(request.params.id);
      return rotated;
    },
  );

  app.post(
    '/:id/revoke',
    {
      preHandler: allow('admin'),
      schema: {
        tags: ['devices'],
        summary: 'Revoke a device: it is disconnected and refused from now on',
        params: idParam,
        response: { 200: z.object({ device: deviceSchema }), ...errors },
      },
    },
    async (request) => {
      const revoked = await devices.revoke(request.params.id, signedIn(request).scopePath).catch(asHttp);
      gateway.disconnect(request.params.id);
      return { device: revoked };
    },
  );
};
