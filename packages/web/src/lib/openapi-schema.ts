import { kubeApi } from '../api/kube';
import type { ApiResource } from '../api/kube-types';

type Doc = { components?: { schemas?: Record<string, Record<string, unknown>> } };
type Gvk = { group?: string; version?: string; kind?: string };

/**
 * The JSON schema of one kind from the cluster's OpenAPI v3 document for its
 * group/version, with the document's components kept so `$ref`s resolve.
 * Null when the cluster (or KubeOps) does not offer it; the editor then
 * works without validation.
 */
export async function schemaFor(
  cluster: string,
  resource: ApiResource,
): Promise<Record<string, unknown> | null> {
  try {
    const doc = (await kubeApi.openApiSchema(cluster, resource)) as Doc;
    const schemas = doc.components?.schemas ?? {};
    for (const schema of Object.values(schemas)) {
      const gvks = (schema['x-kubernetes-group-version-kind'] ?? []) as Gvk[];
      if (
        gvks.some(
          (g) =>
            (g.group ?? '') === resource.group &&
            g.version === resource.version &&
            g.kind === resource.kind,
        )
      ) {
        return { ...schema, components: doc.components };
      }
    }
  } catch {
    // No schema: editing still works, only without completion.
  }
  return null;
}
