import { list, record, str } from '../../kube/fields.js';
import type { Rule } from '../../rule.js';
import { containerLabel, perTemplateContainer } from '../containers.js';

/**
 * kube-score's environment-variable-key-duplication: when a name is listed
 * twice the last entry wins silently, so the value a reviewer reads first is
 * not the one the process gets.
 */
export const envKeyDuplication: Rule = {
  id: 'environment-variable-key-duplication',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Environment variable is set twice',
  description:
    'A container that lists the same environment variable twice gets only the last value, which is rarely the one its author meant.',
  check(context) {
    return perTemplateContainer(context, { init: true }, (workload, entry) => {
      const seen = new Set<string>();
      const repeated = new Set<string>();
      for (const variable of list(entry.container, 'env')) {
        const name = str(variable, 'name');
        if (name === undefined) continue;
        if (seen.has(name)) repeated.add(name);
        seen.add(name);
      }
      if (repeated.size === 0) return undefined;
      const names = [...repeated].sort();
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} sets ${names.length === 1 ? 'the environment variable' : 'the environment variables'} ${names.map((n) => `"${n}"`).join(', ')} more than once; only the last value counts.`,
        evidence: names.map((n) => ({ type: 'field' as const, path: `${entry.path}.env[${n}]` })),
        remediation: {
          summary: 'Keep one entry per variable name.',
          steps: [
            'Helm charts often add a variable both in a template and in user values: merge the two.',
          ],
        },
      };
    });
  },
};

/**
 * kube-linter's read-secret-from-env-var. Environment variables end up in
 * crash dumps, child processes and `kubectl describe`-style tooling; a mounted
 * file does not. Many applications only read env, so this is house style.
 */
export const secretFromEnv: Rule = {
  id: 'read-secret-from-env-var',
  category: 'security',
  defaultSeverity: 'low',
  profile: 'strict',
  title: 'Secret is read into an environment variable',
  description:
    'Secret values in environment variables leak into child processes, crash reports and debug output more easily than files mounted from a Secret volume.',
  check(context) {
    return perTemplateContainer(context, { init: true }, (workload, entry) => {
      const names = list(entry.container, 'env').flatMap((variable) =>
        record(variable, 'valueFrom', 'secretKeyRef') ? (str(variable, 'name') ?? []) : [],
      );
      if (names.length === 0) return undefined;
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} reads ${names.length === 1 ? 'a Secret into the environment variable' : 'Secrets into the environment variables'} ${names.map((n) => `"${n}"`).join(', ')}.`,
        evidence: names.map((n) => ({
          type: 'field' as const,
          path: `${entry.path}.env[${n}].valueFrom.secretKeyRef`,
        })),
        remediation: {
          summary: 'Mount the Secret as a read-only volume and let the application read the file.',
          steps: [
            'Many libraries accept a *_FILE variable naming a file instead of the value itself.',
          ],
        },
      };
    });
  },
};

export const envRules: Rule[] = [envKeyDuplication, secretFromEnv];
