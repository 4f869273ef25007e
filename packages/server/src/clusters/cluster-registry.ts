import { readFile } from 'node:fs/promises';
import type { Cluster, ClusterCreateRequest } from '@kubeops/contracts';
import { KubeOpsError, conflict, invalidInput, notFound } from '../core/errors.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Database } from '../store/database.js';
import { UNIQUE_VIOLATION, pgErrorCode } from '../store/database.js';
import { KubeClient, type ClusterEndpoint } from '../kube/kube-client.js';
import { ClusterHealthTracker } from './cluster-health.js';
import {
  connectionFailed,
  verifyConnection,
  type ConnectionFailure,
  type ConnectionSource,
  type VersionAnswer,
} from './connection-check.js';
import { clusterWarnings, connectionWarningCodes } from './connection-warnings.js';
import { endpointOf, parseKubeconfig, serverUrlProblem } from './kubeconfig.js';
import { EgressGuard } from '../core/egress-guard.js';

type Row = {
  id: string;
  name: string;
  server: string;
  source: Cluster['source'];
  auth_method: Cluster['authMethod'];
  created_at: Date;
  warnings: string[];
};

/** Where a pod finds its service account token and the cluster's CA (overridable for tests and odd mounts). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const credentialsName = (id: string) => `clusters/${id}/credentials`;

/** One cluster a request describes, with where in the request it came from. */
interface RequestedEndpoint {
  endpoint: ClusterEndpoint;
  source: ConnectionSource;
}

/** The request field to fix when the cluster refuses a URL + CA + token registration. */
const tokenField = (reason: ConnectionFailure) =>
  reason === 'unauthorized' || reason === 'forbidden'
    ? 'body.token'
    : reason === 'tls'
      ? 'body.certificateAuthority'
      : 'body.server';

interface Connection {
  client: Promise<KubeClient>;
  health: ClusterHealthTracker;
}

/** A cluster as the rest of KubeOps sees it: its name, its service connection and its health. */
export interface ClusterHandle {
  id: string;
  name: string;
  /** The platform's own connection (fills caches); never used for a user's request without impersonation. */
  client: KubeClient;
}

/**
 * Registered clusters: rows in `clusters`, credentials sealed in the
 * SecretBox, connections opened lazily and shared per cluster.
 */
