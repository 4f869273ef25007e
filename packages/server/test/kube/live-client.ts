import WebSocket from 'ws';
import { socketUrl } from '../support/websocket.js';

export interface LiveMessage {
  type: string;
  id?: string;
  resourceVersion?: string | null;
  items?: Array<{ name: string; namespace: string | null; resourceVersion: string }>;
  changes?: Array<{
    type: string;
    row: { name: string; resourceVersion: string; labels: Record<string, string> };
  }>;
  code?: string;
  total?: number;
}

/** A test client of /api/v1/ws that records every message. */
export class LiveClient {
  readonly messages: LiveMessage[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(JSON.parse(String(data)) as LiveMessage));
  }

  static async connect(baseUrl: string, token: string): Promise<LiveClient> {
    const socket = new WebSocket(await socketUrl(baseUrl, '/api/v1/ws', token));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
    });
    return new LiveClient(socket);
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  async next(predicate: (m: LiveMessage) => boolean, timeoutMs = 15_000): Promise<LiveMessage> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.messages.find(predicate);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(
      `no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 2000)}`,
    );
  }

  close(): void {
    this.socket.close();
  }
}
