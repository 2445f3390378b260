/**
 * Throws when two entries of the given code tables share a value. Each lib's
 * tests call it with its own table and the tables it extends, so a code means
 * one failure across the project.
 */
export function assertUniqueCodes(...tables: Array<Record<string, string>>): void {
  const seen = new Map<string, string>();
  for (const table of tables) {
    for (const [key, code] of Object.entries(table)) {
      const previous = seen.get(code);
      if (previous !== undefined && previous !== key) {
        throw new Error(`error code ${code} is used by both ${previous} and ${key}`);
      }
      seen.set(code, key);
    }
  }
}
