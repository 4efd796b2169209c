import { pino } from 'pino';
import { loadDeviceCatalog } from '../devices/catalog.js';
import { ConfigError, loadConfig } from '../hub/config.js';
import { demoAdminPassword, demoDataDir } from '../hub/demo-credentials.js';
import { startHub } from '../hub/hub.js';
import { demoDistrict, demoSecret, demoSpecialistPassword } from './demo-district.js';
import { DeviceFleet } from './device-fleet.js';
import { seededRandom } from './seeded-random.js';

/**
 * `npm run demo`: the hub on its embedded defaults, the demo district applied
 * through the API, and a fleet of simulated devices whose wearers press SOS now and then.
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    // Its own store and this machine only, whatever the shell says (a production DATA_DIR or HOST
    // left in it must not get the demo's public logins): other settings come from the environment.
    config = loadConfig({
      ...process.env,
      ADMIN_PASSWORD: demoAdminPassword,
      DATA_DIR: demoDataDir,
      DATABASE_URL: undefined,
      HOST: '127.0.0.1',
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const root = pino({ level: process.env.LOG_LEVEL ?? 'warn', base: null });
  const logger = root.child({ component: 'demo' });
  const hub = await startHub(config, { logger: root });

  const admin = await hub.accounts.login('admin', config.adminPassword!);
  if (!admin || !('token' in admin)) {
    console.error(
      'The store already has an admin whose password is not ADMIN_PASSWORD; set ADMIN_PASSWORD or use a fresh DATA_DIR.',
    );
    process.exit(2);
  }
  const doc = demoDistrict();
  const put = await hub.app.inject({
    method: 'PUT',
    url: '/api/v1/district',
    headers: { authorization: `Bearer ${admin.token}` },
    payload: doc,
  });
  if (put.statusCode !== 200) throw new Error(`demo district refused: ${put.body}`);

  const catalog = await loadDeviceCatalog();
  const random = seededRandom(7);
  const fleet = new DeviceFleet({
    url: `mqtt://127.0.0.1:${hub.addresses.mqtt}`,
    catalog,
    random,
    logger,
    periodMs: { watch: 60_000, fall_radar: 10_000, door: 3_600_000 },
  });
  const devices = (doc.elders ?? []).flatMap((elder) =>
    (elder.devices ?? []).map((d) => ({
      id: d.id,
      type: d.type,
      secret: demoSecret(d.id),
      home: elder.location!,
    })),
  );
  await fleet.start(devices);

  const watches = devices.filter((d) => d.type === 'watch');
  const pressSos = () => {
    const watch = watches[Math.floor(random() * watches.length)]!;
    fleet.raise(watch.id, 'sos').then(
      () => console.log(`${new Date().toLocaleTimeString('zh-CN')}  ${watch.id} 按下了一键呼救 (SOS)`),
      (error: unknown) => logger.error({ err: error }, 'SOS not delivered'),
    );
  };
  const sosTimer = setInterval(pressSos, 45_000);
  setTimeout(pressSos, 5_000);

  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  console.log(`
颐养 Yiyang demo is running — 演示已启动
  Console 控制台:  http://${host}:${hub.addresses.http}/
    login 登录:    admin / ${config.adminPassword}   (or spec-jingtian / ${demoSpecialistPassword})
  API docs:        http://${host}:${hub.addresses.http}/docs
  MQTT:            mqtt://${host}:${hub.addresses.mqtt}   (${devices.length} simulated devices connected)
A watch presses SOS every 45 s. Ctrl+C stops.
`);

  const stop = async () => {
    clearInterval(sosTimer);
    await fleet.stop();
    await hub.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
