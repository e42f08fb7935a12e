/**
 * Renders the settings table of app/config.ts twice: as `node app/main.ts --help` and as the
 * configuration reference of docs/operations.md (`npm run docs:config`). Neither is written by hand,
 * so neither can drift from the parser.
 */
import { allSettings, type EnvVar } from './config.ts';

export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

const NAME_COLUMN = 32;
const WIDTH = 100;

function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => `${' '.repeat(indent)}${l}`);
}

function helpLine(envVar: EnvVar): string[] {
  const fallback = envVar.default === '' ? 'unset' : envVar.default;
  const head = `  ${envVar.name.padEnd(NAME_COLUMN - 3)} ${envVar.type} [${fallback}]`;
  return [head, ...wrap(envVar.description, NAME_COLUMN)];
}

/** The `--help` text of app/main.ts. */
export function helpText(): string {
  const lines = [
    'Usage: node app/main.ts [--dev]        (npm start [-- --dev])',
    '',
    'Runs the e-commerce saga on Kafka with exactly-once processing and serves the order API.',
    '--dev (PIPELINE_MODE=dev): also a fake payment gateway, SMTP, SMS and webhook receiver on',
    '127.0.0.1, wired in and printed at start (app/dev-mode.ts).',
    '',
    'Environment (type [default]; docs/operations.md explains each):',
  ];
  let group = '';
  for (const setting of allSettings()) {
    if (setting.group !== group) {
      group = setting.group;
      lines.push('', `${group}:`);
    }
    for (const envVar of setting.vars) lines.push(...helpLine(envVar));
  }
  return lines.join('\n');
}

/** Markdown-safe: identifiers with `_` or `*` (KAFKA_TLS, SASL_*, _FILE) go in code spans. */
function markdownText(text: string): string {
  return text.replace(/(?<![\w`])([A-Z0-9]*_[A-Z0-9_*]*)(?![\w`])/g, '`$1`');
}

/** A table as Prettier prints it (columns padded to the widest cell), so `npm run format` keeps it. */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => (r[i] ?? '').length)));
  const row = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [row(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(row)];
}

/** The configuration reference: one table per group, every variable with its type, default and why. */
export function configReferenceMarkdown(): string {
  const lines = [
    '<!-- Generated from app/config.ts by `npm run docs:config`; edit the table there, not here. -->',
  ];
  let group = '';
  let rows: string[][] = [];
  const flush = () => {
    if (rows.length > 0)
      lines.push(
        '',
        `### ${group}`,
        '',
        ...markdownTable(['variable', 'type', 'default', 'what and why'], rows),
      );
    rows = [];
  };
  for (const setting of allSettings()) {
    if (setting.group !== group) {
      flush();
      group = setting.group;
    }
    for (const envVar of setting.vars)
      rows.push([
        `\`${envVar.name}\``,
        envVar.type,
        envVar.default === '' ? 'unset' : `\`${envVar.default}\``,
        markdownText(envVar.description),
      ]);
  }
  flush();
  return lines.join('\n');
}

/** `doc` with the text between the markers replaced by the generated reference. */
export function withConfigReference(doc: string): string {
  const start = doc.indexOf(REFERENCE_START);
  const end = doc.indexOf(REFERENCE_END);
  if (start < 0 || end < start)
    throw new Error(`the document has no ${REFERENCE_START} ... ${REFERENCE_END} section`);
  return `${doc.slice(0, start + REFERENCE_START.length)}\n\n${configReferenceMarkdown()}\n\n${doc.slice(end)}`;
}
