/**
 * `npm run audit`: npm's advisory check, with the project's policy.
 *
 *   - A high or critical advisory in a production dependency (what the image
 *     ships: `npm prune --omit=dev`) fails the run.
 *   - Anything else (low/moderate, or any severity in a dev-only dependency:
 *     build and test tools that never reach a server) is listed, not fatal.
 *   - When the registry does not answer the audit request (offline, a mirror
 *     without the advisory endpoint, a timeout), the check says so and passes:
 *     the tests must not depend on it.
 *
 * Reads the lock file only (`--package-lock-only`), so it needs no install.
 *   npx tsx test/tools/npm-audit.ts [--registry URL]
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export type Severity = 'info' | 'low' | 'moderate' | 'high' | 'critical';

/** The parts of `npm audit --json` (report version 2) this check reads. */
export interface AuditReport {
  vulnerabilities?: Record<
    string,
    {
      name: string;
      severity: Severity;
      via: Array<string | { title?: string; url?: string; severity?: Severity }>;
      fixAvailable?: boolean | { name: string; version: string; isSemVerMajor?: boolean };
    }
  >;
  metadata?: { vulnerabilities?: Partial<Record<Severity, number>> };
  /** Set (with `message`) when npm could not get an answer from the registry. */
  error?: unknown;
  message?: string;
}

export interface Verdict {
  ok: boolean;
  lines: string[];
}

const FATAL: ReadonlySet<Severity> = new Set(['high', 'critical']);

/** The policy: `production` audits `--omit=dev`, `all` the whole tree. */
export function judge(production: AuditReport, all: AuditReport): Verdict {
  const unanswered = [production, all].find((report) => !report.metadata);
  if (unanswered) {
    const why = unanswered.message ?? 'no audit report';
    return { ok: true, lines: [`npm audit: skipped, the registry gave no advisories (${why})`] };
  }
  const lines: string[] = [];
  const prod = Object.values(production.vulnerabilities ?? {});
  const prodNames = new Set(prod.map((v) => v.name));
  const fatal = prod.filter((v) => FATAL.has(v.severity));
  for (const v of prod) lines.push(describe(v, FATAL.has(v.severity) ? 'FAILS' : 'production'));
  for (const v of Object.values(all.vulnerabilities ?? {}))
    if (!prodNames.has(v.name)) lines.push(describe(v, 'dev only'));
  lines.push(
    `npm audit: ${fatal.length} high/critical in production dependencies (fails the run), ` +
      `${prod.length - fatal.length} lower in production, ${lines.length - prod.length} in dev-only dependencies`,
  );
  return { ok: fatal.length === 0, lines };
}

function describe(v: NonNullable<AuditReport['vulnerabilities']>[string], verdict: string): string {
  const advisories = v.via
    .map((via) => (typeof via === 'string' ? `via ${via}` : `${via.title ?? '?'} ${via.url ?? ''}`))
    .join('; ');
  const fix =
    v.fixAvailable === true
      ? 'fix: npm audit fix'
      : v.fixAvailable
        ? `fix: ${v.fixAvailable.name}@${v.fixAvailable.version}${v.fixAvailable.isSemVerMajor ? ' (breaking)' : ''}`
        : 'no fix yet';
  return `  [${verdict}] ${v.name} (${v.severity}): ${advisories.trim()} — ${fix}`;
}

/** Runs `npm audit --json` and parses what it printed, whatever its exit code. */
function audit(args: string[], cwd: string): Promise<AuditReport> {
  return new Promise((done) => {
    execFile(
      'npm',
      ['audit', '--json', '--package-lock-only', ...args],
      { cwd, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => {
        try {
          done(JSON.parse(stdout) as AuditReport);
        } catch {
          done({
            message: error?.killed ? 'timed out after 30 s' : (error?.message ?? 'no output'),
          });
        }
      },
    );
  });
}

async function main(): Promise<void> {
  const repo = resolve(import.meta.dirname, '../..');
  const extra = process.argv.slice(2);
  const [production, all] = await Promise.all([
    audit(['--omit=dev', ...extra], repo),
    audit(extra, repo),
  ]);
  const verdict = judge(production, all);
  for (const line of verdict.lines) process.stdout.write(`${line}\n`);
  process.exitCode = verdict.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
