import type { HomePlan } from './district-generator.js';
import { SimClock } from './sim-clock.js';

export type Posture = 'none' | 'standing' | 'sitting' | 'lying';

/** One person's habits, drawn once: when they wake, eat, go out, sleep, and their own vitals. */
export interface Habits {
  wake: number;
  sleep: number;
  /** The watch comes off for the night and goes on the charger (local minutes). */
  watchOff: number;
  watchOn: number;
  outings: Array<[number, number]>;
  meals: Array<[number, number]>;
  nap: [number, number] | null;
  heartRate: number;
  spo2: number;
  breathing: number;
}

/** What the devices of a home can see at one moment. */
export interface LifeState {
  asleep: boolean;
  away: boolean;
  posture: Posture;
  worn: boolean;
  stepsPerMinute: number;
  heartRate: number;
  breathing: number;
  /** How far from home and in which direction (away only). */
  offsetM: number;
  bearing: number;
}

export function drawHabits(random: () => number): Habits {
  const between = (a: number, b: number) => Math.round(a + (b - a) * random());
  const wake = between(345, 405); // 05:45–06:45
  const outings: Array<[number, number]> = [];
  if (random() < 0.65) {
    const s = between(480, 570);
    outings.push([s, s + between(40, 90)]);
  }
  if (random() < 0.45) {
    const s = between(900, 990);
    outings.push([s, s + between(30, 80)]);
  }
  const lunch = between(690, 735);
  const dinner = between(1050, 1110);
  return {
    wake,
    // to bed before the quiet hours (23:00) so that a normal evening never looks like wandering
    sleep: between(1290, 1330),
    // off after 21:35 and on before 07:05: never 30 min off the wrist in daytime (not_worn)
    watchOff: between(1295, 1330),
    watchOn: wake + between(5, 15),
    outings,
    meals: [
      [wake + 30, wake + 55],
      [lunch, lunch + 30],
      [dinner, dinner + 35],
    ],
    nap: random() < 0.5 ? [780, 780 + between(25, 60)] : null,
    heartRate: between(60, 80),
    spo2: between(95, 98),
    breathing: between(13, 17),
  };
}

const inside = (m: number, span: readonly [number, number] | null) =>
  span !== null && m >= span[0] && m < span[1];

/** The normal day of one person as a function of the local minute; scenarios override it. */
export function lifeAt(h: Habits, t: number, home: HomePlan): LifeState {
  const m = SimClock.localMinute(t);
  const asleep = m < h.wake || m >= h.sleep;
  const outing = h.outings.find((o) => inside(m, o));
  const away = !asleep && outing !== undefined;
  const worn = m >= h.watchOn && m < h.watchOff;
  let posture: Posture;
  if (away) posture = 'none';
  else if (asleep || inside(m, h.nap)) posture = 'lying';
  else if (h.meals.some((meal) => inside(m, meal))) posture = 'sitting';
  else posture = (Math.floor(m / 20) + home.elderId.length) % 3 === 0 ? 'standing' : 'sitting';
  // a slow circadian swing, lower asleep, higher walking outside
  const circadian = 3 * Math.sin(((m - 480) / 1440) * 2 * Math.PI);
  const heartRate =
    h.heartRate + circadian + (asleep ? -8 : 0) + (away ? 14 : posture === 'standing' ? 4 : 0);
  let offsetM = 0;
  if (outing) {
    const p = (m - outing[0]) / (outing[1] - outing[0]);
    offsetM = 450 * Math.sin(Math.PI * p);
  }
  return {
    asleep,
    away,
    posture,
    worn,
    stepsPerMinute: away ? 70 : posture === 'standing' ? 10 : 0,
    heartRate,
    breathing: h.breathing + (asleep ? -2 : 0),
    offsetM,
    bearing: (home.elderId.charCodeAt(home.elderId.length - 1) % 8) * (Math.PI / 4),
  };
}

/** `from` moved `meters` along `bearing` (radians from north). */
export function offset(from: { lat: number; lon: number }, meters: number, bearing: number) {
  const dLat = (meters * Math.cos(bearing)) / 111_320;
  const dLon = (meters * Math.sin(bearing)) / (111_320 * Math.cos((from.lat * Math.PI) / 180));
  return { lat: Math.round((from.lat + dLat) * 1e6) / 1e6, lon: Math.round((from.lon + dLon) * 1e6) / 1e6 };
}
