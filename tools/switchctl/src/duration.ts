/** `500ms`, `1s`, `2m`, `1h` → milliseconds; undefined when it does not parse or is not positive. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return ms > 0 && Number.isFinite(ms) ? ms : undefined;
}
