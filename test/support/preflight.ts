/**
 * What the full suite needs, checked before it starts (scripts/test-services.sh):
 *   node --import tsx test/support/preflight.ts missing     names of what is missing, one a line;
 *                                                           on stderr, how to provide each
 *   node --import tsx test/support/preflight.ts path NAME   where NAME is (empty if missing)
 */
import { chromiumBrowser } from '../browser/support/browser.js';
import { dbusDaemon } from '../browser/support/desktop-notifications.js';
import { haproxy, nginx, systemdAnalyze } from './deploy-programs.js';
import { mosquittoClients } from './mosquitto.js';
import { postgresPrograms } from './postgres-server.js';
import { promtool } from './promtool.js';
import { redisServer } from './redis-server.js';
import { howToProvide } from './services.js';
import { victoriaMetrics } from './victoria-metrics.js';

const needs = [
  postgresPrograms,
  mosquittoClients,
  victoriaMetrics,
  chromiumBrowser,
  dbusDaemon,
  promtool,
  redisServer,
  nginx,
  systemdAnalyze,
  haproxy,
];

const [command, name] = process.argv.slice(2);
if (command === 'missing') {
  for (const need of needs.filter((n) => !n.find())) {
    process.stdout.write(`${need.name}\n`);
    process.stderr.write(`  ${need.name}: ${howToProvide(need)}\n`);
  }
} else if (command === 'path' && needs.some((n) => n.name === name)) {
  process.stdout.write(`${needs.find((n) => n.name === name)?.find() ?? ''}\n`);
} else {
  process.stderr.write('usage: preflight.ts missing | path NAME\n');
  process.exitCode = 2;
}
