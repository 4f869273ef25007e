import { describe, expect, it } from 'vitest';
import { isErrorLine, LogTemplateMiner, maskLine, templateText } from '../src/logs/drain.js';
import { errorLogTemplates } from '../src/rules/logs/new-templates.js';
import { deployment, findings, pod, snapshot } from './fixtures.js';

describe('log template mining', () => {
  it('masks numbers, ids, addresses and hex values', () => {
    expect(
      maskLine(
        '2026-01-15T11:59:01.123Z request 6f1c2a9e-8b7d-4c3e-9f10-2a3b4c5d6e7f from 10.1.2.3:5432 took 125ms ptr 0xdeadbeef sha 9f8e7d6c5b4a',
      ),
    ).toEqual([
      '<TS>',
      'request',
      '<UUID>',
      'from',
      '<IP>',
      'took',
      '<NUM>',
      'ptr',
      '<HEX>',
      'sha',
      '<HEX>',
    ]);
  });

  it('clusters lines that differ in variables into one template', () => {
    const miner = new LogTemplateMiner();
    for (const user of ['alice', 'bob', 'carol'])
      miner.add(`ERROR failed to load profile for user ${user}: connection reset`);
    miner.add('ERROR database connection to 10.0.0.1:5432 refused');
    miner.add('ERROR database connection to 10.0.0.2:5432 refused');
    const clusters = miner.clusters().map((c) => [templateText(c), c.count]);
    expect(clusters).toEqual([
      ['ERROR failed to load profile for user <*> connection reset', 3],
      ['ERROR database connection to <IP> refused', 2],
    ]);
  });

  it('keeps different messages of the same length apart', () => {
    const miner = new LogTemplateMiner();
    miner.add('ERROR disk quota exceeded on volume data');
    miner.add('ERROR upstream returned an unexpected redirect loop');
    expect(miner.clusters()).toHaveLength(2);
  });

  it('recognises error lines by level, klog prefix or wording', () => {
    expect(isErrorLine('level=error msg="boom"')).toBe(true);
    expect(isErrorLine('{"level":"error","msg":"x"}')).toBe(true);
    expect(isErrorLine('{"level":"info","msg":"no error here"}')).toBe(false);
    expect(isErrorLine('E0115 11:59:01.000000 1 controller.go:42] sync failed')).toBe(true);
    expect(isErrorLine('I0115 11:59:01.000000 1 controller.go:42] error count 0')).toBe(false);
    expect(isErrorLine('java.lang.NullPointerException at Foo.bar')).toBe(true);
    expect(isErrorLine('TypeError: x is undefined')).toBe(true);
    expect(isErrorLine('Unhandled exception in worker')).toBe(true);
    expect(isErrorLine('GET /healthz 200')).toBe(false);
  });
});

describe('new error templates', () => {
  const d = deployment('api');
  const pods = [pod('api-1', { owner: d }), pod('api-2', { owner: d })];
  const logs = [
    {
      namespace: 'shop',
      pod: 'api-1',
      container: 'app',
      lines: [
        'level=info msg="started"',
        'level=error msg="payment gateway timeout after 30s" order=1234',
        'level=error msg="cache miss storm" keys=881',
      ],
    },
    {
      namespace: 'shop',
      pod: 'api-2',
      container: 'app',
      lines: [
        'level=error msg="payment gateway timeout after 31s" order=1299',
        { t: '2026-01-15T11:59:00Z', line: 'level=error msg="cache miss storm" keys=902' },
      ],
    },
  ];

  it('reports only templates missing from the baseline, on the owning workload, with example lines', () => {
    const baseline = ['level=error msg="cache miss storm" keys=<NUM>'];
    const list = findings(
      'log-new-error-template',
      snapshot([d, ...pods], { logs, options: { logBaselineTemplates: baseline } }),
    );
    expect(list).toHaveLength(1);
    expect(list[0]?.resource).toMatchObject({ kind: 'Deployment', name: 'api' });
    expect(list[0]?.severity).toBe('warning');
    expect(list[0]?.message).toContain('logged 2 error lines');
    expect(list[0]?.message).toContain('payment gateway timeout');
    expect(list[0]?.evidence.map((e) => e.type)).toEqual(['log', 'log']);
  });

  it('reports every template at low severity when there is no baseline yet, and offers the templates for one', () => {
    const snap = snapshot([d, ...pods], { logs });
    expect(findings('log-new-error-template', snap).map((f) => f.severity)).toEqual(['low', 'low']);
    const templates = errorLogTemplates(snap);
    expect(templates).toHaveLength(2);
    const next = findings(
      'log-new-error-template',
      snapshot([d, ...pods], { logs, options: { logBaselineTemplates: templates } }),
    );
    expect(next).toEqual([]);
  });

  it('rates fatal and panic templates high', () => {
    const panicking = [
      {
        namespace: 'shop',
        pod: 'api-1',
        lines: ['panic: runtime error: invalid memory address or nil pointer dereference'],
      },
    ];
    expect(
      findings(
        'log-new-error-template',
        snapshot([d, ...pods], { logs: panicking, options: { logBaselineTemplates: [] } }),
      )[0]?.severity,
    ).toBe('high');
  });
});
