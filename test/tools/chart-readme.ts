/**
 * Generates deploy/helm/kubeops/README.md from the chart itself, so the
 * document cannot drift from the values it describes:
 *   - README.intro.md (hand-written overview),
 *   - a table of the presets, from the leading comment of each values-<name>.yaml,
 *   - a table of every documented value: a `# -- description` comment (and any
 *     `#` lines right after it) above a key in values.yaml; the default is the
 *     key's value in the parsed file.
 *
 *   npx tsx test/tools/chart-readme.ts           write README.md
 *   npx tsx test/tools/chart-readme.ts --check   exit 1 if README.md is stale
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

export interface DocumentedValue {
  key: string;
  type: string;
  default: unknown;
  description: string;
}

const keyLine = /^(\s*)([A-Za-z0-9_.-]+|"[^"]+"):(\s|$)/;

/** Documented keys of a values file, in file order. */
export function documentedValues(valuesYaml: string): DocumentedValue[] {
  const values = parse(valuesYaml) as Record<string, unknown>;
  const stack: Array<{ indent: number; key: string }> = [];
  const out: DocumentedValue[] = [];
  let pending: string[] | null = null;

  for (const line of valuesYaml.split('\n')) {
    const trimmed = line.trim();
    const doc = /^#\s--\s?(.*)$/.exec(trimmed);
    if (doc) {
      pending = [doc[1] ?? ''];
      continue;
    }
    if (trimmed.startsWith('#')) {
      if (pending) pending.push(trimmed.replace(/^#\s?/, ''));
      continue;
    }
    if (trimmed === '' || trimmed.startsWith('- ')) {
      if (trimmed === '') pending = null;
      continue;
    }
    const match = keyLine.exec(line);
    if (!match) continue;
    const indent = match[1]!.length;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    stack.push({ indent, key: match[2]!.replace(/^"|"$/g, '') });
    if (pending) {
      const path = stack.map((s) => s.key);
      const value = path.reduce<unknown>(
        (node, key) => (node as Record<string, unknown> | undefined)?.[key],
        values,
      );
      out.push({
        key: path.join('.'),
        type: typeOf(value),
        default: value,
        description: pending.join(' ').trim(),
      });
      pending = null;
    }
  }
  return out;
}

function typeOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function defaultCell(value: unknown): string {
  const text = value === undefined ? '' : JSON.stringify(value);
  return text === '' ? '' : '`' + cell(text) + '`';
}

/** The leading comment block of a preset file, as one paragraph. */
function presetSummary(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    const body = line.replace(/^#\s?/, '');
    // Command examples in the header are for the file, not the summary.
    if (/^\s{2,}/.test(body) || body.trim() === '') break;
    lines.push(body.trim());
  }
  return lines.join(' ');
}

export function generateReadme(chartDir: string): string {
  const intro = readFileSync(join(chartDir, 'README.intro.md'), 'utf8').trimEnd();
  const presets = readdirSync(chartDir)
    .filter((f) => /^values-.+\.yaml$/.test(f))
    .sort();
  const values = documentedValues(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));

  const out: string[] = [intro, '', '## Presets', '', '| file | what it sets up |', '|---|---|'];
  for (const file of presets) {
    out.push(
      `| \`${file}\` | ${cell(presetSummary(readFileSync(join(chartDir, file), 'utf8')))} |`,
    );
  }
  out.push('', '## Values', '');
  out.push(
    'Generated from the `# --` comments in `values.yaml` by `npx tsx test/tools/chart-readme.ts`; do not edit below by hand.',
  );
  const hasDocumentedChildren = (key: string): boolean =>
    values.some((v) => v.key.startsWith(key + '.'));
  let section = '';
  for (const value of values) {
    // Top-level scalars share one table; every top-level object gets its own.
    const top =
      value.key.includes('.') || hasDocumentedChildren(value.key)
        ? value.key.split('.')[0]!
        : 'general';
    if (top !== section) {
      section = top;
      out.push('', `### ${top}`, '', '| key | type | default | description |', '|---|---|---|---|');
    }
    out.push(
      `| \`${value.key}\` | ${value.type} | ${hasDocumentedChildren(value.key) ? 'see below' : defaultCell(value.default)} | ${cell(value.description)} |`,
    );
  }
  return out.join('\n') + '\n';
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const chartDir = resolve(import.meta.dirname, '../../deploy/helm/kubeops');
  const readme = join(chartDir, 'README.md');
  const generated = generateReadme(chartDir);
  if (process.argv.includes('--check')) {
    if (readFileSync(readme, 'utf8') !== generated) {
      console.error(`${readme} is stale: run npx tsx test/tools/chart-readme.ts`);
      process.exit(1);
    }
  } else {
    writeFileSync(readme, generated);
  }
}
