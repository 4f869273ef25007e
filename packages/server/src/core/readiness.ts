/**
 * What /readyz asks before saying a process can take traffic. Modules add
 * their own checks (e.g. a required provider) with `register`.
 */
export type ReadinessCheck = () => Promise<{ ok: boolean; message?: string }>;

export class ReadinessChecks {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async run(
    timeoutMs = 3000,
  ): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; message?: string }> }> {
    const results: Record<string, { ok: boolean; message?: string }> = {};
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          results[name] = await Promise.race([
            check(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`no answer within ${timeoutMs} ms`)),
                timeoutMs,
              );
            }),
          ]);
        } catch (error) {
          results[name] = { ok: false, message: (error as Error).message };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ok: Object.values(results).every((r) => r.ok), checks: results };
  }
}
