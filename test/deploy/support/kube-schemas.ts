import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repo, run } from './tools.js';

/**
 * kubeconform schemas made locally, since its default schema location is on
 * the internet. Built-in kinds come from the OpenAPI v2 document that ships in
 * the k8s.io/kubernetes Go module of the version the test cluster runs; custom
 * kinds from the CRDs in test/deploy/crds. Every schema is strict: an object
 * with declared properties rejects any other, so a misspelt field fails.
 *
 * Layout, for kubeconform's -schema-location template:
 *   <dir>/{{ .Group }}/{{ .ResourceKind }}-{{ .ResourceAPIVersion }}.json
 * where .Group is the API group, or the version for the core group.
 */
export const schemaLocationTemplate = (dir: string): string =>
  `${dir}/{{ .Group }}/{{ .ResourceKind }}-{{ .ResourceAPIVersion }}.json`;

type Schema = Record<string, unknown>;
interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const definitionRef = '#/definitions/';

/** The Kubernetes version of the local test cluster (test/cluster/versions.env). */
export function clusterKubernetesVersion(): string {
  const env = readFileSync(resolve(repo, 'test/cluster/versions.env'), 'utf8');
  const match = /^K8S_VERSION=(v[0-9.]+)$/m.exec(env);
  if (!match?.[1]) throw new Error('K8S_VERSION not found in test/cluster/versions.env');
  return match[1];
}

/** The OpenAPI v2 document of a Kubernetes release, from its Go module. */
export function kubernetesOpenApi(version: string): Schema {
  const result = run('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], {
    cwd: repo,
    env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
  });
  if (result.status !== 0)
    throw new Error(`go mod download k8s.io/kubernetes@${version}: ${result.stderr}`);
  const dir = (JSON.parse(result.stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`k8s.io/kubernetes@${version} has no module directory`);
  return JSON.parse(readFileSync(join(dir, 'api/openapi-spec/swagger.json'), 'utf8')) as Schema;
}

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Rewrites one schema node for JSON Schema validation of YAML input:
 * int-or-string and quantities accept both forms, nullable becomes a null type,
 * and objects with declared properties become closed.
 */
function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) out[key] = normalise(value);

  if (out['x-kubernetes-int-or-string'] === true || out.format === 'int-or-string') {
    delete out.type;
    delete out.format;
    out.oneOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (out.nullable === true && typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    delete out.nullable;
  }
  const open = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (isObject(out.properties) && out.additionalProperties === undefined && !open) {
    out.additionalProperties = false;
  }
  return out;
}

/** Names of the definitions a node refers to, directly. */
function refsOf(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) refsOf(item, into);
  } else if (isObject(node)) {
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith(definitionRef)) {
      into.add(ref.slice(definitionRef.length));
    }
    for (const value of Object.values(node)) refsOf(value, into);
  }
}

/** A definition and everything it refers to, transitively. */
function closure(definitions: Record<string, Schema>, roots: string[]): Record<string, unknown> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const refs = new Set<string>();
    refsOf(definitions[name], refs);
    queue.push(...refs);
  }
  return Object.fromEntries([...seen].sort().map((name) => [name, definitions[name]]));
}

/** Quantities are strings in the API but numbers are accepted in manifests. */
function builtinDefinitions(openApi: Schema): Record<string, Schema> {
  const definitions = { ...(openApi.definitions as Record<string, Schema>) };
  for (const [name, schema] of Object.entries(definitions)) {
    definitions[name] = normalise(schema) as Schema;
  }
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = {
    oneOf: [{ type: 'string' }, { type: 'number' }],
  };
  definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = {
    oneOf: [{ type: 'string' }, { type: 'integer' }],
  };
  return definitions;
}

function write(dir: string, gvk: Gvk, schema: Schema): void {
  const groupDir = join(dir, gvk.group === '' ? gvk.version : gvk.group);
  mkdirSync(groupDir, { recursive: true });
  writeFileSync(
    join(groupDir, `${gvk.kind.toLowerCase()}-${gvk.version}.json`),
    JSON.stringify(schema),
  );
}

const objectMeta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Every CRD manifest under a directory. */
export function readCrds(dir: string): Schema[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => doc.toJS() as Schema),
    )
    .filter((doc) => doc?.kind === 'CustomResourceDefinition');
}

/** Writes the schemas of every built-in kind and every CRD version; returns the count. */
export function writeSchemas(dir: string, openApi: Schema, crds: Schema[]): number {
  const definitions = builtinDefinitions(openApi);
  let count = 0;
  for (const [name, schema] of Object.entries(definitions)) {
    const gvks = schema['x-kubernetes-group-version-kind'] as Gvk[] | undefined;
    for (const gvk of gvks ?? []) {
      write(dir, gvk, { $ref: definitionRef + name, definitions: closure(definitions, [name]) });
      count++;
    }
  }
  for (const crd of crds) {
    const spec = crd.spec as {
      group: string;
      names: { kind: string };
      versions: Array<{ name: string; schema?: { openAPIV3Schema?: Schema } }>;
    };
    for (const version of spec.versions) {
      const body = normalise(version.schema?.openAPIV3Schema ?? { type: 'object' }) as Schema;
      const properties = (body.properties ?? {}) as Schema;
      properties.metadata = { $ref: definitionRef + objectMeta };
      body.properties = properties;
      write(
        dir,
        { group: spec.group, version: version.name, kind: spec.names.kind },
        { ...body, definitions: closure(definitions, [objectMeta]) },
      );
      count++;
    }
  }
  return count;
}
