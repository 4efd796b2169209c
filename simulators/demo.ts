import { pino } from 'pino';
import { loadDeviceCatalog } from '../devices/catalog.js';
import { ConfigError, loadConfig } from '../hub/config.js';
import { demoAdminPassword, demoDataDir } from '../hub/demo-credentials.js';
import { startHub } from '../hub/hub.js';
import { demoBanner } from './demo-banner.js';
import { DemoCast, demoTimings } from './demo-cast.js';
import { demoPeople, demoSecret } from './demo-district.js';
import { demoCheckIns, scheduleDemoCheckIns } from './demo-welfare.js';
import { DeviceFleet } from './device-fleet.js';
import { sleep } from './fleet/device-links.js';
import { seededRandom } from './seeded-random.js';

/**
 * `npm run demo`: the hub on its embedded defaults, the demo district and its people applied
 * through the API (volunteers' simulated phones, the duty desk, the catalog, a rated order), and
 * a fleet of simulated devices whose wearers press SOS now and then.
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
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  const baseUrl = `http://${host}:${hub.addresses.http}`;
  const say = (line: string) => console.log(`${new Date().toLocaleTimeString('zh-CN')}  ${line}`);
  const random = seededRandom(7);
  const cast = new DemoCast({
    baseUrl,
    adminPassword: config.adminPassword!,
    signedIn: (username, exceptId) => hub.sockets.signedIn(username, exceptId),
    timings: demoTimings,
    serviceTime: sleep,
    random,
    say,
    logger,
  });
  const { ratedOrder } = await cast.start();
  const doc = cast.district;

  const catalog = await loadDeviceCatalog();
  const fleet = new DeviceFleet({
    url: `mqtt://127.0.0.1:${hub.addresses.mqtt}`,
    catalog,
    random,
    logger,
    periodMs: { watch: 60_000, fall_radar: 10_000, door: 3_600_000 },
    ignoreNotify: { devices: [demoCheckIns.ignoringWatch] },
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

  const checkInAt = await scheduleDemoCheckIns(hub.app, admin.token, config.timebank.utcOffsetMinutes);
  say(
    `${checkInAt} 问安：${demoCheckIns.answered}、${demoCheckIns.ignored} 的手表显示“早上好，请按确认”；${demoCheckIns.ignored} 不回应，${demoCheckIns.waitMinutes} 分钟后产生“问安未回应”告警 — a check-in at ${checkInAt}; ${demoCheckIns.ignored} does not answer it, a welfare_check alert follows`,
  );

  const elderOf = new Map(
    (doc.elders ?? []).flatMap((e) => (e.devices ?? []).map((d) => [d.id, `${e.id} ${e.name}`] as const)),
  );
  const watches = devices.filter((d) => d.type === 'watch');
  const pressSos = (watchId: string) => {
    say(`${elderOf.get(watchId)} 按下了一键呼救 presses SOS (${watchId})`);
    fleet.raise(watchId, 'sos').catch((error: unknown) => logger.error({ err: error }, 'SOS not delivered'));
  };
  const sosTimer = setInterval(() => pressSos(watches[Math.floor(random() * watches.length)]!.id), 45_000);
  // The first call for help comes from the family's elder: the family login sees it too.
  const familyWatch = watches.find((w) => elderOf.get(w.id)?.startsWith(`${demoPeople.family.elderId} `))!;
  setTimeout(() => pressSos(familyWatch.id), 5_000);
  ratedOrder.then(
    () =>
      say(
        '家属已评价送餐服务，等待专员认证 — a meal delivery rated by the family waits for a specialist to certify it (#/timebank)',
      ),
    (error: unknown) => logger.error({ err: error }, 'rated order not seeded'),
  );

  console.log(
    demoBanner({
      url: baseUrl,
      mqtt: `mqtt://${host}:${hub.addresses.mqtt}`,
      doc,
      devices: devices.length,
      adminPassword: config.adminPassword!,
      deskDwellMs: demoTimings.deskDwellMs,
    }),
  );

  const stop = async () => {
    clearInterval(sosTimer);
    cast.stop();
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
