import { PassThrough, type Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { LogQuery } from '@kubeops/contracts';
import type { ImpersonatingClient } from '../clusters/impersonating-client.js';
import { invalidInput } from '../core/errors.js';
import { apiPath } from './api-path.js';
import type { KubeObject } from './watch-loop.js';

const MAX_MERGED_PODS = 50;

function logQuery(query: LogQuery, container?: string) {
  return {
    container: container ?? query.container,
    follow: query.follow || undefined,
    previous: query.previous || undefined,
    tailLines: query.tailLines,
    sinceSeconds: query.sinceSeconds,
    timestamps: query.timestamps || undefined,
  };
}

/** One container's log as the user, streamed as the API server sends it. */
export function podLog(
  client: ImpersonatingClient,
  namespace: string,
  pod: string,
  query: LogQuery,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  return client.open({
    path: apiPath('api', 'v1', 'namespaces', namespace, 'pods', pod, 'log'),
    query: logQuery(query),
    accept: '*/*',
    timeoutMs: query.follow ? 0 : 60_000,
    signal,
  });
}

/** Copies whole lines from a log stream, each prefixed with where it came from. */
async function pipeLines(
  source: IncomingMessage,
  prefix: string,
  target: PassThrough,
): Promise<void> {
  let rest = '';
  source.setEncoding('utf8');
  for await (const chunk of source as AsyncIterable<string>) {
    rest += chunk;
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    if (lines.length) target.write(lines.map((l) => `${prefix}${l}\n`).join(''));
  }
  if (rest) target.write(`${prefix}${rest}\n`);
}

/**
 * The logs of every container of every pod of a workload, merged line by
 * line as they arrive, each line prefixed `[pod/container]`. Ends when all
 * streams end (or, when following, when the reader goes away).
 */
export async function workloadLogs(
  client: ImpersonatingClient,
  workload: KubeObject,
  query: LogQuery,
  signal: AbortSignal,
): Promise<Readable> {
  const namespace = workload.metadata.namespace;
  const selector = (
    workload.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined
  )?.selector?.matchLabels;
  if (!namespace || !selector || Object.keys(selector).length === 0) {
    throw invalidInput(
      'resource',
      `${workload.kind} ${workload.metadata.name} selects no pods by labels`,
    );
  }
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await client.request<{
    items: Array<KubeObject & { spec?: { containers?: Array<{ name: string }> } }>;
  }>({
    path: apiPath('api', 'v1', 'namespaces', namespace, 'pods'),
    query: { labelSelector, limit: MAX_MERGED_PODS },
  });
  const out = new PassThrough();
  const streams = pods.items.flatMap((pod) =>
    (query.container ? [{ name: query.container }] : (pod.spec?.containers ?? [])).map(
      async (container) => {
        const prefix = `[${pod.metadata.name}/${container.name}] `;
        try {
          const source = await client.open({
            path: apiPath('api', 'v1', 'namespaces', namespace, 'pods', pod.metadata.name, 'log'),
            query: logQuery(query, container.name),
            accept: '*/*',
            timeoutMs: query.follow ? 0 : 60_000,
            signal,
          });
          await pipeLines(source, prefix, out);
        } catch (error) {
          if (!signal.aborted)
            out.write(
              `${prefix}(log unavailable: ${error instanceof Error ? error.message : String(error)})\n`,
            );
        }
      },
    ),
  );
  void Promise.all(streams).then(() => out.end());
  return out;
}
