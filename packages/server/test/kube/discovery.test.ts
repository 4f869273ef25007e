import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  createTestNamespace,
  deleteNamespace,
  waitFor,
} from '../../../../test/support/cluster.js';
import type { ApiResource } from '@kubeops/contracts';
import { OpenApiSchemas } from '../../src/kube/openapi-schemas.js';
import { bindUser, kubeTestEnv, principal, type KubeTestEnv } from './support.js';

describe('discovery', () => {
  let env: KubeTestEnv;
  let namespace: string;
  let unbind: () => Promise<void>;
  const group = `t${randomBytes(3).toString('hex')}.kubeops.io`;
  const extensions = adminKubeConfig().makeApiClient(k8s.ApiextensionsV1Api);
  const user = principal('crd-reader');

  beforeAll(async () => {
    env = await kubeTestEnv();
    namespace = await createTestNamespace('crd');
    unbind = await bindUser('crd-reader', 'cluster-admin');
  });

  afterAll(async () => {
    await extensions
      .deleteCustomResourceDefinition({ name: `widgets.${group}` })
      .catch(() => undefined);
    await unbind?.();
    await deleteNamespace(namespace);
    await env?.close();
  });

  it('lists built-in resources with verbs, scope and short names, and aggregated groups', async () => {
    const live = await env.kube.clusters.get('local');
    const { resources } = await live.discovery.all();
    const deployments = resources.find((r) => r.group === 'apps' && r.resource === 'deployments');
    expect(deployments).toMatchObject({
      kind: 'Deployment',
      namespaced: true,
      shortNames: ['deploy'],
      preferred: true,
    });
    expect(deployments?.verbs).toEqual(
      expect.arrayContaining(['list', 'watch', 'patch', 'create', 'delete']),
    );
    expect(deployments?.subresources).toEqual(expect.arrayContaining(['scale', 'status']));
    expect(resources.find((r) => r.resource === 'nodes')).toMatchObject({
      namespaced: false,
      shortNames: ['no'],
    });
    const reader = await live.userClient(principal('schema-reader'));
    const schema = (await live.discovery.openApiSchema(reader, 'apps', 'v1')) as {
      components?: { schemas?: Record<string, unknown> };
    };
    expect(Object.keys(schema.components?.schemas ?? {})).toContain(
      'io.k8s.api.apps.v1.Deployment',
    );
    // Held once (bounded, with its ETag); asked again as the user, who gets a 304 and the held copy.
    expect(await live.discovery.openApiSchema(reader, 'apps', 'v1')).toEqual(schema);
    expect(live.discovery.schemaCacheSize().documents).toBe(1);
    // The cache is bounded by count and bytes, least recently used out first.
    const small = new OpenApiSchemas(2, 64 * 1024 * 1024);
    for (const path of [
      '/openapi/v3/apis/apps/v1',
      '/openapi/v3/apis/batch/v1',
      '/openapi/v3/api/v1',
    ])
      await small.fetch(reader, path);
    expect(small.size.documents).toBe(2);
    const tiny = new OpenApiSchemas(10, 1024);
    await tiny.fetch(reader, '/openapi/v3/apis/apps/v1');
    expect(tiny.size).toEqual({ documents: 0, bytes: 0 });
  });

  it('picks up a CRD created while running: listable, sortable on its printer columns, watchable', async () => {
    const live = await env.kube.clusters.get('local');
    await live.discovery.all();
    await extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wdg'] },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: { size: { type: 'integer' }, color: { type: 'string' } },
                    },
                  },
                },
              },
              additionalPrinterColumns: [
                { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
                { name: 'Color', type: 'string', jsonPath: '.spec.color' },
              ],
            },
          ],
        },
      },
    });
    // No lookup by name here: the CRD watch alone must bring it into discovery.
    const widgets = await waitFor<ApiResource>(
      'the CRD in discovery',
      async () => (await live.discovery.all()).resources.find((r) => r.group === group),
      30_000,
    );
    expect(widgets).toMatchObject({
      resource: 'widgets',
      kind: 'Widget',
      shortNames: ['wdg'],
      namespaced: true,
    });
    expect(widgets.printerColumns.map((c) => [c.name, c.jsonPath])).toEqual([
      ['Size', '.spec.size'],
      ['Color', '.spec.color'],
    ]);

    const custom = adminKubeConfig().makeApiClient(k8s.CustomObjectsApi);
    const create = (name: string, size: number, color: string) =>
      custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace,
        plural: 'widgets',
        body: {
          apiVersion: `${group}/v1`,
          kind: 'Widget',
          metadata: { name },
          spec: { size, color },
        },
      });
    await waitFor('the CRD to serve', async () => {
      await create('small', 2, 'red');
      return true;
    });
    await create('large', 30, 'blue');
    await create('medium', 9, 'red');
    const page = await waitFor('three widgets', async () => {
      const { result, cache } = await live.query(user, widgets, { namespace, sort: '-Size' });
      return result.total === 3 && { result, cache };
    });
    expect(page.result.items.map((e) => e.name)).toEqual(['large', 'medium', 'small']);
    expect(page.cache.columns.map((c) => c.name)).toEqual(['Size', 'Color']);
    const red = await live.query(user, widgets, {
      namespace,
      fieldSelector: 'Color=red',
      sort: 'Size',
    });
    expect(red.result.items.map((e) => e.name)).toEqual(['small', 'medium']);

    const seen: string[] = [];
    const stop = page.cache.subscribe((change) => seen.push(`${change.type} ${change.entry.name}`));
    await create('fresh', 1, 'green');
    await waitFor(
      'the watch to report the new widget',
      async () => seen.includes('ADDED fresh'),
      10_000,
    );
    stop();
  });
});
