import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('configuration', () => {
  it('[CONFIG-DEFAULTS] the embedded defaults match the operator interface', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8080, mqttPort: 1883, dataDir: './data' });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('[CONFIG-ENV] environment variables override the defaults', () => {
    const config = loadConfig({
      PORT: '9090',
      MQTT_PORT: '11883',
      DATABASE_URL: 'postgres://u@127.0.0.1/db',
    });
    expect(config).toMatchObject({ port: 9090, mqttPort: 11883, databaseUrl: 'postgres://u@127.0.0.1/db' });
  });

  it('[CONFIG-ERROR] a bad value stops the start with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ MQTT_PORT: '70000' })).toThrow(/MQTT_PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD/);
    expect(() =>
      loadConfig({ MQTT_TLS_CERT: '/no/such/cert.pem', MQTT_TLS_KEY: '/no/such/key.pem' }),
    ).toThrow(/MQTT_TLS_CERT/);
    expect(() => loadConfig({ MQTT_TLS_CERT: '/no/such/cert.pem' })).toThrow(/MQTT_TLS_KEY/);
    expect(() => loadConfig({ TIMEBANK_CREDIT_RATE: 'lots' })).toThrow(/TIMEBANK_CREDIT_RATE/);
  });

  it('[CONFIG-CLUSTER] cluster settings that cannot work together stop the start with the reason', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /REDIS_URL: cluster mode needs DATABASE_URL/,
    );
    expect(() => loadConfig({ HUB_PROCESSES: '2' })).toThrow(
      /HUB_PROCESSES: more than one process needs REDIS_URL/,
    );
    expect(() => loadConfig({ HUB_PROCESSES: 'auto' })).toThrow(/HUB_PROCESSES/);
    expect(() => loadConfig({ HUB_PROCESSES: 'many' })).toThrow(/HUB_PROCESSES/);
    expect(() => loadConfig({ CLUSTER_PARTITIONS: '0' })).toThrow(/CLUSTER_PARTITIONS/);
    const cluster = loadConfig({
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://hub@127.0.0.1/yiyang',
      HUB_PROCESSES: 'auto',
    });
    expect(cluster.hubProcesses).toBe('auto');
    expect(cluster.clusterPartitions).toBe(64);
    expect(loadConfig({}).hubProcesses).toBe(1);
  });
});
