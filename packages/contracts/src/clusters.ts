import { Type, type Static } from '@sinclair/typebox';
import { HttpUrl, Timestamp } from './common.js';

export const ClusterName = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
  description: 'DNS label: lower-case letters, digits and dashes',
});

const Name = Type.Optional(ClusterName);

/** One of three ways to reach a cluster; credentials are encrypted at rest and never returned. */
export const ClusterCreateRequest = Type.Union([
  Type.Object(
    {
      source: Type.Literal('kubeconfig'),
      kubeconfig: Type.String({
        minLength: 1,
        maxLength: 1024 * 1024,
        description:
          'YAML or JSON; certificates and keys embedded (kubectl config view --raw --flatten)',
      }),
      contexts: Type.Optional(
        Type.Array(Type.String({ minLength: 1 }), {
          minItems: 1,
          maxItems: 100,
          description: 'Contexts to register; default: the current context',
        }),
      ),
      name: Type.Optional(
        Type.String({
          description: 'Name when one context is registered; default: the context name',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      source: Type.Literal('token'),
      name: ClusterName,
      server: HttpUrl,
      certificateAuthority: Type.Optional(Type.String({ maxLength: 65536, description: 'PEM' })),
      token: Type.String({ minLength: 1, maxLength: 65536 }),
      insecureSkipTlsVerify: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  Type.Object({ source: Type.Literal('in-cluster'), name: Name }, { additionalProperties: false }),
]);
export type ClusterCreateRequest = Static<typeof ClusterCreateRequest>;

export const ClusterHealth = Type.Object({
  state: Type.Union([
    Type.Literal('unknown'),
    Type.Literal('connected'),
    Type.Literal('unreachable'),
  ]),
  reachable: Type.Boolean(),
  version: Type.Union([Type.String(), Type.Null()]),
  latencyMs: Type.Union([Type.Number(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  lastContactAt: Type.Union([Timestamp, Type.Null()]),
  nextRetryAt: Type.Union([Timestamp, Type.Null()]),
});
export type ClusterHealth = Static<typeof ClusterHealth>;

/** A registration KubeOps accepted but that weakens the connection; shown wherever the cluster is. */
export const ClusterWarning = Type.Object({
  code: Type.Union([Type.Literal('plain_http'), Type.Literal('tls_verify_disabled')]),
  message: Type.String(),
});
export type ClusterWarning = Static<typeof ClusterWarning>;

export const Cluster = Type.Object({
  id: Type.String(),
  name: Type.String(),
  server: Type.String(),
  source: Type.Union([
    Type.Literal('kubeconfig'),
    Type.Literal('token'),
    Type.Literal('in-cluster'),
  ]),
  authMethod: Type.Union([Type.Literal('token'), Type.Literal('client-certificate')]),
  createdAt: Timestamp,
  health: ClusterHealth,
  warnings: Type.Array(ClusterWarning),
});
export type Cluster = Static<typeof Cluster>;

export const ClusterList = Type.Object({ items: Type.Array(Cluster) });
export const ClusterCreateResponse = Type.Object({ items: Type.Array(Cluster) });

export const KubeconfigContextsRequest = Type.Object(
  { kubeconfig: Type.String({ minLength: 1, maxLength: 1024 * 1024 }) },
  { additionalProperties: false },
);

export const KubeconfigContext = Type.Object({
  name: Type.String(),
  cluster: Type.String(),
  server: Type.String(),
  user: Type.String(),
  current: Type.Boolean(),
  /** Why this context cannot be registered (e.g. exec credentials), or null. */
  refusal: Type.Union([Type.String(), Type.Null()]),
});
export const KubeconfigContexts = Type.Object({ items: Type.Array(KubeconfigContext) });
export type KubeconfigContext = Static<typeof KubeconfigContext>;

export const ClusterParams = Type.Object({ cluster: ClusterName });
