import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openedAlertRow } from '../alerts/alert-book.js';
import { dialects } from '../test/support/databases.js';
import { reportsApi } from '../test/support/reports-api.js';
import type { TestLedger } from '../test/support/timebank-district.js';
import { unzip } from '../test/support/zip-reader.js';

const day = 86_400_000;
const url = '/api/v1/reports';

describe.each(dialects)('reports on %s', (dialect) => {
  let t: TestLedger;
  let app: FastifyInstance;
  let as: Awaited<ReturnType<typeof reportsApi>>['as'];
  let range: string;

  beforeAll(async () => {
    ({ t, app, as } = await reportsApi(dialect));
    const { db } = t.store;
    const now = t.clock.now; // 2026-11-30 10:00 local
    range = `from=${now - 3 * day}&to=${now + 1}`;
    let n = 0;
    const alert = async (
      orgUnit: string,
      kind: string,
      openedAgo: number,
      outcome: string | null,
      ackS?: number,
    ) => {
      const opened = now - openedAgo;
      await db
        .insertInto('alerts')
        .values(
          openedAlertRow({
            id: `a-${++n}`,
            elder_id: null,
            org_unit_id: orgUnit,
            kind,
            severity: 'high',
            status: outcome ? 'resolved' : 'open',
            opened_at: opened,
            closed_at: outcome ? opened + 600_000 : null,
            outcome,
            acknowledged_at: ackS === undefined ? null : opened + ackS * 1000,
          }),
        )
        .execute();
    };
    await alert('wang-family', 'sos', 3600_000, 'false_alarm', 20);
    await alert('jingtian', 'fall', 2 * 3600_000, 'help_given', 30);
    await alert('jingtian', 'fall', day + 3600_000, 'wearer_ok', 90);
    await alert('meilin', 'sos', day + 3600_000, null);
    await alert('meilin', 'sos', 10 * day, 'false_alarm'); // before the range
    await db
      .insertInto('service_orders')
      .values({
        id: 'o-1',
        kind: 'visit',
        status: 'certified',
        elder_id: 'e-0003',
        org_unit_id: 'jingtian',
        community_id: 'jingtian',
        note: '',
        wanted_at: now - day,
        requested_by: 'spec-jingtian',
        requested_at: now - day,
        volunteer_id: 'v-0001',
        taken_at: null,
        checked_in_at: null,
        checked_out_at: null,
        measured_minutes: 45,
        rating: 5,
        rating_comment: null,
        rated_by: null,
        claimed_minutes: 45,
        certified_by: 'spec-jingtian',
        certified_at: now - 3600_000,
        credit_status: 'paid',
        credited_minutes: 45,
        capped_by: null,
        alert_id: null,
        updated_at: now,
      })
      .execute();
  });
  afterAll(async () => {
    await app?.close();
    await t?.store.close();
  });
  const get = (path: string, headers?: { authorization: string }) =>
    app.inject({ url: `${url}${path}`, headers });

  it('[REPORTS] alerts by kind, unit and local day with the false-alarm share, service levels and volunteer time', async () => {
    const res = await get(`/summary?${range}`, as.streetAdmin);
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report.org_unit).toMatchObject({ id: 'lianhua', level: 'street' });
    expect(report.totals).toMatchObject({
      alerts: 4,
      closed: 3,
      false_alarms: 2,
      volunteer_minutes: 45,
      services: 1,
    });
    expect(report.totals.false_alarm_share).toBeCloseTo(2 / 3);
    expect(report.by_kind).toEqual([
      { kind: 'fall', group: 'emergency', alerts: 2, closed: 2, false_alarms: 1, false_alarm_share: 0.5 },
      { kind: 'sos', group: 'emergency', alerts: 2, closed: 1, false_alarms: 1, false_alarm_share: 1 },
    ]);
    const units = Object.fromEntries(report.by_unit.map((u: { org_unit_id: string }) => [u.org_unit_id, u]));
    expect(units.jingtian).toMatchObject({
      name: '景田社区',
      alerts: 3,
      false_alarms: 2,
      volunteer_minutes: 45,
    });
    expect(units.jingtian.acknowledged_within_60s).toBeCloseTo(2 / 3);
    expect(units.meilin).toMatchObject({ alerts: 1, closed: 0, false_alarm_share: null });
    expect(units.lianhua).toMatchObject({ alerts: 0 });
    expect(report.by_day.map((d: { day: string; alerts: number }) => [d.day, d.alerts])).toEqual([
      ['2026-11-29', 2],
      ['2026-11-30', 2],
    ]);
    expect(report.volunteers).toEqual([{ volunteer_id: 'v-0001', name: 'v-0001', services: 1, minutes: 45 }]);
    expect(report.service_levels).toMatchObject({ alerts: 4, acknowledged_within_60s: 0.5 });
  });

  it('[REPORTS-SCOPE] a specialist reports on their own unit by default and never on another', async () => {
    expect((await get(`/summary?${range}`, as.specMeilin)).json().totals).toMatchObject({ alerts: 1 });
    expect((await get(`/summary?org_unit=jingtian&${range}`, as.specMeilin)).statusCode).toBe(403);
    expect((await get(`/summary?${range}`, as.volunteer)).statusCode).toBe(403);
    expect((await get(`/summary?from=0&to=${t.clock.now}`, as.streetAdmin)).statusCode).toBe(400);
    const units = (await get('/org-units', as.streetAdmin)).json().org_units;
    expect(units.map((u: { id: string }) => u.id)).toEqual(['lianhua', 'jingtian', 'meilin']);
  });

  it('[REPORTS-FILES] the same tables download as CSV and as an Excel workbook', async () => {
    const csv = await get(`/summary?${range}&format=csv&lang=en`, as.streetAdmin);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/report-lianhua-2026-11-27-2026-11-30\.csv/);
    const lines = csv.body.replace(/^\ufeff/, '').split('\r\n');
    const kinds = lines.indexOf('alerts by kind');
    expect(lines.slice(kinds + 1, kinds + 4)).toEqual([
      'kind,alerts,closed,false alarms,false alarm share,group',
      'Fall,2,2,1,50.0%,emergencies',
      'SOS,2,1,1,100.0%,emergencies',
    ]);
    expect(lines).toContain('v-0001,1,45,0.75');
    const xlsx = await get(`/summary?${range}&format=xlsx&lang=en`, as.streetAdmin);
    const files = unzip(xlsx.rawPayload);
    expect(files.get('xl/workbook.xml')).toContain('name="alerts by kind"');
    expect(files.get('xl/worksheets/sheet3.xml')).toContain('>Fall</t>');
    expect(files.get('xl/worksheets/sheet6.xml')).toContain('<v>45</v>');
    expect(files.get('xl/worksheets/sheet2.xml')).toContain('>50.0%</t>');
  });

  it('[REPORTS-LANG] downloads are in Chinese unless lang=en: titles, headers, measures and alert kinds', async () => {
    const lines = (await get(`/summary?${range}&format=csv`, as.streetAdmin)).body
      .replace(/^\ufeff/, '')
      .split('\r\n');
    expect(lines[0]).toBe('汇总');
    expect(lines[1]).toBe('单位,开始,结束,告警,已结案,误报,误报率,服务次数,志愿服务分钟');
    const kinds = lines.indexOf('各类告警');
    expect(lines.slice(kinds + 1, kinds + 4)).toEqual([
      '类型,告警,已结案,误报,误报率,分组',
      '跌倒,2,2,1,50.0%,紧急求助',
      '一键呼救,2,1,1,100.0%,紧急求助',
    ]);
    expect(lines.some((l) => l.startsWith('60 秒内确认,50.0%,'))).toBe(true);
    const xlsx = unzip((await get(`/summary?${range}&format=xlsx&lang=zh`, as.streetAdmin)).rawPayload);
    expect(xlsx.get('xl/workbook.xml')).toContain('name="志愿服务时长"');
    expect(xlsx.get('xl/worksheets/sheet3.xml')).toContain('>跌倒</t>');
    expect((await get(`/summary?${range}&format=csv&lang=fr`, as.streetAdmin)).statusCode).toBe(400);
  });
});
