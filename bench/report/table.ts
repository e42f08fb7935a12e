/**
 * GitHub-flavoured Markdown tables for bench reports. Columns are padded to equal width so the
 * table also reads well as plain text in a terminal.
 */
export type Cell = string | number | null | undefined;
export type Align = 'left' | 'right';

export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  align: readonly Align[] = [],
): string {
  const text = (cell: Cell): string => (cell === null || cell === undefined ? '' : String(cell));
  // A `|` inside a cell would end the cell; newlines would end the row.
  const escape = (cell: string): string => cell.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const header = headers.map(escape);
  const body = rows.map((row) => headers.map((_, i) => escape(text(row[i]))));
  const widths = header.map((h, i) => Math.max(3, h.length, ...body.map((row) => (row[i] ?? '').length)));
  const pad = (cell: string, i: number): string =>
    align[i] === 'right' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0);
  const line = (cells: readonly string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(header), `| ${rule.join(' | ')} |`, ...body.map(line)].join('\n') + '\n';
}
