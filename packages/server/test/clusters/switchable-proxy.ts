import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the test cluster's API server that can be made to
 * die the worst way a cluster dies: connections are still accepted, nothing
 * ever answers. TLS passes through untouched, so the cluster's own
 * certificate (issued for 127.0.0.1) is what KubeOps checks.
 */
export class SwitchableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private dead = false;

  constructor(private readonly target: URL) {}

  /**
   * Starts listening (on `port`, or any free one); resolves with the https URL
   * to register. A fixed port is for a client that must come back to the same
   * address, e.g. the one a Kafka broker advertises.
   */
  async start(port = 0): Promise<string> {
    this.server = createServer((client) => {
      this.track(client);
      client.on('error', () => client.destroy());
      if (this.dead) return;
      const upstream = connect(Number(this.target.port || 443), this.target.hostname);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** From now on: open connections are cut, new ones are accepted and never answered. */
  blackhole(): void {
    this.dead = true;
    for (const socket of this.sockets) socket.destroy();
  }

  /** Forwards new connections again, as when the cluster comes back. */
  revive(): void {
    this.dead = false;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
