import type { DistrictDocumentInput } from '../registry/district-document.js';
import { demoPeople, demoVolunteerPassword } from './demo-district.js';

/** What `npm run demo` prints once it runs: what to open, whom to log in as, what happens by itself. */
export function demoBanner(o: {
  url: string;
  mqtt: string;
  doc: DistrictDocumentInput;
  devices: number;
  adminPassword: string;
  /** How long after the volunteer is on site the duty desk closes the alert. */
  deskDwellMs: number;
}): string {
  const unitName = new Map((o.doc.org_units ?? []).map((u) => [u.id, u.name]));
  const responder = (id: string) => (o.doc.responders ?? []).find((r) => r.id === id)!;
  const elder = (o.doc.elders ?? []).find((e) => e.id === demoPeople.family.elderId)!;
  const volunteers = (o.doc.responders ?? []).filter((r) => r.kind === 'volunteer').length;
  const { specialist, family, desk } = demoPeople;
  const login = (who: string, password: string) => `${who} / ${password}`.padEnd(34);
  return `
颐养 Yiyang demo is running — 演示已启动
  Open 打开:  ${o.url}/   (the console; volunteers log in at the same address and get the phone app 志愿者手机端)
  Log in as 登录:
    服务专员 specialist  ${login(specialist.username, specialist.password)}${unitName.get('jingtian')}: live alerts, map, 时间银行 #/timebank (a rated order waits for you to certify 待认证)
${demoPeople.volunteers
  .map((id) => {
    const r = responder(id);
    return `    志愿者 volunteer     ${login(id, demoVolunteerPassword)}${r.name}, ${unitName.get(r.org_unit)}: offers, tasks, credits 时间币`;
  })
  .join('\n')}
    家属 family          ${login(family.username, family.password)}${elder.name}'s family 家属: her devices and alerts
    管理员 admin         ${login('admin', o.adminPassword)}the whole hub 全区
  Simulated 模拟:  ${o.devices} devices over MQTT (${o.mqtt}); ${volunteers} volunteers' phones on duty near the homes
    (v-0001…v-000${volunteers}, each answers its offers — until you log in as that volunteer: then you do);
    the street's duty desk ${desk.username} closes an alert ${o.deskDwellMs / 1000} s after the volunteer is on site, enters the
    elder's rating given by phone and certifies the credits (close it yourself first, and the rest is yours).
  Story 流程:  in 5 s ${elder.name} presses SOS, then a watch every 45 s: open 待响应 → offered 派单 → accepted 接单
    → on site 到场 → resolved 结案 → credited 计入时间银行, about a minute each; the steps are printed below.
  API docs:  ${o.url}/docs      Ctrl+C stops 停止.
`;
}
