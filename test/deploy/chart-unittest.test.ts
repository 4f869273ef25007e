import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chartDir, installTools, run } from './support/tools.js';

let helm = '';
let plugins = '';

beforeAll(() => {
  ({ helm, 'helm-unittest': plugins } = installTools('helm', 'helm-unittest'));
}, 45 * 60_000);

describe('helm-unittest suites (deploy/helm/kubeops/tests)', () => {
  const suites = readdirSync(join(chartDir, 'tests')).filter((f) => f.endsWith('_test.yaml'));

  it('cover modes, every infrastructure path, secrets, exposure and validation', () => {
    expect(suites.sort()).toEqual([
      'eventbus_test.yaml',
      'exposure_test.yaml',
      'modes_test.yaml',
      'observability_test.yaml',
      'postgresql_test.yaml',
      'providers_test.yaml',
      'secrets_test.yaml',
      'transport_test.yaml',
      'validation_test.yaml',
    ]);
  });

  it('all pass', () => {
    const result = run(helm, ['unittest', '--color=false', chartDir], {
      env: { ...process.env, HELM_PLUGINS: plugins },
    });
    const output = result.stdout + result.stderr;
    expect(output, output).toMatch(
      new RegExp(`Test Suites:\\s+${suites.length} passed, ${suites.length} total`),
    );
    expect(output).not.toMatch(/\bFAIL\b/);
    expect(result.status, output).toBe(0);
  });
});
