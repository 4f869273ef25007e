import { describe, expect, it } from 'vitest';
import { ALL_RULES, runInspection, type Profile } from '../src/index.js';
import { container, deployment, findings, obj, snapshot } from './fixtures.js';

const STRICT_ONLY = [
  'labels-recommended',
  'image-not-pinned',
  'image-pull-policy-not-always',
  'priority-class-not-set',
];

/** A Deployment that only house-style checks object to: no labels, a tag, IfNotPresent, no priority class. */
const plain = () =>
  deployment('web', {
    labels: { app: 'web' },
    containers: [container({ image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' })],
  });

const ruleIds = (profile?: Profile) =>
  new Set(
    runInspection(snapshot([plain()], profile ? { options: { profile } } : {})).findings.map(
      (f) => f.ruleId,
    ),
  );

describe('rule profiles', () => {
  it('the default profile leaves the house-style checks out', () => {
    const found = ruleIds();
    for (const id of STRICT_ONLY) expect(found.has(id), id).toBe(false);
    expect(ruleIds('default')).toEqual(found);
  });

  it('the strict profile reports them', () => {
    const found = ruleIds('strict');
    for (const id of STRICT_ONLY) expect(found.has(id), id).toBe(true);
  });

  it('every strict rule is marked so, and the default set does not run it', () => {
    const strict = ALL_RULES.filter((r) => r.profile === 'strict').map((r) => r.id);
    expect(strict).toEqual(expect.arrayContaining(STRICT_ONLY));
    const run = runInspection(snapshot([plain()])).rulesRun;
    expect(run.filter((id) => strict.includes(id))).toEqual([]);
  });

  it('a glob selects within the profile; an exact id runs whatever the profile', () => {
    expect(runInspection(snapshot([plain()]), { rules: ['image-*'] }).rulesRun).not.toContain(
      'image-not-pinned',
    );
    expect(
      runInspection(snapshot([plain()], { options: { profile: 'strict' } }), { rules: ['image-*'] })
        .rulesRun,
    ).toContain('image-not-pinned');
    expect(findings('image-not-pinned', snapshot([plain()]))).toHaveLength(1);
  });

  it('an unknown profile is refused by name', () => {
    expect(() =>
      runInspection(snapshot([plain()], { options: { profile: 'lax' as 'strict' } })),
    ).toThrow(/profile must be one of default, strict/);
  });
});

describe('image-pull-policy-not-always (strict)', () => {
  it('reports a pinned image pulled IfNotPresent, with a patch to Always', () => {
    const [finding] = findings('image-pull-policy-not-always', snapshot([plain()]));
    expect(finding?.severity).toBe('low');
    expect(finding?.remediation.patch?.body).toEqual({
      spec: { template: { spec: { containers: [{ name: 'app', imagePullPolicy: 'Always' }] } } },
    });
  });

  it('passes Always, and leaves mutable tags to image-pull-policy', () => {
    const always = deployment('web', { containers: [container({ imagePullPolicy: 'Always' })] });
    const latest = deployment('latest', {
      containers: [container({ image: 'nginx:latest', imagePullPolicy: 'IfNotPresent' })],
    });
    expect(findings('image-pull-policy-not-always', snapshot([always, latest]))).toEqual([]);
  });
});

describe('priority-class-not-set (strict)', () => {
  it('reports a workload without priorityClassName', () => {
    const [finding] = findings('priority-class-not-set', snapshot([plain()]));
    expect(finding?.resource.name).toBe('web');
    expect(finding?.remediation.patch?.body).toEqual({
      spec: { template: { spec: { priorityClassName: 'standard' } } },
    });
  });

  it('passes a workload with one, or any workload under a globalDefault PriorityClass', () => {
    const set = deployment('set', { spec: { priorityClassName: 'standard' } });
    expect(findings('priority-class-not-set', snapshot([set]))).toEqual([]);
    const global = obj('scheduling.k8s.io/v1', 'PriorityClass', 'standard', {
      value: 1000,
      globalDefault: true,
    });
    expect(findings('priority-class-not-set', snapshot([plain(), global]))).toEqual([]);
  });
});
