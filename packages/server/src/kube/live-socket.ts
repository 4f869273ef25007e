import type { WebSocket } from 'ws';
import { Value } from '@sinclair/typebox/value';
import { LiveClientMessage } from '@kubeops/contracts';
import type { Principal } from '../auth/authorizer.js';
import type { Authorizer } from '../auth/authorizer.js';
import { KubeOpsError } from '../core/errors.js';
import type { LiveClusters } from './live-clusters.js';
import { LiveSubscription } from './live-subscription.js';
import { compileQuery } from './resource-query.js';

const HEARTBEAT_MS = 15_000;
const MAX_SUBSCRIPTIONS = 100;

/**
 * The one WebSocket of a browser tab: any number of subscriptions
 * multiplexed by id, a heartbeat both ways, and nothing kept once it closes.
 */
export class LiveSocket {
  private readonly subscriptions = new Map<string, LiveSubscription>();
  private readonly heartbeat: NodeJS.Timeout;
  private alive = true;

  constructor(
    private readonly socket: WebSocket,
    private readonly principal: Principal,
    private readonly clusters: LiveClusters,
    private readonly authorizer: Authorizer,
  ) {
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
      const first = [...Value.Errors(LiveClientMessage, message)][0];
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
    if (message.type === 'unsubscribe') {
      this.subscriptions.get(message.id)?.close();
      this.subscriptions.delete(message.id);
      return;
    }
    const id = message.id;
    try {
      if (this.subscriptions.size >= MAX_SUBSCRIPTIONS && !this.subscriptions.has(id)) {
        throw new KubeOpsError(
          'too_many_subscriptions',
          429,
          `A socket may hold ${MAX_SUBSCRIPTIONS} subscriptions`,
        );
      }
      await this.authorizer.require(this.principal, 'clusters:read', {
        cluster: message.cluster,
        anyNamespace: true,
      });
      const cluster = await this.clusters.get(message.cluster);
      const resource = await cluster.resolve(message.group, message.version, message.resource);
      const cache = cluster.cache(resource);
      const [client] = await Promise.all([cluster.userClient(this.principal), cache.ready()]);
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
      await subscription.start(message.resourceVersion);
    } catch (error) {
      this.subscriptions.get(id)?.close();
      this.subscriptions.delete(id);
      this.fail(id, error);
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const s of this.subscriptions.values()) s.close();
    this.subscriptions.clear();
  }
}
