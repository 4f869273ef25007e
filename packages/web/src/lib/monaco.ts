// Loaded only when a YAML editor is first shown: Monaco is most of the
// console's JavaScript and most pages never need it.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import 'monaco-editor/languages/definitions/yaml/register.js';
import EditorWorker from 'monaco-editor/editor/editor.worker.js?worker';
import { configureMonacoYaml, type SchemasSettings } from 'monaco-yaml';
import YamlWorker from 'monaco-yaml/yaml.worker.js?worker';

self.MonacoEnvironment = {
  getWorker: (_id: string, label: string) =>
    label === 'yaml' ? new YamlWorker() : new EditorWorker(),
};

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
