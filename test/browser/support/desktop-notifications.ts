import { type ChildProcess, spawn } from 'node:child_process';
import dbus from 'dbus-next';
import { need, programAt, programNeed } from '../../support/services.js';

/** Debian's dbus-daemon (apt-get install dbus-daemon), or the one TEST_DBUS_DAEMON_PATH names. */
export const dbusDaemon = programNeed('dbus-daemon', 'TEST_DBUS_DAEMON_PATH', 'a dbus-daemon program', () =>
  programAt('/usr/bin/dbus-daemon'),
);

export interface DesktopNotification {
  id: number;
  summary: string;
  body: string;
  actions: string[];
}

/**
 * The desktop's notification service (org.freedesktop.Notifications, the freedesktop.org
 * Desktop Notifications spec) on a session bus of its own: Chromium on Linux shows a web page's
 * notifications through it, and hears from it that the person clicked one (`ActionInvoked` with
 * the `default` action). Headless Chromium has no other surface to click, so this is how a test
 * clicks a notification for real: Chromium then fires a trusted `notificationclick`, which may
 * open a window, exactly as after a person's tap.
 */
export class DesktopNotifications {
  readonly shown: DesktopNotification[] = [];
  readonly closed: number[] = [];

  private constructor(
    private readonly daemon: ChildProcess,
    private readonly bus: dbus.MessageBus,
    private readonly service: NotificationService,
    /** What a browser's `DBUS_SESSION_BUS_ADDRESS` is set to. */
    readonly address: string,
  ) {}

  static async start(): Promise<DesktopNotifications> {
    const daemon = spawn(need(dbusDaemon), ['--session', '--nofork', '--print-address=1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // Also when a test times out before its own close(): no bus outlives the test run.
    process.once('exit', () => daemon.kill());
    const address = await new Promise<string>((resolve, reject) => {
      daemon.once('error', reject);
      daemon.stdout!.once('data', (d: Buffer) => resolve(String(d).trim()));
    });
    const bus = dbus.sessionBus({ busAddress: address });
    const service = new NotificationService();
    const desktop = new DesktopNotifications(daemon, bus, service, address);
    service.desktop = desktop;
    bus.export('/org/freedesktop/Notifications', service);
    await bus.requestName('org.freedesktop.Notifications', 0);
    return desktop;
  }

  /** The person taps the notification whose text contains `text`. */
  click(text: string): void {
    const shown = this.shown.find((n) => n.summary.includes(text) || n.body.includes(text));
    if (!shown) throw new Error(`no notification showing "${text}"; shown: ${JSON.stringify(this.shown)}`);
    this.service.ActionInvoked(shown.id, 'default');
  }

  close(): void {
    this.bus.disconnect();
    this.daemon.kill();
  }
}

/** The spec's interface, as much of it as a browser uses. */
class NotificationService extends dbus.interface.Interface {
  desktop: DesktopNotifications | undefined;
  private next = 1;

  constructor() {
    super('org.freedesktop.Notifications');
  }

  GetCapabilities(): string[] {
    return ['actions', 'body'];
  }

  GetServerInformation(): string[] {
    return ['yiyang-test', 'yiyang', '1', '1.2'];
  }

  Notify(
    _app: string,
    replaces: number,
    _icon: string,
    summary: string,
    body: string,
    actions: string[],
  ): number {
    const id = replaces || this.next++;
    this.desktop?.shown.push({ id, summary, body, actions });
    return id;
  }

  CloseNotification(id: number): void {
    this.desktop?.closed.push(id);
  }

  ActionInvoked(id: number, action: string): [number, string] {
    return [id, action];
  }
}
NotificationService.configureMembers({
  methods: {
    GetCapabilities: { inSignature: '', outSignature: 'as' },
    GetServerInformation: { inSignature: '', outSignature: 'ssss' },
    Notify: { inSignature: 'susssasa{sv}i', outSignature: 'u' },
    CloseNotification: { inSignature: 'u', outSignature: '' },
  },
  signals: { ActionInvoked: { signature: 'us' }, NotificationClosed: { signature: 'uu' } },
});
