import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findSecrets, type Finding, type KubeObject } from '@kubeops/inspect';
import { MAX_TEXT_LENGTH } from '../../../src/providers/ai/anonymizer.js';
import { redactCredentials } from '../../../src/providers/ai/credential-redaction.js';
import { findSensitive } from '../../../src/providers/ai/sensitive-patterns.js';
import {
  Anonymizer,
  explainFindings,
  type AiProvider,
  type CompletionRequest,
} from '../../../src/providers/ai/index.js';

// Generated site values carry a "zq" marker, so a substring check cannot be
// fooled by a prompt word or a token that happens to spell the same letters.
const word = fc.stringMatching(/^zq[a-z0-9]{3,8}$/);
const dnsName = fc
  .tuple(word, fc.option(fc.stringMatching(/^[a-z0-9]{3,5}$/), { nil: undefined }))
  .map(([a, b]) => (b ? `${a}-${b}` : a));
const ipv4 = fc
  .tuple(
    fc.integer({ min: 1, max: 254 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 1, max: 254 }),
  )
  .map((p) => p.join('.'));
const hex = fc.integer({ min: 0x1000, max: 0xffff }).map((n) => n.toString(16));
const ipv6 = fc.oneof(
  fc.tuple(hex, hex, hex).map(([a, b, c]) => `fd${a.slice(0, 2)}:${b}::${c}`),
  fc.array(hex, { minLength: 8, maxLength: 8 }).map((g) => g.join(':')),
);
const tag = fc.stringMatching(/^v?[0-9]\.[0-9]{1,2}\.[0-9]{1,2}$/);

const site = fc.record({
  namespace: dnsName,
  deployment: dnsName,
  podSuffix: fc.stringMatching(/^[a-z0-9]{5}$/),
  container: word,
  node: dnsName,
  podIp: ipv4,
  nodeIp: ipv4,
  ipv6,
  registry: word.map((w) => `${w}.example.com`),
  team: word,
  tag,
  host: word.map((w) => `${w}.corp.internal`),
  email: fc.tuple(word, word).map(([u, d]) => `${u}@${d}.io`),
  label: word,
  secret: dnsName,
  user: word,
});
type Site = typeof site extends fc.Arbitrary<infer T> ? T : never;

function sensitiveValues(s: Site): string[] {
  return [
    s.namespace,
    s.deployment,
    `${s.deployment}-${s.podSuffix}`,
    s.container,
    s.node,
    s.podIp,
    s.nodeIp,
    s.ipv6,
    s.registry,
    `${s.registry}/${s.team}/${s.deployment}:${s.tag}`,
    s.host,
    `https://${s.host}/api/v1/orders?id=7`,
    s.email,
    s.label,
    s.secret,
    s.user,
  ];
}

