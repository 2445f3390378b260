/**
 * The metric names a PromQL expression (of a Grafana panel or an alert rule)
 * reads. Not a PromQL parser: it removes what cannot be a metric name
 * (strings, label matchers, ranges, label lists of `by`/`on`/..., numbers,
 * Grafana variables), then takes the identifiers left that are neither
 * functions nor keywords. An identifier called like a function that is not
 * one of PromQL's throws, as do unbalanced brackets, so a typo is not read as
 * a metric or dropped silently.
 */

/** PromQL's functions and aggregation operators (Prometheus 2.x). */
export const PROMQL_FUNCTIONS = new Set([
  // aggregations
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
  // functions
  'abs',
  'absent',
  'absent_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_avg',
  'histogram_count',
  'histogram_fraction',
  'histogram_quantile',
  'histogram_stddev',
  'histogram_stdvar',
  'histogram_sum',
  'holt_winters',
  'hour',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'ln',
  'log2',
  'log10',
  'minute',
  'month',
  'predict_linear',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sort',
  'sort_desc',
  'sqrt',
  'time',
  'timestamp',
  'vector',
  'year',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'quantile_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'last_over_time',
  'present_over_time',
]);

/** Words of the language that are not metric names. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/** Clauses followed by a list of label names in parentheses. */
const LABEL_LIST = /\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)/g;

export class PromqlNamesError extends Error {}

function checkBalanced(expr: string): void {
  const closing: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  for (const ch of expr) {
    if (ch === '(' || ch === '[' || ch === '{') stack.push(ch);
    else if (ch in closing && stack.pop() !== closing[ch]) throw new PromqlNamesError(`unbalanced "${ch}" in ${expr}`);
  }
  if (stack.length > 0) throw new PromqlNamesError(`unclosed "${stack.at(-1)}" in ${expr}`);
}

/** The metric names `expr` reads, sorted and without repeats. */
export function promqlMetricNames(expr: string): string[] {
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""').replace(/#[^\n]*/g, ' ');
  checkBalanced(rest);
  rest = rest
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^[\]]*\]/g, ' ')
    .replace(LABEL_LIST, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    // numbers (with exponents, hex) and durations such as 5m or 1h30m
    .replace(/(?<![\w:])(?:0x[0-9a-f]+|(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?(?:(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)?)(?![\w:])/gi, ' ');
  const names = new Set<string>();
  for (const match of rest.matchAll(/[a-zA-Z_:][\w:]*/g)) {
    const word = match[0];
    const called = /^\s*\(/.test(rest.slice(match.index + word.length));
    if (KEYWORDS.has(word.toLowerCase())) continue;
    if (PROMQL_FUNCTIONS.has(word)) {
      if (!called) throw new PromqlNamesError(`${word} is a function but is not called in ${expr}`);
      continue;
    }
    if (called) throw new PromqlNamesError(`${word}(...) is not a PromQL function, in ${expr}`);
    names.add(word);
  }
  return [...names].sort();
}

/**
 * The names a Prometheus text exposition defines: every `# TYPE` (with the
 * `_bucket`, `_sum` and `_count` series of histograms and summaries, which a
 * labelled one shows only once observed) and every sample.
 */
export function exposedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type) {
      const [, name, kind] = type as unknown as [string, string, string];
      names.add(name);
      if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
      if (kind === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
      continue;
    }
    const sample = /^([a-zA-Z_:][\w:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

/** The metric names a Grafana Prometheus variable query reads: `label_values(expr, label)`, `query_result(expr)` or plain PromQL. */
export function variableQueryMetricNames(query: string): string[] {
  const labelValues = /^\s*label_values\(\s*(.*?)\s*(,\s*[a-zA-Z_]\w*)?\s*\)\s*$/s.exec(query);
  if (labelValues) return labelValues[2] === undefined ? [] : promqlMetricNames(labelValues[1]!);
  const result = /^\s*query_result\((.*)\)\s*$/s.exec(query);
  return promqlMetricNames(result ? result[1]! : query);
}
