import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { markNamespaceDefaulted, type KubeObject } from '@kubeops/inspect';
import { KubeOpsError } from '../core/errors.js';
import { isClusterScoped } from './collect/kinds.js';

/** Where an object was declared, for messages and SARIF locations. */
export interface SourceLocation {
  file: string;
  line: number;
}

export interface ManifestSet {
  objects: KubeObject[];
  /** Keyed by `locationKey(kind, namespace, name)`. */
  locations: Map<string, SourceLocation>;
  files: string[];
}

export function locationKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}\u0000${namespace ?? ''}\u0000${name}`;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;
export const STDIN_NAME = '<stdin>';

function badManifest(file: string, line: number | undefined, message: string): KubeOpsError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new KubeOpsError('invalid_manifest', 400, `${where}: ${message}`, {
    details: { field: 'manifests', file, ...(line === undefined ? {} : { line }) },
  });
}

async function manifestFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => {
    throw new KubeOpsError('invalid_manifest', 400, `manifests: ${path} does not exist`, {
      details: { field: 'manifests', file: path },
    });
  });
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  const entries = await readdir(path, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await manifestFiles(full)));
    else if (MANIFEST_FILE.test(entry.name)) out.push(full);
  }
  return out;
}

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses multi-document YAML (or JSON) as `kubectl apply -f` would read it:
 * `List` objects are flattened, empty documents skipped, and namespaced
 * objects without a namespace get `defaultNamespace`, so references between
 * objects of one `helm template` output resolve. A syntax error or an object
 * without apiVersion, kind or name names the file and line.
 */
export function parseManifests(
  text: string,
  file: string,
  defaultNamespace: string,
): Array<{ object: KubeObject; line: number }> {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false });
  if (!Array.isArray(documents)) return [];
  const out: Array<{ object: KubeObject; line: number }> = [];
  for (const document of documents) {
    const error = document.errors[0];
    if (error) {
      const line = error.linePos?.[0].line ?? lines.linePos(error.pos[0]).line;
      throw badManifest(file, line, `YAML syntax error: ${error.message.split('\n')[0]}`);
    }
    const value: unknown = document.toJS({ maxAliasCount: 1000 });
    const offset = document.contents?.range[0] ?? document.range[0];
    const line = lines.linePos(offset).line;
    if (value === null || value === undefined) continue;
    for (const object of flatten(value, file, line)) {
      const meta = object.metadata;
      if (meta.namespace === undefined && !isClusterScoped(object.kind)) {
        meta.namespace = defaultNamespace;
        markNamespaceDefaulted(object);
      }
      out.push({ object, line });
    }
  }
  return out;
}

function flatten(value: unknown, file: string, line: number): KubeObject[] {
  if (!isObject(value)) throw badManifest(file, line, 'a document must be a Kubernetes object');
  if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    return value.items.flatMap((item) => flatten(item, file, line));
  }
  if (typeof value.apiVersion !== 'string' || !value.apiVersion) {
    throw badManifest(file, line, 'the object has no apiVersion');
  }
  if (typeof value.kind !== 'string' || !value.kind) {
    throw badManifest(file, line, 'the object has no kind');
  }
  const metadata = value.metadata;
  if (!isObject(metadata) || (typeof metadata.name !== 'string' && !metadata.generateName)) {
    throw badManifest(file, line, `the ${value.kind} has no metadata.name`);
  }
  if (typeof metadata.name !== 'string') metadata.name = String(metadata.generateName);
  return [value as unknown as KubeObject];
}

export interface LoadOptions {
  defaultNamespace?: string | undefined;
  /** Used when a source is `-`. */
  stdin?: NodeJS.ReadableStream;
  /** File names in messages are relative to this directory. */
  cwd?: string;
}

/** Loads manifests from files, directories (recursively) and `-` for standard input. */
export async function loadManifests(
  sources: string[],
  options: LoadOptions = {},
): Promise<ManifestSet> {
  const set: ManifestSet = { objects: [], locations: new Map(), files: [] };
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const cwd = options.cwd ?? process.cwd();
  for (const source of sources) {
    const files = source === '-' ? [STDIN_NAME] : await manifestFiles(source);
    for (const file of files) {
      const text =
        file === STDIN_NAME
          ? await readStdin(options.stdin ?? process.stdin)
          : await readFile(file, 'utf8');
      const shown = file === STDIN_NAME ? file : relative(cwd, file) || file;
      set.files.push(shown);
      for (const { object, line } of parseManifests(text, shown, defaultNamespace)) {
        set.objects.push(object);
        const key = locationKey(object.kind, object.metadata.namespace, object.metadata.name ?? '');
        if (!set.locations.has(key)) set.locations.set(key, { file: shown, line });
      }
    }
  }
  return set;
}
