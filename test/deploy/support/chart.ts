import { readdirSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { chartDir, run } from './tools.js';

/** Every preset values file of the chart: values-<name>.yaml. */
export const presets: string[] = readdirSync(chartDir)
  .map((file) => /^values-(.+)\.yaml$/.exec(file)?.[1])
  .filter((name): name is string => name !== undefined)
  .sort();

/** Presets whose secrets come from the cluster at install time (lookup), not from Git. */
export const helmOnlyPresets = new Set(['full']);

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface RenderOptions {
  preset?: string;
  set?: Record<string, string>;
  namespace?: string;
  extraArgs?: string[];
}

export function templateArgs(options: RenderOptions): string[] {
  const args = ['template', 'kubeops', chartDir, '--namespace', options.namespace ?? 'kubeops'];
  if (options.preset) args.push('-f', `${chartDir}/values-${options.preset}.yaml`);
  for (const [key, value] of Object.entries(options.set ?? {}))
    args.push('--set', `${key}=${value}`);
  return [...args, ...(options.extraArgs ?? [])];
}

/** helm template; throws with helm's message when the render fails. */
export function renderText(helm: string, options: RenderOptions): string {
  const result = run(helm, templateArgs(options));
  if (result.status !== 0) throw new Error(result.stderr.trim());
  return result.stdout;
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null && typeof m === 'object');
}

export function render(helm: string, options: RenderOptions): Manifest[] {
  return parseManifests(renderText(helm, options));
}
