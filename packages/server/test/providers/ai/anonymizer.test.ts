import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding, KubeObject } from '@kubeops/inspect';
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