/** A finding and its surroundings, with every site value in every place it can occur. */
function scenario(s: Site): {
  finding: Finding;
  objects: KubeObject[];
  events: KubeObject[];
  logs:
    [] | never[] | Array<{ namespace: string; pod: string; container: string; lines: string[] }>;
  changes: Array<{
    at: string;
    kind: string;
    namespace: string;
    name: string;
    action: 'updated';
    actor: string;
    summary: string;
  }>;
} {
  const pod = `${s.deployment}-${s.podSuffix}`;
  const image = `${s.registry}/${s.team}/${s.deployment}:${s.tag}`;
  const finding: Finding = {
    fingerprint: `fp-${pod}`,
    ruleId: 'pod-crashloop',
    category: 'reliability',
    severity: 'high',
    resource: { apiVersion: 'v1', kind: 'Pod', namespace: s.namespace, name: pod },
    title: `Pod ${pod} is crash-looping`,
    message: `Container ${s.container} of ${s.namespace}/${pod} restarted 12 times on node ${s.node}`,
    evidence: [
      { type: 'field', path: `spec.containers[${s.container}].image`, value: image },
      { type: 'field', path: 'metadata.labels', value: { app: s.label, team: s.team } },
      {
        type: 'event',
        text: `Back-off restarting failed container ${s.container} in pod ${pod}_${s.namespace}`,
      },
      {
        type: 'log',
        text: `dial tcp ${s.podIp}:5432: connection refused; upstream [${s.ipv6}]:8443 via https://${s.host}/api/v1/orders?id=7`,
      },
      {
        type: 'object',
        value: { envFrom: [{ secretRef: { name: s.secret } }], nodeName: s.node, hostIP: s.nodeIp },
      },
    ],
    remediation: {
      summary: `Fix the configuration of ${s.deployment}`,
      steps: [
        `kubectl -n ${s.namespace} logs ${pod} -c ${s.container} --previous`,
        `Ask ${s.email} about ${image}`,
      ],
      patch: {
        type: 'strategic',
        target: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: s.namespace,
          name: s.deployment,
        },
        body: { spec: { template: { spec: { containers: [{ name: s.container, image }] } } } },
      },
    },
  };
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pod,
        namespace: s.namespace,
        labels: { app: s.label },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: `${s.deployment}-${s.podSuffix.slice(0, 4)}`,
            uid: 'rs-uid',
            controller: true,
          },
        ],
      },
      spec: { nodeName: s.node, containers: [{ name: s.container, image }] },
      status: { podIP: s.podIp, hostIP: s.nodeIp },
    },
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: s.node },
      status: { addresses: [{ type: 'InternalIP', address: s.nodeIp }] },
    },
  ];
  const events: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${pod}.17a`, namespace: s.namespace },
      involvedObject: { kind: 'Pod', namespace: s.namespace, name: pod },
      reason: 'Failed',
      message: `Failed to pull image "${image}": rpc error: dial tcp ${s.nodeIp}:443 on ${s.node}`,
      source: { host: s.node },
    },
  ];
  const logs = [
    {
      namespace: s.namespace,
      pod,
      container: s.container,
      lines: [
        `ERROR cannot reach ${s.host} (${s.podIp}); contact ${s.email}`,
        `connecting to ${s.ipv6} port 8443`,
      ],
    },
  ];
  const changes = [
    {
      at: '2025-06-01T10:00:00Z',
      kind: 'Pod',
      namespace: s.namespace,
      name: pod,
      action: 'updated' as const,
      actor: s.user,
      summary: `image set to ${image}`,
    },
  ];
  return { finding, objects, events, logs, changes };
}

/** Records what would leave the process and answers with every token it saw. */
function recordingProvider(): AiProvider & { sent: CompletionRequest[] } {
  const sent: CompletionRequest[] = [];
  return {
    id: 'recorder',
    model: 'm',
    sent,
    async complete(request) {
      sent.push(request);
      const tokens = [
        ...new Set(
          request.messages[0]!.content.match(
            /\b(?:ns|pod|node|container|ip|host|url|email|image|label|secret|deploy|user)-\d+\b/g,
          ) ?? [],
        ),
      ];
      const schema = request.jsonSchema as {
        properties: {
          explanations: { items: { properties: { evidence: { items: { enum: string[] } } } } };
        };
      };
      const evidence = schema.properties.explanations.items.properties.evidence.items.enum;
      return {
        text: JSON.stringify({
          explanations: [
            {
              finding: 'F1',
              rootCause: `Seen: ${tokens.join(' ')}`,
              evidence: evidence.slice(0, 2),
              remediation: [`Check ${tokens.join(', ')}`],
              confidence: 0.7,
            },
          ],
        }),
        usage: { promptTokens: 100, completionTokens: 20 },
      };
    },
  };
}

describe('anonymization', () => {
  it('sends nothing from the list of site values: not in findings, evidence, events, logs or changes', async () => {
    await fc.assert(
      fc.asyncProperty(site, async (s) => {
        const { finding, ...context } = scenario(s);
        const provider = recordingProvider();
        const result = await explainFindings([finding], context, { provider });
        expect(provider.sent).toHaveLength(1);
        const outgoing = JSON.stringify(provider.sent);
        for (const value of sensitiveValues(s)) expect(outgoing).not.toContain(value);
        // The context really was part of the prompt, in token form (a value shared by two
        // roles, say a user named like a namespace, keeps its first token).
        expect(outgoing).toMatch(
          /log [a-z]+-\d+\/[a-z]+-\d+\/[a-z]+-\d+: ERROR cannot reach host-\d+/,
        );
        expect(outgoing).toMatch(/change .* by [a-z]+-\d+/);
        // The answer comes back with the real values.
        const explanation = result.explanations[0]!;
        expect(explanation.source).toBe('ai');
        for (const value of [
          s.namespace,
          `${s.deployment}-${s.podSuffix}`,
          s.node,
          s.podIp,
          s.ipv6,
          s.host,
          s.email,
        ])
          expect(explanation.rootCause).toContain(value);
        expect(explanation.rootCause).not.toMatch(/\b(?:ns|pod|ip|host|email)-\d+\b/);
      }),
      { numRuns: 60 },
    );
  });

  it('gives a value the same token everywhere in a run', () => {
    fc.assert(
      fc.property(site, (s) => {
        const a = new Anonymizer();
        a.registerReference({ kind: 'Pod', namespace: s.namespace, name: s.deployment });
        const first = a.text(`pod ${s.deployment} in ${s.namespace} at ${s.podIp}`);
        const second = a.value({ msg: `${s.podIp} served ${s.deployment}`, ns: s.namespace });
        for (const value of [s.deployment, s.namespace, s.podIp]) {
          const token = a.tokenOf(value)!;
          expect(token).toMatch(/^(pod|ns|ip)-\d+$/);
          expect(first).toContain(token);
          expect(JSON.stringify(second)).toContain(token);
        }
      }),
    );
  });

  const fragment = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.constantFrom(
      ' ',
      '-',
      '.',
      ':',
      '/',
      '_',
      '"',
      '[',
      ']',
      '@',
      '\n',
      '::',
      'web',
      'default',
      'kube-system',
    ),
    fc.stringMatching(/^(ns|pod|ip|host|name|image|url)-[0-9]{1,3}$/),
    ipv4,
    ipv6,
    dnsName,
    fc.webUrl(),
    fc.emailAddress(),
    fc.domain(),
  );
  const text = fc.array(fragment, { maxLength: 25 }).map((parts) => parts.join(''));

  it('restores exactly what it anonymized, whatever the text (tokens-lookalikes included)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(dnsName, fc.constantFrom('Pod', 'Namespace', 'Node', 'Secret'))),
        fc.array(text, { minLength: 1, maxLength: 5 }),
        (names, texts) => {
          // Credentials are the one thing never restored (tested below).
          fc.pre(texts.every((t) => findSecrets(t).length === 0));
          const a = new Anonymizer();
          for (const [name, kind] of names) a.registerReference({ kind, name });
          for (const t of texts) expect(a.restore(a.text(t))).toBe(t);
          // Earlier output still restores after later texts issued more tokens.
          const again = texts.map((t) => a.text(t));
          expect(again.map((t) => a.restore(t))).toEqual(texts);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('restores structured values, keys included', () => {
    fc.assert(
      fc.property(fc.jsonValue(), site, (value, s) => {
        const a = new Anonymizer();
        a.registerReference({ kind: 'Pod', namespace: s.namespace, name: s.deployment });
        const input = { value, [s.deployment]: [s.podIp, s.email, `${s.host}:443`] };
        const anonymized = a.value(input);
        expect(JSON.stringify(anonymized)).not.toContain(s.deployment);
        expect(a.restoreValue(anonymized)).toEqual(input);
      }),
      { numRuns: 200 },
    );
  });

  it('leaves versions, numbers and booleans alone even as label values', () => {
    const a = new Anonymizer();
    a.registerValue({
      metadata: { labels: { version: 'v1', release: '1.25.3', canary: 'true', tier: 'gold-7' } },
    });
    expect(a.text('apps/v1 release 1.25.3 canary=true tier gold-7')).toBe(
      'apps/v1 release 1.25.3 canary=true tier label-1',
    );
  });

  it('keeps words that only contain a name, and the well-known namespaces', () => {
    const a = new Anonymizer();
    a.registerReference({ kind: 'Deployment', namespace: 'kube-system', name: 'web' });
    expect(
      a.text(
        'webhook for web in kube-system: web-7d9f-abcde failed, see web.kube-system.svc or my_web_app',
      ),
    ).toBe(
      'webhook for deploy-1 in kube-system: deploy-1-7d9f-abcde failed, see host-1 or my_deploy-1_app',
    );
    expect(a.text('image pull failed for "nginx:1.25"')).toBe('image pull failed for "image-1"');
  });
});

describe('credentials', () => {
  // Built at run time, so no scanner mistakes this file for a leak.
  const random = (length: number, alphabet: string) =>
    Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const base64 = `${alnum}+/`;
  const pem = (label: string) => {
    const body = Array.from({ length: 6 }, () => random(64, base64)).join('\n');
    return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
  };

  const secrets: Array<[kind: string, secret: string, text: (secret: string) => string]> = [
    ['GitHub classic token', `ghp_${random(36, alnum)}`, (s) => `GITHUB_TOKEN=${s} pushed`],
    ['GitHub OAuth token', `gho_${random(36, alnum)}`, (s) => `token ${s}`],
    [
      'GitHub fine-grained token',
      `github_pat_${random(22, alnum)}_${random(59, alnum)}`,
      (s) => `"${s}"`,
    ],
    [
      'Slack bot token',
      `xoxb-${random(12, '0123456789')}-${random(24, alnum)}`,
      (s) => `slack ${s}.`,
    ],
    ['Slack app token', `xapp-1-${random(11, alnum)}-${random(30, alnum)}`, (s) => `SLACK=${s}`],
    ['Google API key', `AIza${random(35, alnum)}`, (s) => `key=${s}&q=1`],
    ['Google OAuth token', `ya29.${random(60, alnum)}`, (s) => `Bearer ${s}`],
    ['Google client secret', `GOCSPX-${random(28, alnum)}`, (s) => `client_secret: ${s}`],
    [
      'AWS access key id',
      `AKIA${random(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
      (s) => `id ${s}`,
    ],
    ['bare AWS secret key', random(40, base64), (s) => `aws configure set ${s} done`],
    ['RSA private key', pem('RSA PRIVATE KEY'), (s) => `tls.key: |\n${s}\n`],
    ['EC private key', pem('EC PRIVATE KEY'), (s) => s],
    ['OpenSSH private key', pem('OPENSSH PRIVATE KEY'), (s) => `id_ed25519 ${s} end`],
    ['encrypted private key', pem('ENCRYPTED PRIVATE KEY'), (s) => s],
    ['PKCS#8 private key', pem('PRIVATE KEY'), (s) => `key=${s}`],
    ['DSA private key', pem('DSA PRIVATE KEY'), (s) => s],
    ['PGP private key', pem('PGP PRIVATE KEY BLOCK'), (s) => s],
    [
      'private key in a JSON string',
      pem('RSA PRIVATE KEY').replaceAll('\n', '\\n'),
      (s) => `{"tls.key":"${s}"}`,
    ],
    [
      'private key cut before its END line',
      pem('PRIVATE KEY').replace(/\n-----END[^]*$/, ''),
      (s) => `log: ${s}`,
    ],
    [
      'JSON Web Token',
      `eyJ${random(20, alnum)}.eyJ${random(40, alnum)}.${random(43, alnum)}`,
      (s) => `jwt ${s}`,
    ],
    ['Authorization header', random(48, alnum), (s) => `Authorization: Bearer ${s}\nHost: x`],
    [
      'Cookie header',
      `session=${random(24, alnum)}; theme=dark`,
      (s) => `GET /\nCookie: ${s}\nAccept: */*`,
    ],
    ['Set-Cookie header', `sid=${random(16, alnum)}; Path=/; HttpOnly`, (s) => `set-cookie: ${s}`],
    [
      'password in a URL',
      random(14, alnum),
      (s) => `dial postgres://app:${s}@db-primary:5432/orders`,
    ],
    ['long random string', random(64, `${alnum}_-`), (s) => `api_key ${s}`],
  ];

  it.each(secrets)('redacts a %s, and never restores it', (_kind, secret, wrap) => {
    const a = new Anonymizer();
    const input = wrap(secret);
    const output = a.text(input);
    const restored = a.restore(output);
    // Everything else comes back; the credential stays a token (inside a URL token, for a URL).
    expect(restored).toMatch(/credential-\d+/);
    // No piece of it survives: every 12-character window (the whole of a shorter one) is gone.
    const size = Math.min(12, secret.length);
    for (let i = 0; i + size <= secret.length; i += 6) {
      expect(output).not.toContain(secret.slice(i, i + size));
      expect(restored).not.toContain(secret.slice(i, i + size));
    }
    // The same credential gets the same token.
    expect(a.text(input)).toBe(output);
  });

  it('hides the user and host around an @ and in a URL with credentials', () => {
    const a = new Anonymizer();
    const out = a.text(
      'ssh deploy@bastion-7 failed; git@gitlab.zqcorp.internal:team/app.git; sudo as root@jumpbox; ' +
        'scp backup@10.20.30.40:/dump; ' +
        'redis://cacheuser:s3cretpassw0rd@redis-main:6379/0 and mail ops@zqmail.example',
    );
    for (const value of [
      'deploy',
      'bastion-7',
      'gitlab.zqcorp.internal',
      'cacheuser',
      'redis-main',
      's3cretpassw0rd',
      'zqmail.example',
      'ops@',
      'backup',
      '10.20.30.40',
    ])
      expect(out).not.toContain(value);
    // "root" names no site and stays readable.
    expect(out).toMatch(/\broot@host-\d+/);
    expect(a.restore(out)).toContain('deploy@bastion-7');
    expect(a.restore(out)).not.toContain('s3cretpassw0rd');
  });

  it('leaves digests, UUIDs, generated names and words alone', () => {
    const a = new Anonymizer();
    const digest = `sha256:${random(64, '0123456789abcdef')}`;
    const text =
      `image nginx@${digest} pulled; uid 3f2c9a4e-7b1d-4c8e-9f0a-12ab34cd56ef; ` +
      'pod web-7d9f8c6b5-x2x4z restarted; ReconcileDeploymentControllerLoop failed; ' +
      'installed lodash@4.17.21, golang.org/x/net@v0.1.0 and cli@latest';
    const out = a.text(text);
    expect(out).not.toContain('credential-');
    expect(out).toContain('3f2c9a4e-7b1d-4c8e-9f0a-12ab34cd56ef');
    expect(out).toContain('ReconcileDeploymentControllerLoop');
    expect(out).toContain('lodash@4.17.21, host-1/x/net@v0.1.0 and cli@latest');
    expect(a.restore(out)).toBe(text);
  });

  it('clips the text before any pattern runs', () => {
    const a = new Anonymizer();
    const out = a.text(`${'x '.repeat(MAX_TEXT_LENGTH)}tail.zqcorp.internal`);
    expect(out.length).toBeLessThan(MAX_TEXT_LENGTH + 100);
    expect(out).toMatch(/more characters cut\]$/);
  });
});

