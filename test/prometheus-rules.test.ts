import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { exposedMetricNames, metricNamesIn } from './support/metric-names.js';
import { promtoolPath } from './support/promtool.js';
import { sosAnswered } from './support/sos-answered.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rulesFile = 'deploy/prometheus/yiyang-rules.yml';
const rulesTests = 'deploy/prometheus/yiyang-rules.test.yml';
const dashboardFile = 'deploy/grafana/yiyang-dashboard.json';
/** Prometheus's own series about the scrape, not the hub's. */
const scrapeSeries = new Set(['up']);

/** promtool's exit code and output (promtoolPath() fails naming TEST_PROMTOOL when it is missing). */
function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  const program = promtoolPath();
  return new Promise((resolve) => {
    execFile(program, args, { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, output: stdout + stderr });
    });
  });
}

/** The `expr:` of every rule of a Prometheus rules file. */
function ruleExpressions(text: string): string[] {
  const file = parse(text) as { groups: Array<{ rules: Array<{ expr: string }> }> };
  return file.groups.flatMap((group) => group.rules.map((rule) => String(rule.expr)));
}

interface DashboardPanel {
  targets?: Array<{ expr?: string }>;
  panels?: DashboardPanel[];
}

/** Every PromQL of a dashboard: its panels' targets (rows' too) and its variables' label_values(). */
function dashboardExpressions(dashboard: {
  panels: DashboardPanel[];
  templating: { list: Array<{ query?: { query?: string } }> };
}): string[] {
  const walk = (panels: DashboardPanel[]): string[] =>
    panels.flatMap((p) => [...(p.targets ?? []).flatMap((t) => t.expr ?? []), ...walk(p.panels ?? [])]);
  const variables = dashboard.templating.list.flatMap((v) =>
    v.query?.query ? [v.query.query.replace(/^label_values\((.*),\s*\w+\)$/, '$1')] : [],
  );
  return [...walk(dashboard.panels), ...variables];
}

describe('Prometheus rules and the Grafana dashboard', () => {
  let hub: TestHub;
  let exposed: Set<string>;
  const unknownNames = (expressions: string[]) =>
    expressions.flatMap(metricNamesIn).filter((name) => !exposed.has(name) && !scrapeSeries.has(name));

  beforeAll(async () => {
    hub = await startTestHub();
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
    await sosAnswered(hub, 'rules-sos');
    const scrape = await hub.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
    exposed = exposedMetricNames(scrape.body);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('[RULES-CHECK] promtool check rules accepts the rules file', async () => {
    const { code, output } = await promtool('check', 'rules', rulesFile);
    expect(code, output).toBe(0);
    expect(output).toContain('SUCCESS');
  });

  it('[RULES-UNIT] promtool test rules: the key alerts fire on bad series and stay quiet on good ones', async () => {
    const { code, output } = await promtool('test', 'rules', rulesTests);
    expect(code, output).toBe(0);
    expect(output).toContain('SUCCESS');
  });

  it("[RULES-NAMES] every metric a rule reads is in a real hub's /metrics", () => {
    const expressions = ruleExpressions(readFileSync(`${root}${rulesFile}`, 'utf8'));
    expect(expressions.length).toBeGreaterThanOrEqual(10);
    expect(expressions.flatMap(metricNamesIn)).toEqual(
      expect.arrayContaining(['yiyang_sos_to_offer_seconds_bucket', 'yiyang_event_puback_seconds_bucket']),
    );
    expect(unknownNames(expressions)).toEqual([]);
  });

  it("[DASHBOARD-NAMES] every metric a dashboard panel reads is in a real hub's /metrics", () => {
    const dashboard = JSON.parse(readFileSync(`${root}${dashboardFile}`, 'utf8'));
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource' }),
    ]);
    const expressions = dashboardExpressions(dashboard);
    expect(expressions.length).toBeGreaterThanOrEqual(20);
    expect(unknownNames(expressions)).toEqual([]);
  });

  it('[PROMQL-NAMES] names are told from functions, keywords, labels, durations and Grafana variables', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.95, sum by (job, le) (rate(a_bucket{le!="+Inf", kind=~"sos|fall"}[$__rate_interval])))' +
          ' > 2 and on (instance) b offset 15m / ignoring(kind) group_left c unless d > bool 1e3 or sum(e) without (x)',
      ),
    ).toEqual(['a_bucket', 'b', 'c', 'd', 'e']);
  });
});
