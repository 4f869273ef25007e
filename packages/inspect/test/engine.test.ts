import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALL_RULES,
  fingerprintOf,
  runInspection,
  SEVERITIES,
  stableHash,
  type Rule,
} from '../src/index.js';
import {
  deployment,
  event,
  minutesAgo,
  NOW,
  pod,
  runningStatus,
  service,
  snapshot,
} from './fixtures.js';

const crashing = (name: string, annotations?: Record<string, string>) =>
  pod(name, {
    ...(annotations ? { annotations } : {}),
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          restartCount: 9,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { reason: 'Error', exitCode: 1 } },
        },
      ],
    },
  });

describe('rule registry', () => {
  it('gives every rule a unique id, a category, a severity and a description', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of ALL_RULES) {
      expect(rule.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(SEVERITIES).toContain(rule.defaultSeverity);
      expect(rule.description.length).toBeGreaterThan(20);
    }
  });
});

describe('runInspection', () => {
  it('produces the same fingerprints for the same input, and different ones per resource', () => {
    const objects = () => [crashing('a'), crashing('b')];
    const first = runInspection(snapshot(objects()), { rules: ['pod-crashloop'] }).findings.map(
      (f) => f.fingerprint,
    );
    const second = runInspection(snapshot(objects()), { rules: ['pod-crashloop'] }).findings.map(
      (f) => f.fingerprint,
    );
    expect(first).toEqual(second);
    expect(new Set(first).size).toBe(2);
    expect(first[0]).toMatch(/^[0-9a-f]{16}$/);
  });

  it('sorts findings by severity and summarises counts and scores', () => {
    const objects = [
      crashing('a'),
      service('orphan', { app: 'nobody' }),
      pod('ok', { status: runningStatus() }),
    ];
    const result = runInspection(snapshot(objects), { rules: ['pod-*', 'service-*'] });
    expect(result.findings.map((f) => f.severity)).toEqual(['critical', 'high']);
    expect(result.summary.bySeverity.critical).toBe(1);
    expect(result.summary.byCategory.reliability.high).toBe(1);
    expect(result.summary.scores.reliability).toBeLessThan(100);
    expect(result.summary.scores.security).toBe(100);
    const many = runInspection(snapshot([crashing('a'), ...okPods(2000)]), { rules: ['pod-*'] });
    expect(many.summary.scores.reliability).toBe(99);
    expect(result.summary.overall).toBeLessThan(100);
    expect(result.summary.overall).toBeGreaterThan(0);
  });

  it('scores a clean snapshot 100 and a badly broken one lower than a slightly broken one', () => {
    const clean = runInspection(snapshot([pod('ok', { status: runningStatus() })]), {
      rules: ['pod-*'],
    });
    expect(clean.summary.overall).toBe(100);
    const slightly = runInspection(snapshot([crashing('a'), ...okPods(20)]), { rules: ['pod-*'] });
    const badly = runInspection(
      snapshot([crashing('a'), crashing('b'), crashing('c'), ...okPods(2)]),
      { rules: ['pod-*'] },
    );
    expect(badly.summary.scores.reliability).toBeLessThan(slightly.summary.scores.reliability);
  });

  it('filters by minimum severity', () => {
    const objects = [crashing('a'), service('orphan', { app: 'nobody' })];
    const result = runInspection(snapshot(objects), {
      minSeverity: 'critical',
      rules: ['pod-*', 'service-*'],
    });
    expect(result.findings.map((f) => f.ruleId)).toEqual(['pod-crashloop']);
  });

  it('keeps running when one rule throws and reports which one', () => {
    const broken: Rule = {
      id: 'broken',
      category: 'reliability',
      defaultSeverity: 'info',
      title: 't',
      description: 'always throws',
      check: () => {
        throw new Error('boom');
      },
    };
    const result = runInspection(snapshot([crashing('a')]), { rules: [broken, 'pod-crashloop'] });
    expect(result.failures).toEqual([{ ruleId: 'broken', message: 'boom' }]);
    expect(result.findings).toHaveLength(1);
  });

  it('times every rule it ran, counts its findings and reports each as it finishes', () => {
    const reported: string[] = [];
    const result = runInspection(snapshot([crashing('a'), crashing('b')]), {
      rules: ['pod-crashloop', 'pod-evicted'],
      onRule: (timing) => reported.push(timing.ruleId),
    });
    expect(result.ruleTimings.map((t) => [t.ruleId, t.findings])).toEqual([
      ['pod-crashloop', 2],
      ['pod-evicted', 0],
    ]);
    expect(result.ruleTimings.every((t) => t.ms >= 0)).toBe(true);
    expect(reported).toEqual(['pod-crashloop', 'pod-evicted']);
  });

  it('keeps the fingerprints earlier versions stored, so known findings stay known', () => {
    // Values computed by the first implementation of the hash.
    expect(stableHash('a')).toBe('af63da998601ec8c');
    expect(stableHash('κύβος/名前')).toBe('c571e5b712a1151a');
    expect(
      fingerprintOf('pod-crashloop', {
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
        detail: 'app',
        message: '',
        remediation: { summary: '', steps: [] },
      }),
    ).toBe('1b851e183ce0f634');
  });

  it('rejects a snapshot without a valid time', () => {
    expect(() => runInspection({ objects: [], now: 'yesterday' })).toThrow(/snapshot.now/);
  });
});

