import type { ApiResource, PrinterColumn } from '@kubeops/contracts';
import { KubeOpsError } from '../core/errors.js';
import type { ImpersonatingClient } from '../clusters/impersonating-client.js';
import type { KubeClient } from './kube-client.js';
import { apiPath } from './api-path.js';
import { OpenApiSchemas } from './openapi-schemas.js';
import { WatchLoop } from './watch-loop.js';

const CRDS = apiPath('apis', 'apiextensions.k8s.io', 'v1', 'customresourcedefinitions');

const AGGREGATED =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

interface DiscoveredResource {
  resource: string;
  responseKind?: { kind?: string };
  scope?: string;
  singularResource?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: Array<{ subresource: string }>;
}
interface GroupDiscovery {
  metadata?: { name?: string };
  versions?: Array<{ version: string; resources?: DiscoveredResource[] }>;
}

interface CrdVersion {
  name: string;
  additionalPrinterColumns?: Array<{
    name: string;
    type: string;
    format?: string;
    description?: string;
    priority?: number;
    jsonPath: string;
  }>;
}
interface Crd {
  spec?: { group?: string; names?: { plural?: string }; versions?: CrdVersion[] };
}

export const groupParam = (group: string) => (group === '' ? 'core' : group);
export const groupOf = (param: string) => (param === 'core' ? '' : param);

/** The URL path of a resource collection, e.g. /apis/apps/v1/namespaces/x/deployments. */
export function collectionPath(
  r: Pick<ApiResource, 'group' | 'version' | 'resource' | 'namespaced'>,
  namespace?: string | null,
): string {
  const base = r.group === '' ? ['api', r.version] : ['apis', r.group, r.version];
  return r.namespaced && namespace
    ? apiPath(...base, 'namespaces', namespace, r.resource)
    : apiPath(...base, r.resource);
}

export function objectPath(
  r: Pick<ApiResource, 'group' | 'version' | 'resource' | 'namespaced'>,
  namespace: string | null | undefined,
  name: string,
): string {
  return `${collectionPath(r, namespace)}${apiPath(name)}`;
}

/**
 * Every group, version and resource one cluster serves (aggregated
 * discovery: two requests), with CRD printer columns. A watch on CRDs
 * refreshes it when one is added, changed or removed, so new kinds are usable
 * without a restart.
 */
export class Discovery {
  private resources: ApiResource[] = [];
  private refreshedAt = new Date(0);
  private loading: Promise<void> | undefined;
  private crdWatch: WatchLoop | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** `group/version` of every version discovery lists (a version may serve no resources). */
  private groupVersions = new Set<string>();
  private readonly openApi = new OpenApiSchemas();

  constructor(private readonly client: KubeClient) {}

