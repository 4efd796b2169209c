import { need, programAt, programNeed } from './services.js';

/** nginx (Debian's `nginx`): the reverse proxy of docs/deploy.md, run in front of a hub. */
export const nginx = programNeed('nginx', 'TEST_NGINX_BIN', 'the nginx program', () =>
  programAt('/usr/sbin/nginx'),
);

/** systemd-analyze (Debian's `systemd`): checks deploy/systemd/yiyang.service. */
export const systemdAnalyze = programNeed(
  'systemd-analyze',
  'TEST_SYSTEMD_ANALYZE',
  'the systemd-analyze program',
  () => programAt('/usr/bin/systemd-analyze'),
);

/** The path of nginx; a clear error naming TEST_NGINX_BIN when it is missing. */
export const nginxPath = (): string => need(nginx);
/** The path of systemd-analyze; a clear error naming TEST_SYSTEMD_ANALYZE when it is missing. */
export const systemdAnalyzePath = (): string => need(systemdAnalyze);

/** HAProxy (Debian's `haproxy`): deploy/haproxy/yiyang.cfg, run in front of hub processes. */
export const haproxy = programNeed('haproxy', 'TEST_HAPROXY_BIN', 'the haproxy program', () =>
  programAt('/usr/sbin/haproxy'),
);
/** The path of haproxy; a clear error naming TEST_HAPROXY_BIN when it is missing. */
export const haproxyPath = (): string => need(haproxy);
