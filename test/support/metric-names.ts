/**
 * Metric names on both sides of a scrape: those a PromQL expression reads (rules, dashboards) and
 * those a hub's /metrics exposes, so a test can tell a rule or a panel that reads nothing.
 */

/** PromQL words that are not metric names (functions are told by the `(` after them). */
const promqlWords = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'group_left',
  'group_right',
  'inf',
  'nan',
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
]);

/** The metric names a PromQL expression selects (Grafana's `$variables` and `[$__rate_interval]` allowed). */
export function metricNamesIn(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings: label values, regexes
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names = new Set<string>();
  // Not after a digit, a dot or `$` (durations, numbers, Grafana variables); not before `(` (functions).
  for (const match of bare.matchAll(/(?<![\w.$:])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    const word = match[1]!;
    if (!promqlWords.has(word.toLowerCase())) names.add(word);
  }
  return [...names];
}

/**
 * The names a Prometheus text exposition offers: every sample's, and every declared family's
 * (a labelled counter nobody has counted yet has no sample but exists), histograms with their
 * `_bucket`, `_sum` and `_count`.
 */
export function exposedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const declared = /^# TYPE (\S+) (\w+)$/.exec(line);
    if (declared) {
      const [, family, type] = declared;
      names.add(family!);
      if (type === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(family + suffix);
      if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(family + suffix);
    } else if (line && !line.startsWith('#')) {
      names.add(/^[^{\s]+/.exec(line)![0]);
    }
  }
  return names;
}