function okPods(n: number) {
  return Array.from({ length: n }, (_, i) => pod(`ok-${i}`, { status: runningStatus() }));
}

describe('exemptions', () => {
  const future = '2030-01-01T00:00:00Z';
  const past = minutesAgo(10);

  it('suppresses by rule and resource glob and says which exemption did it', () => {
    const result = runInspection(snapshot([crashing('web-1'), crashing('api-1')]), {
      rules: ['pod-crashloop'],
      exemptions: [
        {
          id: 'ex-1',
          reason: 'known issue TICKET-1',
          expiresAt: future,
          ruleIds: ['pod-*'],
          resource: { kind: 'Pod', name: 'web-*' },
        },
      ],
    });
    expect(result.findings.map((f) => f.resource.name)).toEqual(['api-1']);
    expect(result.suppressed).toHaveLength(1);
    expect(result.suppressed[0]?.finding.resource.name).toBe('web-1');
    expect(result.suppressed[0]?.exemption).toMatchObject({
      id: 'ex-1',
      source: 'exemption',
      reason: 'known issue TICKET-1',
    });
  });

  it('does not apply expired exemptions and lists them', () => {
    const result = runInspection(snapshot([crashing('web-1')]), {
      rules: ['pod-crashloop'],
      exemptions: [{ id: 'old', reason: 'was fine', expiresAt: past, resource: { name: 'web-1' } }],
    });
    expect(result.findings).toHaveLength(1);
    expect(result.expiredExemptions).toEqual(['old']);
  });

  it('suppresses by label selector', () => {
    const labelled = pod('batch-1', {
      labels: { team: 'data' },
      status: crashing('x').status as Record<string, unknown>,
    });
    const result = runInspection(snapshot([labelled, crashing('web-1')]), {
      rules: ['pod-crashloop'],
      exemptions: [
        {
          id: 'data-team',
          reason: 'accepted',
          expiresAt: future,
          labelSelector: { matchLabels: { team: 'data' } },
        },
      ],
    });
    expect(result.findings.map((f) => f.resource.name)).toEqual(['web-1']);
  });

  it('ignores an exemption that names nothing, rather than silencing everything', () => {
    const result = runInspection(snapshot([crashing('web-1')]), {
      rules: ['pod-crashloop'],
      exemptions: [{ id: 'all', reason: 'oops', expiresAt: future }],
    });
    expect(result.findings).toHaveLength(1);
  });

  it('honours the kubeops.io/ignore annotation on the object or its owner', () => {
    const annotated = crashing('web-1', {
      'kubeops.io/ignore': 'pod-oomkilled, pod-crashloop',
      'kubeops.io/ignore-reason': 'load test',
    });
    const other = crashing('web-2', { 'kubeops.io/ignore': 'pod-oomkilled' });
    const result = runInspection(snapshot([annotated, other]), { rules: ['pod-crashloop'] });
    expect(result.findings.map((f) => f.resource.name)).toEqual(['web-2']);
    expect(result.suppressed[0]?.exemption).toMatchObject({
      source: 'annotation',
      reason: 'load test',
    });

    const d = deployment('web', {
      annotations: { 'kubeops.io/ignore': '*' },
      status: { availableReplicas: 0 },
    });
    const owned = pod('web-abc', {
      owner: d,
      status: crashing('x').status as Record<string, unknown>,
    });
    expect(
      runInspection(snapshot([d, owned]), { rules: ['pod-crashloop', 'workload-unavailable'] })
        .findings,
    ).toEqual([]);
  });

  it('stops honouring the annotation after kubeops.io/ignore-until', () => {
    const annotated = crashing('web-1', {
      'kubeops.io/ignore': 'pod-crashloop',
      'kubeops.io/ignore-until': past,
    });
    expect(
      runInspection(snapshot([annotated]), { rules: ['pod-crashloop'] }).findings,
    ).toHaveLength(1);
  });
});

