/**
 * Wait before retry `attempt` (0-based): doubling from half a second up to
 * 30 s, with jitter so replicas that lost NATS together do not return in step.
 */
export function backoffMs(attempt: number): number {
  const ceiling = Math.min(30_000, 500 * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

export const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
