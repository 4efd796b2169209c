import type { AppContext } from '../context';
import { h, svg } from '../dom';
import { hasPosition } from '../geo';
import { t, term } from '../i18n';
import { type Alert, type Elder, type Responder, severityRank } from '../types';
import { availabilityText } from './responder-state';

const width = 1000;
const metresPerDegree = 111_195;

/**
 * Homes, open alerts and responders on a plain equirectangular projection of the org unit
 * (x scaled by cos(latitude)): it needs no tiles and no internet.
 */
export function districtMapScreen(root: HTMLElement, { api, store }: AppContext): () => void {
  let elders: Elder[] = [];
  let responders: Responder[] = [];
  // MAP_TILE_URL of the hub: tiles beneath the positions; none (the default) keeps the map offline.
  let tileUrl: string | null = null;
  const note = h('p', { class: 'meta' }, t('mapNote'));
  const canvas = h('div', { class: 'map-box' });
  root.replaceChildren(
    h(
      'section',
      { 'aria-labelledby': 'map-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'map-title' }, t('mapTitle')), note),
      h(
        'ul',
        { class: 'legend' },
        h('li', {}, h('span', { class: 'key home' }), t('homes')),
        h('li', {}, h('span', { class: 'key alert' }), t('openAlerts')),
        h('li', {}, h('span', { class: 'key duty' }), t('respondersOnDutyFree')),
        h('li', {}, h('span', { class: 'key busy' }), t('busy')),
        h('li', {}, h('span', { class: 'key off' }), t('respondersOff')),
      ),
      canvas,
    ),
  );

  const draw = () => {
    const placed = [...elders.filter(hasPosition), ...responders.filter(hasPosition)];
    if (!placed.length) {
      canvas.replaceChildren(h('p', { class: 'empty' }, t('loading')));
      return;
    }
    const lats = placed.map((p) => p.lat);
    const lons = placed.map((p) => p.lon);
    const kx = Math.cos((((Math.min(...lats) + Math.max(...lats)) / 2) * Math.PI) / 180);
    // At least 1.5 km across and a 5:3 frame, however few points there are.
    const halfLat = Math.max((Math.max(...lats) - Math.min(...lats)) / 2 + 0.002, 0.0068);
    const halfLon = Math.max((Math.max(...lons) - Math.min(...lons)) / 2 + 0.002, (halfLat * 5) / 3 / kx);
    const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
    const midLon = (Math.min(...lons) + Math.max(...lons)) / 2;
    const [north, west] = [midLat + Math.max(halfLat, (halfLon * kx * 3) / 5), midLon - halfLon];
    const scale = width / (2 * halfLon * kx);
    const height = Math.round(2 * Math.max(halfLat, (halfLon * kx * 3) / 5) * scale);
    const x = (lon: number) => (lon - west) * kx * scale;
    const y = (lat: number) => (north - lat) * scale;

    // The most severe open alert of each home.
    const alertOf = new Map<string, Alert>();
    for (const a of store.alerts.values()) {
      if (!a.elder_id) continue;
      const known = alertOf.get(a.elder_id);
      if (!known || severityRank[a.severity] < severityRank[known.severity]) alertOf.set(a.elder_id, a);
    }
    // A scale bar of a round length, about a fifth of the width.
    const widthMetres = (width / scale) * metresPerDegree;
    const barMetres = [100, 200, 500, 1000, 2000, 5000].find((m) => m >= widthMetres / 6) ?? 10_000;
    const barPx = (barMetres / metresPerDegree) * scale;
    const map = svg(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': t('mapTitle'), class: 'map' },
      svg('rect', { width, height, class: 'map-bg' }),
      tileUrl
        ? tiles(
            tileUrl,
            { north, west, south: north - height / scale, east: west + width / (kx * scale) },
            x,
            y,
          )
        : null,
      ...elders.filter(hasPosition).map((e) => {
        const alert = alertOf.get(e.id);
        const label = alert
          ? `${e.name} · ${term('kind', alert.kind)} · ${term('status', alert.status)}`
          : e.name;
        const mark = svg(
          'circle',
          {
            cx: x(e.lon),
            cy: y(e.lat),
            r: alert ? 11 : 5,
            class: alert ? `home alert sev-${alert.severity}` : 'home',
          },
          svg('title', {}, label),
        );
        return alert
          ? svg('a', { href: `#/alert/${encodeURIComponent(alert.id)}`, 'aria-label': label }, mark)
          : mark;
      }),
      ...responders.filter(hasPosition).map((r) => {
        const state = { on_duty: 'duty', busy: 'busy', app_offline: 'off', off_duty: 'off' }[r.availability];
        const [cx, cy] = [x(r.lon), y(r.lat)];
        return svg(
          'path',
          {
            d: `M${cx},${cy - 8} L${cx + 8},${cy} L${cx},${cy + 8} L${cx - 8},${cy} Z`,
            class: `responder ${state}`,
          },
          svg('title', {}, `${r.name} · ${term('responder', r.kind)} · ${availabilityText(r.availability)}`),
        );
      }),
      svg('line', { x1: 20, y1: height - 20, x2: 20 + barPx, y2: height - 20, class: 'scale' }),
      svg('text', { x: 20, y: height - 28, class: 'scale-label' }, t('metres', { m: barMetres })),
    );
    canvas.replaceChildren(map);
  };

  const load = async () => {
    [elders, responders] = await Promise.all([api.elders(), api.responders()]);
    draw();
  };
  void api.mapTileUrl().then(
    (url) => {
      tileUrl = url;
      if (url) note.textContent = t('mapTilesNote');
      draw();
    },
    () => undefined,
  );
  void load();
  const timer = setInterval(() => void load().catch(() => undefined), 5_000);
  const unsubscribe = store.subscribe(() => draw());
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}

/**
 * The Web Mercator tiles (256 px, `{z}/{x}/{y}`) covering the frame, each placed by its corners
 * through the map's own projection: over a district the two agree to well under a pixel.
 */
function tiles(
  template: string,
  frame: { north: number; west: number; south: number; east: number },
  x: (lon: number) => number,
  y: (lat: number) => number,
): SVGElement {
  const tileX = (lon: number, z: number) => ((lon + 180) / 360) * 2 ** z;
  const tileY = (lat: number, z: number) => {
    const r = (lat * Math.PI) / 180;
    return ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z;
  };
  const lonOf = (tx: number, z: number) => (tx / 2 ** z) * 360 - 180;
  const latOf = (ty: number, z: number) =>
    (Math.atan(Math.sinh(Math.PI * (1 - (2 * ty) / 2 ** z))) * 180) / Math.PI;
  // The zoom whose tiles come closest to 256 px on screen.
  const pxPerDegree = x(frame.west + 1) - x(frame.west);
  const z = Math.min(19, Math.max(0, Math.round(Math.log2((360 * pxPerDegree) / 256))));
  const images: SVGElement[] = [];
  for (let tx = Math.floor(tileX(frame.west, z)); tx <= Math.floor(tileX(frame.east, z)); tx++) {
    for (let ty = Math.floor(tileY(frame.north, z)); ty <= Math.floor(tileY(frame.south, z)); ty++) {
      const [left, top] = [x(lonOf(tx, z)), y(latOf(ty, z))];
      images.push(
        svg('image', {
          href: template.replace('{z}', String(z)).replace('{x}', String(tx)).replace('{y}', String(ty)),
          x: left,
          y: top,
          width: x(lonOf(tx + 1, z)) - left,
          height: y(latOf(ty + 1, z)) - top,
          preserveAspectRatio: 'none',
          class: 'tile',
        }),
      );
    }
  }
  return svg('g', { class: 'tiles', 'aria-hidden': 'true' }, ...images);
}
