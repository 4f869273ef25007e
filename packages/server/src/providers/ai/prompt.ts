import type { Finding, KubeObject } from '@kubeops/inspect';
import type { Anonymizer } from './anonymizer.js';
import { redactCredentials } from './credential-redaction.js';
import { refKey, type OwnerIndex, type SnapshotContext } from './batching.js';
import type { JsonSchema } from './json-schema-check.js';

/**
 * Changes whenever the prompt or the answer schema changes, so cached
 * answers to an older prompt are not reused.
 */
export const PROMPT_VERSION = 'kubeops-explain-2025-06.2';

export const SYSTEM_PROMPT = [
  'You are the KubeOps Kubernetes troubleshooting analyst.',
  'You receive findings from a rule-based inspection of a cluster, with their evidence and related events, logs and changes.',
  'For each finding, find the most likely root cause, cite the evidence items that show it, and give concrete remediation steps in order.',
  'Names, namespaces, addresses, images and hosts are replaced by tokens such as ns-1, pod-2, ip-3 or image-1: use the tokens exactly as given and never guess the real values.',
  'Say how confident you are from 0 (a guess) to 1 (certain from the evidence).',
  'Answer with one JSON object and nothing else.',
].join('\n');

/** One batch as the model sees it: ids stand for findings (F1) and their evidence items (F1.E2). */
export interface BatchPrompt {
  user: string;
  schema: JsonSchema;
  findingIds: Map<string, Finding>;
  evidenceIds: Map<string, { fingerprint: string; index: number }>;
}

const MAX_VALUE_CHARS = 400;
const MAX_CONTEXT_LINE_CHARS = 300;
const MAX_EVENTS = 10;
const MAX_LOG_LINES = 20;
const MAX_CHANGES = 5;
const MAX_REMEDIATION_STEPS = 8;

export function buildBatchPrompt(
  batch: Finding[],
  context: SnapshotContext,
  owners: OwnerIndex,
  anonymizer: Anonymizer,
): BatchPrompt {
  const findingIds = new Map<string, Finding>();
  const evidenceIds = new Map<string, { fingerprint: string; index: number }>();
  // Only data passes through the anonymizer; instructions and the schema stay verbatim
  // even if a label value happens to equal a word in them.
  const a = (text: string) => anonymizer.text(redactCredentials(text));
  const lines: string[] = ['Explain these Kubernetes inspection findings.', '', 'Findings:'];
  batch.forEach((finding, i) => {
    const id = `F${i + 1}`;
    findingIds.set(id, finding);
    const r = finding.resource;
    lines.push(
      `[${id}] rule=${finding.ruleId} category=${finding.category} severity=${finding.severity}`,
      `resource: ${r.kind} ${a(`${r.namespace ? `${r.namespace}/` : ''}${r.name}`)}`,
      `title: ${a(finding.title)}`,
      `message: ${a(finding.message)}`,
    );
    if (finding.evidence.length > 0) lines.push('evidence:');
    finding.evidence.forEach((evidence, index) => {
      const evidenceId = `${id}.E${index + 1}`;
      evidenceIds.set(evidenceId, { fingerprint: finding.fingerprint, index });
      const where = [evidence.type, evidence.path].filter(Boolean).join(' ');
      const shown = [
        evidence.value !== undefined
          ? clip(JSON.stringify(evidence.value), MAX_VALUE_CHARS)
          : undefined,
        evidence.text ? clip(evidence.text, MAX_VALUE_CHARS) : undefined,
      ].filter(Boolean);
      lines.push(`  ${evidenceId} (${a(where)}): ${a(shown.join(' — '))}`);
    });
    lines.push(`rule remediation: ${a(finding.remediation.summary)}`);
    for (const step of finding.remediation.steps) lines.push(`  - ${a(step)}`);
    lines.push('');
  });

  const related = relatedContext(batch, context, owners);
  if (related.length > 0)
    lines.push('Related events, logs and changes:', ...related.map((l) => `- ${a(l)}`), '');

  const schema = answerSchema([...findingIds.keys()], [...evidenceIds.keys()]);
  lines.push(
    'Answer with one JSON object matching this JSON schema:',
    JSON.stringify(schema),
    'Give one entry per finding: "finding" is its id, "evidence" lists ids of evidence items such as F1.E1.',
  );
  return { user: lines.join('\n'), schema, findingIds, evidenceIds };
}

