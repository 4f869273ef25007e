/** A variable the vitest global setup sets (test services, the local cluster); a clear error when a test runs without it. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run tests through vitest (its global setup sets it)`);
  return value;
}