describe('events', () => {
  it('matches events to objects by name when they carry no uid', () => {
    const p = pod('web', { status: { phase: 'Pending' } });
    const e = event(p, 'FailedScheduling', 'no nodes');
    (e.involvedObject as Record<string, unknown>).uid = undefined;
    const result = runInspection(
      { objects: [p], events: [e], now: NOW },
      { rules: ['pod-unschedulable'] },
    );
    expect(result.findings[0]?.message).toContain('no nodes');
  });
});

describe('recent changes', () => {
  it('adds the changes of the failing workload to reliability findings as evidence', () => {
    const d = deployment('web', { status: { availableReplicas: 0 } });
    const changes = [
      {
        at: minutesAgo(12),
        kind: 'Deployment',
        namespace: 'shop',
        name: 'web',
        action: 'updated' as const,
        actor: 'alice',
        summary: 'image app:1.2 → app:1.3',
      },
      {
        at: minutesAgo(60 * 48),
        kind: 'Deployment',
        namespace: 'shop',
        name: 'web',
        action: 'updated' as const,
      },
      {
        at: minutesAgo(5),
        kind: 'Deployment',
        namespace: 'shop',
        name: 'other',
        action: 'updated' as const,
      },
    ];
    const result = runInspection(snapshot([d], { changes }), {
      rules: ['workload-unavailable', 'labels-recommended'],
    });
    const evidence = result.findings[0]?.evidence.filter((e) => e.type === 'object') ?? [];
    expect(evidence.map((e) => e.text)).toEqual([
      'Deployment shop/web was updated 12 minutes before this inspection by alice: image app:1.2 → app:1.3',
    ]);
  });
});

describe('pods of one workload', () => {
  it('are folded into one finding on the workload whose fingerprint survives pod replacement', () => {
    const d = deployment('web');
    const podsNamed = (names: string[]) =>
      names.map((n) =>
        pod(n, { owner: d, status: crashing('x').status as Record<string, unknown> }),
      );
    const first = runInspection(snapshot([d, ...podsNamed(['web-a', 'web-b', 'web-c'])]), {
      rules: ['pod-crashloop'],
    });
    expect(first.findings).toHaveLength(1);
    const [f] = first.findings;
    expect(f?.resource).toMatchObject({ kind: 'Deployment', name: 'web' });
    expect(f?.message).toContain('The same applies to 2 more pods of Deployment web.');
    expect(f?.evidence.find((e) => e.text?.startsWith('affected pods'))?.value).toEqual([
      'web-a',
      'web-b',
      'web-c',
    ]);
    const later = runInspection(snapshot([d, ...podsNamed(['web-x', 'web-y'])]), {
      rules: ['pod-crashloop'],
    });
    expect(later.findings[0]?.fingerprint).toBe(f?.fingerprint);
  });
});

describe('documentation', () => {
  it('lists every rule in the package README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const missing = ALL_RULES.filter((r) => !readme.includes(`\`${r.id}\``)).map((r) => r.id);
    expect(missing).toEqual([]);
  });
});