/**
 * The answer schema, with the ids of this batch as enums: services that
 * enforce schemas then cannot cite evidence that does not exist, and the
 * check of the answer catches the services that do not.
 */
export function answerSchema(findingIds: string[], evidenceIds: string[]): JsonSchema {
  const evidence: JsonSchema =
    evidenceIds.length > 0
      ? // maxItems keeps small models from citing the same item until they run out of tokens.
        {
          type: 'array',
          minItems: 1,
          maxItems: evidenceIds.length,
          items: { type: 'string', enum: evidenceIds },
        }
      : { type: 'array', maxItems: 0, items: { type: 'string' } };
  return {
    type: 'object',
    additionalProperties: false,
    required: ['explanations'],
    properties: {
      explanations: {
        type: 'array',
        minItems: findingIds.length,
        maxItems: findingIds.length,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['finding', 'rootCause', 'evidence', 'remediation', 'confidence'],
          properties: {
            finding: { type: 'string', enum: findingIds },
            rootCause: { type: 'string', minLength: 1 },
            evidence,
            remediation: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_REMEDIATION_STEPS,
              items: { type: 'string', minLength: 1 },
            },
            confidence: { type: 'number', minimum: 0, maximum: 1 },
          },
        },
      },
    },
  };
}

/** Events, log lines and changes about the batch's resources and their owners. */
function relatedContext(batch: Finding[], context: SnapshotContext, owners: OwnerIndex): string[] {
  const keys = new Set<string>();
  const pods = new Set<string>();
  for (const finding of batch)
    for (const ref of owners.chain(finding.resource)) {
      keys.add(refKey(ref));
      if (ref.kind === 'Pod') pods.add(`${ref.namespace ?? ''}/${ref.name}`);
    }
  // Pods owned by a workload in the batch contribute their logs and events too.
  const batchOwners = new Set(batch.map((f) => refKey(owners.ownerOf(f))));
  for (const object of context.objects ?? []) {
    if (object.kind !== 'Pod') continue;
    const ref = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name ?? '',
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    };
    const chain = owners.chain(ref);
    if (batchOwners.has(refKey(chain[chain.length - 1]!))) {
      keys.add(refKey(ref));
      pods.add(`${ref.namespace ?? ''}/${ref.name}`);
    }
  }

  const out: string[] = [];
  const events = (context.events ?? []).filter((e) => keys.has(refKey(involved(e))));
  for (const event of events.slice(-MAX_EVENTS)) {
    const o = involved(event);
    const reason = typeof event.reason === 'string' ? event.reason : '';
    const message = typeof event.message === 'string' ? event.message : '';
    const count = typeof event.count === 'number' && event.count > 1 ? ` (x${event.count})` : '';
    out.push(
      clip(
        `event ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}: ${reason} ${message}${count}`,
        MAX_CONTEXT_LINE_CHARS,
      ),
    );
  }
  let logLines = 0;
  for (const sample of context.logs ?? []) {
    if (!pods.has(`${sample.namespace}/${sample.pod}`)) continue;
    for (const line of sample.lines.slice(-MAX_LOG_LINES)) {
      if (logLines++ >= MAX_LOG_LINES) break;
      const text = typeof line === 'string' ? line : line.line;
      out.push(
        clip(
          `log ${sample.namespace}/${sample.pod}${sample.container ? `/${sample.container}` : ''}: ${text}`,
          MAX_CONTEXT_LINE_CHARS,
        ),
      );
    }
  }
  const changes = (context.changes ?? []).filter((c) => keys.has(refKey(c)));
  for (const change of changes.slice(-MAX_CHANGES))
    out.push(
      clip(
        `change ${change.at} ${change.action} ${change.kind} ${change.namespace ? `${change.namespace}/` : ''}${change.name}${change.actor ? ` by ${change.actor}` : ''}${change.summary ? `: ${change.summary}` : ''}`,
        MAX_CONTEXT_LINE_CHARS,
      ),
    );
  return out;
}

export function involved(event: KubeObject): { kind?: string; namespace?: string; name?: string } {
  const o = (event.involvedObject ?? event.regarding ?? {}) as Record<string, unknown>;
  return {
    ...(typeof o.kind === 'string' ? { kind: o.kind } : {}),
    ...(typeof o.namespace === 'string' ? { namespace: o.namespace } : {}),
    ...(typeof o.name === 'string' ? { name: o.name } : {}),
  };
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);
