/**
 * Listings as aligned text columns, for the human reading a terminal; scripts use --json.
 */

/** The header and rows as columns two spaces apart, each as wide as its widest cell. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** A time for humans: ISO 8601 in UTC, or `fallback` for none. */
export const isoTime = (ms: number | null, fallback = '-'): string => (ms === null ? fallback : new Date(ms).toISOString());
