import type { WebSocket } from 'ws';
import { Value } from '@sinclair/typebox/value';
import { LiveClientMessage } from '@kubeops/contracts';
import type { Principal } from '../auth/authorizer.js';
import type { Authorizer } from '../auth/authorizer.js';
import { KubeOpsError } from '../core/errors.js';
import type { TrackedSocket } from '../http/socket-access.js';
import type { LiveClusters } from './live-clusters.js';
import { LiveSubscription } from './live-subscription.js';
import { compileQuery, namespacesOf } from './resource-query.js';
import { isSensitive, type SensitiveRead } from './sensitive-reads.js';

const HEARTBEAT_MS = 15_000;
const MAX_SUBSCRIPTIONS = 100;

/**
 * The one WebSocket of a browser tab: any number of subscriptions
 * multiplexed by id, a heartbeat both ways, and nothing kept once it closes.
 */
export class LiveSocket {
  private readonly subscriptions = new Map<string, LiveSubscription>();
  /** The cluster of each subscription, checked again whenever the socket's access is. */
  private readonly clusterOf = new Map<string, string>();
  private readonly heartbeat: NodeJS.Timeout;
  private alive = true;

  constructor(
    private readonly socket: WebSocket,
    private readonly principal: Principal,
    private readonly clusters: LiveClusters,
    private readonly authorizer: Authorizer,
    private readonly access?: TrackedSocket,
    /** Told of every subscription to a sensitive resource (Secrets) and how it went, to audit it. */
    private readonly onSensitiveRead?: (read: SensitiveRead, outcome: Promise<unknown>) => void,
  ) {
    // A subscription whose cluster the user may no longer read ends; the others go on.
    access?.requireGrant(async (current) => {
      for (const [id, cluster] of this.clusterOf) {
        if (await this.authorizer.can(current, 'clusters:read', { cluster, anyNamespace: true }))
          continue;
        this.unsubscribe(id);
        this.fail(id, new KubeOpsError('forbidden', 403, `No longer allowed to read ${cluster}`));
      }
      return true;
    });
    socket.on('message', (data) => void this.receive(String(data)));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.close());
    socket.on('error', () => this.close());
    this.heartbeat = setInterval(() => {
      if (!this.alive) return void socket.terminate();
      this.alive = false;
      socket.ping();
      this.send(`{"type":"heartbeat","time":"${new Date().toISOString()}"}`);
    }, HEARTBEAT_MS);
  }

  private send(message: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(message);
  }

  private fail(id: string | undefined, error: unknown): void {
    const e =
      error instanceof KubeOpsError
        ? error
        : new KubeOpsError('internal', 500, error instanceof Error ? error.message : String(error));
    this.send(
      JSON.stringify({
        type: 'error',
        ...(id ? { id } : {}),
        code: e.code,
        status: e.status,
        message: e.message,
        ...(e.details ? { details: e.details } : {}),
      }),
    );
  }

  private async receive(text: string): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return this.fail(undefined, new KubeOpsError('invalid_request', 400, 'message: not JSON'));
    }
    if (!Value.Check(LiveClientMessage, message)) {
      // Name the field of the message type the client meant, not "not any of the types".
      const meant =
        LiveClientMessage.anyOf.find(
          (variant) => variant.properties.type.const === (message as { type?: unknown }).type,
        ) ?? LiveClientMessage;
      const first = [...Value.Errors(meant, message)][0];
      return this.fail(
        (message as { id?: string }).id,
        new KubeOpsError(
          'invalid_request',
          400,
          `${first?.path || 'message'}: ${first?.message ?? 'invalid'}`,
          { details: { field: first?.path ?? null } },
        ),
      );
    }
    if (message.type === 'ping') return this.send('{"type":"pong"}');
    if (message.type === 'unsubscribe') return this.unsubscribe(message.id);
    const id = message.id;
    // Every subscribe checks the session, user and grants as they are now, not as they were at connect.
    const principal = this.access ? await this.access.refresh() : this.principal;
    if (!principal) return;
    try {
      if (this.subscriptions.size >= MAX_SUBSCRIPTIONS && !this.subscriptions.has(id)) {
        throw new KubeOpsError(
          'too_many_subscriptions',
          429,
          `A socket may hold ${MAX_SUBSCRIPTIONS} subscriptions`,
        );
      }
      await this.authorizer.require(principal, 'clusters:read', {
        cluster: message.cluster,
        anyNamespace: true,
      });
      const cluster = await this.clusters.get(message.cluster);
      const resource = await cluster.resolve(message.group, message.version, message.resource);
      const client = await cluster.userClient(principal);
      const readable = cluster.readable(client, resource, namespacesOf(message.namespace));
      if (isSensitive(resource))
        this.onSensitiveRead?.(
          { cluster: message.cluster, namespace: message.namespace ?? null, kind: resource.kind },
          readable,
        );
      const { cache } = await readable;
      const query = compileQuery({ ...message, limit: message.limit ?? 500 }, cache.columns);
      const subscription = new LiveSubscription(
        id,
        cluster,
        client,
        resource,
        cache,
        query,
        message.include === 'objects',
        (m) => this.send(m),
      );
      this.subscriptions.get(id)?.close();
      this.subscriptions.set(id, subscription);
      this.clusterOf.set(id, message.cluster);
      await subscription.start(message.resourceVersion);
    } catch (error) {
      this.unsubscribe(id);
      this.fail(id, error);
    }
  }

  private unsubscribe(id: string): void {
    this.subscriptions.get(id)?.close();
    this.subscriptions.delete(id);
    this.clusterOf.delete(id);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const s of this.subscriptions.values()) s.close();
    this.subscriptions.clear();
    this.clusterOf.clear();
  }
}
