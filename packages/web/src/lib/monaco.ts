// Loaded only when a YAML editor is first shown: Monaco is most of the
// console's JavaScript and most pages never need it.
import * as monaco from 'monaco-editor/esm/vs/editor/edcore.main.js';
import 'monaco-editor/esm/vs/basic-languages/yaml/yaml.contribution.js';
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker';
import { configureMonacoYaml, type SchemasSettings } from 'monaco-yaml';
import YamlWorker from 'monaco-yaml/yaml.worker.js?worker';

self.MonacoEnvironment = {
  getWorker: (_id: string, label: string) =>
    label === 'yaml' ? new YamlWorker() : new EditorWorker(),
};

// monaco-yaml creates its worker with the older createWebWorker options
// ({label, createData}); Monaco's full bundle adapts those, the core we load
// does not, so adapt them here the same way.
type WorkerOptions = {
  worker?: Worker | Promise<Worker>;
  label?: string;
  createData?: unknown;
  host?: unknown;
  keepIdleModels?: boolean;
};
const createWebWorker = monaco.editor.createWebWorker as unknown as (
  options: WorkerOptions,
) => unknown;
(monaco.editor as unknown as { createWebWorker: typeof createWebWorker }).createWebWorker = (
  options,
) => {
  if (options.worker !== undefined) return createWebWorker(options);
  const worker = label(options.label ?? 'monaco-editor-worker');
  worker.postMessage('ignore');
  worker.postMessage(options.createData);
  return createWebWorker({ worker, host: options.host, keepIdleModels: options.keepIdleModels });
};
function label(name: string): Worker {
  return name === 'yaml' ? new YamlWorker() : new EditorWorker();
}

const yaml = configureMonacoYaml(monaco, {
  enableSchemaRequest: false,
  validate: true,
  completion: true,
  hover: true,
  schemas: [],
});

const schemas = new Map<string, SchemasSettings>();

/** Validates and completes the model at `modelUri` against a Kubernetes OpenAPI schema. */
export function useSchema(modelUri: string, schema: Record<string, unknown> | null): void {
  if (schema)
    schemas.set(modelUri, {
      uri: `kubeops://schemas${new URL(modelUri).pathname}`,
      fileMatch: [modelUri],
      schema,
    });
  else schemas.delete(modelUri);
  void yaml.update({ schemas: [...schemas.values()] });
}

export { monaco };
