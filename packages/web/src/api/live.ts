import { ref } from 'vue';
import { session } from './http';
import { socketTicket } from './socket-ticket';
import type { LiveClientMessage } from '@kubeops/contracts';
import type {
  PrinterColumn,
  ResourceRef,
  ResourceRow,
  RowChange,
  WatchEventType,
} from './kube-types';

type SubscribeMessage = Extract<LiveClientMessage, { type: 'subscribe' }>;

/** What to follow: one resource of one cluster, narrowed like a list query. */
export type Subscription = ResourceRef &
  Omit<SubscribeMessage, 'type' | 'id' | 'resourceVersion' | keyof ResourceRef>;

export interface Snapshot {
  items: ResourceRow[];
  columns: PrinterColumn[];
  total: number;
  /** More rows than the snapshot holds: fetch them over REST with this cursor. */
  nextCursor: string | null;
}

export interface LiveHandlers {
  /** The current rows; sent again if the server cannot resume after a reconnect. */
  snapshot(snapshot: Snapshot): void;
  /** Changes since the snapshot (or since the drop, on resume), coalesced by the server. */
  changes(changes: RowChange[]): void;
  error?(error: { code: string; message: string; status?: number }): void;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'lost';

interface Entry {
  id: string;
  subscription: Subscription;
  handlers: LiveHandlers;
  resourceVersion?: string;
}

type ServerMessage = {
  type?: string;
  id?: string;
  items?: ResourceRow[];
  columns?: PrinterColumn[];
  total?: number;
  nextCursor?: string | null;
  changes?: Array<{ type: string; row: ResourceRow }>;
  resourceVersion?: string | null;
  code?: string;
  message?: string;
  status?: number;
};

const HEARTBEAT_MS = 20_000;
// The server sends a heartbeat every 15 s; this much silence means the socket is dead.
const SILENCE_LIMIT_MS = 40_000;

const eventType = (type: string): WatchEventType => {
  const upper = type.toUpperCase();
  return upper === 'DELETED' ? 'DELETED' : upper === 'ADDED' ? 'ADDED' : 'MODIFIED';
};

/**
 * One multiplexed WebSocket per tab to `/api/v1/ws`: subscribe to a
 * resource, get a snapshot, then deltas. When the socket drops it reconnects
 * with backoff and re-subscribes from the last resourceVersion it saw, so the
 * server can send only what changed meanwhile.
 */
export class LiveConnection {
  readonly state = ref<ConnectionState>('idle');
  private socket: WebSocket | null = null;
  private readonly entries = new Map<string, Entry>();
  private nextId = 1;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastMessageAt = 0;
  /** Fetching the ticket for the next socket. */
  private opening = false;

  constructor(private readonly url: () => Promise<string> = defaultUrl) {}

  subscribe(subscription: Subscription, handlers: LiveHandlers): () => void {
    const id = `s${this.nextId++}`;
    const entry: Entry = { id, subscription, handlers };
    this.entries.set(id, entry);
    if (this.socket?.readyState === WebSocket.OPEN) this.sendSubscribe(entry);
    else this.connect();
    return () => {
      this.entries.delete(id);
      this.send({ type: 'unsubscribe', id });
      if (this.entries.size === 0) this.close();
    };
  }

  private connect(): void {
    if (this.socket || this.retryTimer || this.opening) return;
    this.state.value = this.attempt === 0 ? 'connecting' : 'lost';
    this.opening = true;
    this.url().then(
      (url) => {
        this.opening = false;
        if (this.entries.size > 0) this.open(url);
        else this.state.value = 'idle';
      },
      () => {
        this.opening = false;
        void this.dropped(1006, false);
      },
    );
  }

  private open(url: string): void {
    const socket = new WebSocket(url);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.state.value = 'open';
      this.lastMessageAt = Date.now();
      for (const entry of this.entries.values()) this.sendSubscribe(entry);
      this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    };
    socket.onmessage = (message) => {
      this.lastMessageAt = Date.now();
      if (typeof message.data === 'string') this.receive(JSON.parse(message.data) as ServerMessage);
    };
    socket.onclose = (event) => void this.dropped(event.code, opened);
  }

  private beat(): void {
    if (Date.now() - this.lastMessageAt > SILENCE_LIMIT_MS) {
      this.socket?.close(4000, 'heartbeat timeout');
      return;
    }
    this.send({ type: 'ping' });
  }

  private async dropped(code: number, opened: boolean): Promise<void> {
    clearInterval(this.heartbeat);
    this.socket = null;
    if (this.entries.size === 0) {
      this.state.value = 'idle';
      return;
    }
    this.state.value = 'lost';
    // Refused at the handshake (the access token expired, or the server
    // restarted with new keys) or closed for policy: get a new token first.
    if (!opened || code === 4401 || code === 1008) await session.refresh();
    const delay = Math.min(10_000, 500 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }

  private close(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearInterval(this.heartbeat);
    const socket = this.socket;
    this.socket = null;
    this.attempt = 0;
    this.state.value = 'idle';
    socket?.close(1000);
  }

  private send(message: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private sendSubscribe(entry: Entry): void {
    const { group, ...rest } = entry.subscription;
    const message: SubscribeMessage = {
      ...rest,
      type: 'subscribe',
      id: entry.id,
      group: group === '' ? 'core' : group,
      ...(entry.resourceVersion ? { resourceVersion: entry.resourceVersion } : {}),
    };
    this.send(message);
  }

  private receive(message: ServerMessage): void {
    const entry = message.id ? this.entries.get(message.id) : undefined;
    if (!entry) return;
    if (message.resourceVersion) entry.resourceVersion = message.resourceVersion;
    switch (message.type) {
      case 'snapshot':
        entry.handlers.snapshot({
          items: message.items ?? [],
          columns: message.columns ?? [],
          total: message.total ?? message.items?.length ?? 0,
          nextCursor: message.nextCursor ?? null,
        });
        break;
      case 'delta':
      case 'resume':
        entry.handlers.changes(
          (message.changes ?? []).map((c) => ({ type: eventType(c.type), row: c.row })),
        );
        break;
      case 'error':
        // A failed subscription is gone on the server; do not resume it after a reconnect.
        entry.resourceVersion = undefined;
        entry.handlers.error?.({
          code: message.code ?? 'error',
          message: message.message ?? '',
          status: message.status,
        });
        break;
      default:
        break;
    }
  }
}

async function defaultUrl(): Promise<string> {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ticket = encodeURIComponent(await socketTicket());
  return `${scheme}//${location.host}/api/v1/ws?ticket=${ticket}`;
}

export const live = new LiveConnection();
