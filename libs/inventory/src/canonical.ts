/**
 * JSON with every object's keys sorted: two values that say the same give
 * the same text, whatever order jsonb (which orders keys by length) or a
 * caller gave their keys. Undefined fields are left out, as in a stored record.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