  async all(): Promise<{ refreshedAt: string; resources: ApiResource[] }> {
    if (this.refreshedAt.getTime() === 0) await this.refresh();
    this.watchCrds();
    return { refreshedAt: this.refreshedAt.toISOString(), resources: this.resources };
  }

  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    const [core, apis, crds] = await Promise.all([
      this.client.request<{ items?: GroupDiscovery[] }>({
        path: apiPath('api'),
        accept: AGGREGATED,
      }),
      this.client.request<{ items?: GroupDiscovery[] }>({
        path: apiPath('apis'),
        accept: AGGREGATED,
      }),
      this.client.request<{ items?: Crd[] }>({ path: CRDS }).catch(() => ({ items: [] as Crd[] })),
    ]);
    const columns = new Map<string, PrinterColumn[]>();
    for (const crd of crds.items ?? []) {
      for (const v of crd.spec?.versions ?? []) {
        columns.set(
          `${crd.spec?.group}/${v.name}/${crd.spec?.names?.plural}`,
          (v.additionalPrinterColumns ?? []).map((c) => ({
            name: c.name,
            type: c.type,
            ...(c.format ? { format: c.format } : {}),
            ...(c.description ? { description: c.description } : {}),
            priority: c.priority ?? 0,
            jsonPath: c.jsonPath,
          })),
        );
      }
    }
    const resources: ApiResource[] = [];
    const groupVersions = new Set<string>();
    for (const group of [...(core.items ?? []), ...(apis.items ?? [])]) {
      const name = group.metadata?.name ?? '';
      (group.versions ?? []).forEach((version, index) => {
        groupVersions.add(`${name}/${version.version}`);
        for (const r of version.resources ?? []) {
          resources.push({
            group: name,
            version: version.version,
            resource: r.resource,
            kind: r.responseKind?.kind ?? '',
            singular: r.singularResource ?? '',
            namespaced: r.scope === 'Namespaced',
            verbs: r.verbs ?? [],
            shortNames: r.shortNames ?? [],
            categories: r.categories ?? [],
            subresources: (r.subresources ?? []).map((s) => s.subresource),
            preferred: index === 0,
            printerColumns: columns.get(`${name}/${version.version}/${r.resource}`) ?? [],
          });
        }
      });
    }
    this.resources = resources;
    this.groupVersions = groupVersions;
    this.refreshedAt = new Date();
  }

  /** Finds a resource; refreshes once when it is unknown (a CRD may have just been added). */
  async resolve(group: string, version: string, resource: string): Promise<ApiResource> {
    await this.all();
    const find = () =>
      this.resources.find(
        (r) => r.group === group && r.version === version && r.resource === resource,
      );
    let found = find();
    if (!found) {
      await this.refresh();
      found = find();
    }
    if (!found) {
      throw new KubeOpsError(
        'unknown_resource',
        404,
        `The cluster serves no resource ${resource} in ${group || 'core'}/${version}`,
        {
          details: { field: 'resource', group: groupParam(group), version, resource },
        },
      );
    }
    return found;
  }

  /** The resource for a kind in an apiVersion (for manifests). */
  async byKind(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    await this.all();
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    const find = () =>
      this.resources.find(
        (r) =>
          r.group === group &&
          r.version === version &&
          r.kind === kind &&
          !r.resource.includes('/'),
      );
    let found = find();
    if (!found) {
      await this.refresh();
      found = find();
    }
    return found;
  }

  /**
   * The OpenAPI v3 document of a group/version discovery lists, read as the
   * user (the cluster decides whether they may); any other group/version is a
   * 404 without a request, so a parameter can only ever name a schema.
   */
  async openApiSchema(
    client: ImpersonatingClient,
    group: string,
    version: string,
  ): Promise<unknown> {
    await this.all();
    const key = `${group}/${version}`;
    if (!this.groupVersions.has(key)) await this.refresh();
    if (!this.groupVersions.has(key)) {
      const groupKnown = [...this.groupVersions].some((gv) => gv.startsWith(`${group}/`));
      throw new KubeOpsError(
        'unknown_group_version',
        404,
        `The cluster serves no API ${group ? `${group}/${version}` : version}`,
        {
          details: {
            field: groupKnown ? 'params.version' : 'params.group',
            group: groupParam(group),
            version,
          },
        },
      );
    }
    const path =
      group === ''
        ? apiPath('openapi', 'v3', 'api', version)
        : apiPath('openapi', 'v3', 'apis', group, version);
    return this.openApi.fetch(client, path);
  }

  /** How much the schema cache holds (it is bounded). */
  schemaCacheSize(): { documents: number; bytes: number } {
    return this.openApi.size;
  }

  private watchCrds(): void {
    if (this.crdWatch) return;
    this.crdWatch = new WatchLoop(this.client, CRDS, {
      onEvent: (type, item) => {
        const crd = item.object as Crd & {
          status?: { conditions?: Array<{ type: string; status: string }> };
        };
        const key = `${crd.spec?.group}/${crd.spec?.names?.plural}`;
        const established = crd.status?.conditions?.some(
          (c) => c.type === 'Established' && c.status === 'True',
        );
        if (type === 'DELETED') this.expected.delete(key);
        else if (established) this.expected.add(key);
        this.scheduleRefresh(0);
      },
      onListEnd: () => this.scheduleRefresh(0),
    });
    this.crdWatch.start();
  }

  /** Established CRDs seen on the watch: discovery is refreshed until it serves them all. */
  private readonly expected = new Set<string>();

  private scheduleRefresh(attempt: number): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(
      () => {
        this.openApi.clear();
        this.refresh()
          .then(() => {
            const served = new Set(this.resources.map((r) => `${r.group}/${r.resource}`));
            // The API server publishes a new CRD in discovery a moment after marking it Established.
            if ([...this.expected].some((k) => !served.has(k)) && attempt < 40)
              this.scheduleRefresh(attempt + 1);
          })
          .catch(() => (attempt < 40 ? this.scheduleRefresh(attempt + 1) : undefined));
      },
      attempt === 0 ? 100 : 250,
    );
    this.refreshTimer.unref();
  }

  close(): void {
    clearTimeout(this.refreshTimer);
    this.crdWatch?.stop();
  }
}
