import { describe, list, nameOf, record, refOf, str } from '../../kube/fields.js';
import type { Evidence } from '../../finding.js';
import type { FindingDraft, Rule } from '../../rule.js';
import { secretShapeIn } from '../../secrets.js';
import { containerLabel, perTemplateContainer } from '../containers.js';

/** Names that say "this holds a credential". */
const SECRET_NAME =
  /(^|[_.-])(pass(word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?)([_.-]|$)/i;

/** Names that hold a reference to a credential rather than the credential. */
const REFERENCE_NAME = /(_FILE|_PATH|_DIR|_NAME|_REF|_ENABLED|_LENGTH|_TTL|_EXPIRY|_HEADER)$/i;

/** Values that are clearly not a secret: empty, booleans, numbers, templates, paths. */
function isPlaceholder(value: string): boolean {
  const v = value.trim();
  return (
    v.length < 4 ||
    /^(true|false|yes|no|null|none|on|off)$/i.test(v) ||
    /^\d+$/.test(v) ||
    /^\$[({]/.test(v) ||
    /^<.*>$/.test(v) ||
    /^\{\{.*\}\}$/.test(v) ||
    v.startsWith('/')
  );
}

export interface CredentialMatch {
  what: string;
}

/** Whether a name/value pair looks like a credential, and why. */
export function credentialIn(name: string, value: string): CredentialMatch | undefined {
  const what = secretShapeIn(value);
  if (what) return { what };
  if (SECRET_NAME.test(name) && !REFERENCE_NAME.test(name) && !isPlaceholder(value)) {
    return { what: `literal value for "${name}"` };
  }
  return undefined;
}

/** Credential-looking assignments inside a config file (properties, YAML, JSON, .env). */
const ASSIGNMENT = /^\s*["']?([\w.-]+)["']?\s*[:=]\s*["']?([^"'\s,#]+)/;

function credentialsInFile(key: string, content: string): Array<{ key: string; what: string }> {
  const whole = secretShapeIn(content);
  if (whole) return [{ key, what: whole }];
  const found: Array<{ key: string; what: string }> = [];
  for (const line of content.split('\n')) {
    const match = ASSIGNMENT.exec(line);
    if (!match) continue;
    const hit = credentialIn(match[1]!, match[2]!);
    if (hit) found.push({ key: `${key}: ${match[1]}`, what: hit.what });
  }
  return found;
}

/** Never puts any part of the credential in a finding: findings are stored and sent to chat tools. */
export function masked(value: string): string {
  return `(hidden, ${value.length} characters)`;
}

export const envCredentials: Rule = {
  id: 'env-credentials',
  category: 'security',
  defaultSeverity: 'high',
  title: 'Credential in a plain environment variable',
  description:
    'A password, token or key is written literally in the pod spec, readable by anyone who can read the workload.',
  check(context) {
    return perTemplateContainer(context, { init: true }, (workload, entry) => {
      const hits: Evidence[] = [];
      for (const env of list(entry.container, 'env')) {
        const name = str(env, 'name') ?? '';
        const value = str(env, 'value');
        if (value === undefined) continue;
        const hit = credentialIn(name, value);
        if (hit)
          hits.push({
            type: 'field',
            path: `${entry.path}.env[${name}].value`,
            value: masked(value),
            text: hit.what,
          });
      }
      if (hits.length === 0) return undefined;
      const names = hits.map((h) => h.path?.replace(/^.*env\[(.*)\]\.value$/, '$1')).join(', ');
      return {
        object: workload,
        detail: `${entry.name}:${names}`,
        message: `The ${containerLabel(workload, entry)} sets ${names} to literal credential values in its spec.`,
        evidence: hits,
        remediation: {
          summary:
            'Move the values into a Secret (or an external secret store) and reference them with valueFrom.secretKeyRef.',
          steps: [
            'Rotate the exposed credentials: they are in the cluster state, in Git and in every backup.',
            'Use External Secrets, Sealed Secrets or a cloud secret manager to keep them out of manifests.',
          ],
        },
      };
    });
  },
};

export const configMapCredentials: Rule = {
  id: 'configmap-credentials',
  category: 'security',
  defaultSeverity: 'high',
  title: 'Credential stored in a ConfigMap',
  description:
    'ConfigMaps are not protected like Secrets; credentials in them leak to anyone who can read configuration.',
  check({ index }) {
    return index.ofKind('ConfigMap').flatMap((configMap): FindingDraft[] => {
      const hits: Array<{ key: string; what: string }> = [];
      for (const [key, value] of Object.entries(record(configMap, 'data') ?? {})) {
        if (typeof value !== 'string') continue;
        const direct = credentialIn(key, value);
        if (direct && !value.includes('\n')) hits.push({ key, what: direct.what });
        else hits.push(...credentialsInFile(key, value));
      }
      if (hits.length === 0) return [];
      return [
        {
          object: configMap,
          detail: hits.map((h) => h.key).join(','),
          message: `${describe(refOf(configMap))} holds what look like credentials: ${hits.map((h) => `${h.key} (${h.what})`).join('; ')}.`,
          evidence: hits.map((h) => ({
            type: 'field' as const,
            path: `data[${h.key}]`,
            text: h.what,
          })),
          remediation: {
            summary: `Move the credentials from ConfigMap ${nameOf(configMap)} into a Secret and rotate them.`,
            steps: ['Mount or reference the Secret where the application reads the value.'],
          },
        },
      ];
    });
  },
};

export const credentialRules: Rule[] = [envCredentials, configMapCredentials];