export class ClusterRegistry {
  private readonly connections = new Map<string, Connection>();

  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
    private readonly serviceAccountDir = SERVICE_ACCOUNT_DIR,
    /** Where a registration may connect; by default no loopback, link-local or metadata address. */
    private readonly egress = new EgressGuard({ allowedTargets: [] }),
  ) {}

  async list(): Promise<Cluster[]> {
    const { rows } = await this.db.query<Row>('SELECT * FROM clusters ORDER BY name');
    return rows.map((r) => this.toCluster(r));
  }

  async get(name: string): Promise<Cluster> {
    return this.toCluster(await this.row(name));
  }

  private async row(name: string): Promise<Row> {
    const { rows } = await this.db.query<Row>('SELECT * FROM clusters WHERE name = $1', [name]);
    if (!rows[0]) throw notFound('cluster', name);
    return rows[0];
  }

  /** `verified`: the /version answer of the check just made, so health starts out known. */
  private toCluster(row: Row, verified?: VersionAnswer): Cluster {
    if (verified) this.connection(row).health.recordVersion(verified);
    return {
      id: row.id,
      name: row.name,
      server: row.server,
      source: row.source,
      authMethod: row.auth_method,
      createdAt: new Date(row.created_at).toISOString(),
      health: this.connection(row).health.snapshot(),
      warnings: clusterWarnings(row.warnings ?? []),
    };
  }

  /**
   * Registers one cluster per chosen context (or the one described); all or
   * none, and only once each one answered /version as the supplied credentials.
   */
  async register(request: ClusterCreateRequest, createdBy: string | null): Promise<Cluster[]> {
    const requested = await this.endpointsOf(request);
    for (const { endpoint } of requested)
      if (!NAME.test(endpoint.name))
        throw invalidInput('name', `${endpoint.name} is not a DNS label; pass a name`);
    const answers = await Promise.all(
      requested.map(({ endpoint, source }) => verifyConnection(endpoint, source, this.egress)),
    );
    const endpoints = requested.map((r) => r.endpoint);
    const rows = await this.db
      .transaction(async (tx) => {
        const created: Row[] = [];
        for (const endpoint of endpoints) {
          const { rows } = await tx.query<Row>(
            `INSERT INTO clusters (name, server, source, auth_method, created_by, warnings) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
            [
              endpoint.name,
              endpoint.server,
              request.source,
              endpoint.clientCertificate ? 'client-certificate' : 'token',
              createdBy,
              connectionWarningCodes(endpoint),
            ],
          );
          const row = rows[0]!;
          if (request.source !== 'in-cluster')
            await this.secrets.put(credentialsName(row.id), JSON.stringify(endpoint), tx);
          created.push(row);
        }
        return created;
      })
      .catch((error: unknown) => {
        if (pgErrorCode(error) === UNIQUE_VIOLATION)
          throw conflict('A cluster with this name is already registered', { field: 'name' });
        throw error;
      });
    return rows.map((row, i) => this.toCluster(row, answers[i]));
  }

  private async endpointsOf(request: ClusterCreateRequest): Promise<RequestedEndpoint[]> {
    switch (request.source) {
      case 'kubeconfig': {
        const config = parseKubeconfig(request.kubeconfig);
        const contexts =
          request.contexts ?? (config['current-context'] ? [config['current-context']] : []);
        if (contexts.length === 0)
          throw invalidInput('contexts', 'the kubeconfig has no current context; choose contexts');
        if (request.name && contexts.length > 1)
          throw invalidInput('name', 'give a name only when registering one context');
        return contexts.map((c) => ({
          endpoint: endpointOf(
            config,
            c,
            request.name ??
              c
                .toLowerCase()
                .replace(/[^a-z0-9-]+/g, '-')
                .replace(/^-+|-+$/g, ''),
          ),
          source: { field: () => 'contexts', context: c },
        }));
      }
      case 'token': {
        const badServer = serverUrlProblem(request.server);
        if (badServer) throw invalidInput('body.server', badServer);
        return [
          {
            endpoint: {
              name: request.name,
              server: request.server,
              certificateAuthority: request.certificateAuthority,
              token: request.token,
              insecureSkipTlsVerify: request.insecureSkipTlsVerify,
            },
            source: { field: tokenField },
          },
        ];
      }
      case 'in-cluster': {
        const host = process.env.KUBERNETES_SERVICE_HOST;
        if (!host)
          throw invalidInput(
            'source',
            'KubeOps is not running inside a cluster (KUBERNETES_SERVICE_HOST is unset)',
          );
        const server = `https://${host.includes(':') ? `[${host}]` : host}:${process.env.KUBERNETES_SERVICE_PORT ?? '443'}`;
        const name = request.name ?? 'in-cluster';
        return [
          {
            endpoint: await this.inClusterEndpoint(name, server),
            source: { field: () => 'body.source' },
          },
        ];
      }
    }
  }

  /**
   * The pod's own service account, from its mount; never stored. The client
   * follows the token file as the kubelet rotates it.
   */
  private async inClusterEndpoint(name: string, server: string): Promise<ClusterEndpoint> {
    const read = (file: string) =>
      readFile(`${this.serviceAccountDir}/${file}`, 'utf8').catch((error: unknown) => {
        throw connectionFailed(
          { name, server },
          { field: () => 'body.source' },
          'credentials_unreadable',
          `cannot read the service account's ${file} in ${this.serviceAccountDir} (${(error as Error).message}); is a service account token mounted?`,
        );
      });
    const [token, ca] = await Promise.all([read('token'), read('ca.crt')]);
    return {
      name,
      server,
      token: token.trim(),
      tokenFile: `${this.serviceAccountDir}/token`,
      certificateAuthority: ca,
    };
  }

  /**
   * Replaces how a cluster is reached (server, CA, credentials) under its
   * existing name, from the same request shapes as registering: one kubeconfig
   * context, or URL + CA + token. The next call reconnects with them.
   */
  async replaceConnection(name: string, request: ClusterCreateRequest): Promise<Cluster> {
    const row = await this.row(name);
    if (request.source === 'in-cluster' || row.source === 'in-cluster')
      throw invalidInput(
        'body.source',
        'the in-cluster connection cannot be edited; remove it instead',
      );
    const requested = await this.endpointsOf({ ...request, name } as ClusterCreateRequest);
    if (requested.length !== 1)
      throw invalidInput('body.contexts', 'choose exactly one context for an existing cluster');
    const endpoint = { ...requested[0]!.endpoint, name };
    const answer = await verifyConnection(endpoint, requested[0]!.source, this.egress);
    const updated = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        `UPDATE clusters SET server = $2, source = $3, auth_method = $4, warnings = $5 WHERE id = $1 RETURNING *`,
        [
          row.id,
          endpoint.server,
          request.source,
          endpoint.clientCertificate ? 'client-certificate' : 'token',
          connectionWarningCodes(endpoint),
        ],
      );
      await this.secrets.put(credentialsName(row.id), JSON.stringify(endpoint), tx);
      return rows[0]!;
    });
    this.forget(row.id);
    return this.toCluster(updated, answer);
  }

  /** Removes the cluster; returns its id, for telling the other replicas. */
  async remove(name: string): Promise<string> {
    const row = await this.row(name);
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM clusters WHERE id = $1', [row.id]);
      await this.secrets.deletePrefix(`clusters/${row.id}/`, tx);
    });
    this.forget(row.id);
    return row.id;
  }

  /**
   * Closes and drops a cached connection, so the next use connects afresh
   * (also when another replica removed or re-keyed the cluster).
   */
  forget(id: string): void {
    const connection = this.connections.get(id);
    this.connections.delete(id);
    connection?.client.then(
      (c) => c.close(),
      () => undefined,
    );
  }

  private connection(row: Row): Connection {
    let connection = this.connections.get(row.id);
    if (!connection) {
      const client = this.openClient(row);
      client.catch(() => undefined);
      connection = { client, health: new ClusterHealthTracker(row.name, () => client) };
      this.connections.set(row.id, connection);
    }
    return connection;
  }

  private async openClient(row: Row): Promise<KubeClient> {
    if (row.source === 'in-cluster')
      return new KubeClient(await this.inClusterEndpoint(row.name, row.server));
    const stored = await this.secrets.getString(credentialsName(row.id));
    if (!stored)
      throw new KubeOpsError(
        'cluster_credentials_missing',
        500,
        `The credentials of cluster ${row.name} are missing`,
      );
    const endpoint = { ...(JSON.parse(stored) as ClusterEndpoint), name: row.name };
    await this.recordWarnings(row, connectionWarningCodes(endpoint));
    // Every later connection is held to the same rule as the registration check: a
    // name that resolved to a public address then may resolve to the metadata
    // service now (DNS rebinding), and watches run with the stored credentials.
    this.egress.checkUrl(endpoint.server);
    return new KubeClient({ ...endpoint, lookup: this.egress.lookup });
  }

  /** Rows registered before warnings were kept learn theirs from the credentials on first connect. */
  private async recordWarnings(row: Row, codes: string[]): Promise<void> {
    if (codes.every((c) => row.warnings?.includes(c))) return;
    row.warnings = [...new Set([...(row.warnings ?? []), ...codes])];
    await this.db
      .query('UPDATE clusters SET warnings = $2 WHERE id = $1', [row.id, row.warnings])
      .catch(() => undefined);
  }

  /** The cluster's service connection, once it answers (lazy connect; fails fast while backing off). */
  async connect(name: string): Promise<ClusterHandle> {
    const row = await this.row(name);
    const connection = this.connection(row);
    await connection.health.ready();
    return { id: row.id, name: row.name, client: await connection.client };
  }

  /** Health of a cluster, probing it now. */
  async probe(name: string): Promise<Cluster> {
    const row = await this.row(name);
    await this.connection(row).health.probe();
    return this.toCluster(row);
  }

  /** Reports a call's outcome so health reflects traffic, not only probes. */
  observe(id: string, error?: unknown): void {
    const connection = this.connections.get(id);
    if (!connection) return;
    if (error === undefined) connection.health.recordSuccess();
    else if (error instanceof KubeOpsError && error.code === 'cluster_unreachable')
      connection.health.recordFailure(error);
  }

  close(): void {
    for (const connection of this.connections.values())
      connection.client.then(
        (c) => c.close(),
        () => undefined,
      );
    this.connections.clear();
  }
}