describe('linear time', () => {
  const MiB = 1 << 20;
  // Each is the shape that made one of the earlier patterns rescan a run from every position.
  const adversarial: Record<string, (size: number) => string> = {
    'dotted labels': (n) => 'a.'.repeat(n / 2),
    'long labels': (n) => `${'a'.repeat(62)}.`.repeat(n / 63),
    'dashed run': (n) => 'a-'.repeat(n / 2),
    'suffix after suffix': (n) => `${'com.'.repeat(n / 4)}x`,
    'one long word': (n) => 'a'.repeat(n),
    'at signs': (n) => 'a@'.repeat(n / 2),
    'image and spaces': (n) => `image${' '.repeat(n - 6)}!`,
    'scheme-like run': (n) => `${'a+'.repeat(n / 2)}:`,
    'key headers without end': (n) => '-----BEGIN RSA PRIVATE KEY-----\n'.repeat(n / 32),
    'base64 run': (n) => 'Ab0+'.repeat(n / 4),
  };
  const cpuMs = (work: () => unknown) => {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000;
  };

  // Half a million user@host matches: linear, but that many results cost more.
  const budgetMs = (shape: string) => (shape === 'at signs' ? 200 : 100);

  it.each(Object.keys(adversarial))(
    'finds sensitive values and secrets in 1 MiB of %s, in linear time',
    (shape) => {
      const input = adversarial[shape]!(MiB);
      findSensitive(input.slice(0, 4096)); // compile the patterns
      const full = cpuMs(() => findSensitive(input));
      const quarter = cpuMs(() => findSensitive(input.slice(0, MiB / 4)));
      expect(full).toBeLessThan(budgetMs(shape));
      // Four times the input, about four times the time (quadratic would be sixteen).
      expect(full).toBeLessThan(8 * quarter + 10);
      expect(cpuMs(() => findSecrets(input))).toBeLessThan(100);
    },
  );

  it('redacts and anonymizes 1 MiB of any of them, as a prompt does, in under 100 ms each', () => {
    for (const make of [...Object.values(adversarial), (n: number) => 'password-'.repeat(n / 9)]) {
      const a = new Anonymizer();
      a.registerReference({ kind: 'Pod', namespace: 'shop', name: 'web-1' });
      const input = make(MiB);
      expect(cpuMs(() => redactCredentials(input))).toBeLessThan(100);
      expect(cpuMs(() => a.text(input))).toBeLessThan(100);
    }
  });
});
