import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { PROFILES, type Profile } from '@kubeops/contracts';
import { SEVERITIES, type InspectOptions, type Severity } from '@kubeops/inspect';
import { KubeOpsError } from '../core/errors.js';
import { OUTPUT_FORMATS, formatReport, type OutputFormat } from '../inspector/formats/index.js';
import { inspectSource, type InspectionSource } from '../inspector/inspect-source.js';

/** Exit codes a CI gate can rely on. */
export const EXIT = { clean: 0, failed: 1, error: 2 } as const;

export interface InspectFlags {
  manifests?: string[];
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  output: OutputFormat;
  outputFile?: string;
  minSeverity?: Severity;
  failOn?: Severity;
  rules?: string;
  profile?: Profile;
  productionNamespaces?: string;
}

export interface CliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Runs one inspection and returns the exit code; errors are printed, never thrown. */
export async function runInspectCommand(flags: InspectFlags, io: CliStreams): Promise<number> {
  try {
    if (flags.manifests && (flags.kubeconfig || flags.context)) {
      throw new KubeOpsError(
        'invalid_request',
        400,
        'manifests: inspect either manifests or a cluster, not both (drop --kubeconfig/--context)',
        { details: { field: 'manifests' } },
      );
    }
    const source: InspectionSource = flags.manifests
      ? {
          kind: 'manifests',
          paths: flags.manifests,
          namespace: flags.namespace,
          stdin: io.stdin,
        }
      : {
          kind: 'cluster',
          kubeconfig: flags.kubeconfig,
          context: flags.context,
          namespace: flags.namespace,
        };
    const productionNamespaces = list(flags.productionNamespaces);
    const options: InspectOptions = {
      ...(productionNamespaces ? { productionNamespaces } : {}),
      ...(flags.profile ? { profile: flags.profile } : {}),
    };
    const outcome = await inspectSource({
      source,
      rules: list(flags.rules),
      minSeverity: flags.minSeverity,
      failOn: flags.failOn,
      options: Object.keys(options).length > 0 ? options : undefined,
    });
    const text = formatReport(outcome.report, flags.output);
    if (flags.outputFile) await writeFile(flags.outputFile, text);
    else io.stdout.write(text);
    if (outcome.failed) {
      io.stderr.write(
        `kubeops inspect: findings at or above ${flags.failOn} severity: failing (exit ${EXIT.failed})\n`,
      );
      return EXIT.failed;
    }
    return EXIT.clean;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof KubeOpsError ? ` [${error.code}]` : '';
    io.stderr.write(`kubeops inspect: ${message}${code}\n`);
    return EXIT.error;
  }
}

export function inspectCommand(): Command {
  const severity = (flag: string, description: string) =>
    new Option(flag, description).choices(SEVERITIES as readonly string[] as string[]);
  return new Command('inspect')
    .description(
      'Inspect a cluster (kubeconfig context) or manifests (files, directories, - for stdin) and report findings',
    )
    .option(
      '-f, --manifests <path...>',
      'manifest files or directories of multi-document YAML; - reads stdin (e.g. helm template . | kubeops inspect -f -)',
    )
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the current context)')
    .option(
      '-n, --namespace <name>',
      'cluster: inspect only this namespace; manifests: namespace of objects that name none',
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(OUTPUT_FORMATS as readonly string[] as string[])
        .default('table'),
    )
    .option('--output-file <file>', 'write the report to a file instead of stdout')
    .addOption(severity('--min-severity <severity>', 'leave out findings below this severity'))
    .addOption(
      severity(
        '--fail-on <severity>',
        `exit ${EXIT.failed} when a finding at or above this severity exists (CI gate)`,
      ),
    )
    .option(
      '--rules <ids>',
      "comma-separated rule ids or globs to run (default: all of the profile's rules)",
    )
    .addOption(
      new Option(
        '--profile <name>',
        'rule profile: default reports defects; strict adds house-style checks (labels, digests, pull policy Always, priority classes)',
      )
        .choices(PROFILES as readonly string[] as string[])
        .default('default'),
    )
    .option(
      '--production-namespaces <globs>',
      'comma-separated namespaces treated as production (stricter availability rules)',
    )
    .addHelpText(
      'after',
      `\nExit codes: ${EXIT.clean} no finding at --fail-on, ${EXIT.failed} findings at or above --fail-on, ${EXIT.error} bad input or cluster unreachable.`,
    )
    .action(async (flags: InspectFlags) => {
      process.exitCode = await runInspectCommand(flags, {
        stdout: process.stdout,
        stderr: process.stderr,
        stdin: process.stdin,
      });
    });
}
