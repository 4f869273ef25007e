import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common.js';

const Quantity = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

export const ClusterUsageQuery = Type.Object(
  {
    minutes: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 24 * 60,
        default: 60,
        description: 'How far back the trend goes',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ClusterUsageQuery = Static<typeof ClusterUsageQuery>;

/** One sample of a trend: epoch milliseconds and a value. */
export const UsagePoint = Type.Object({ t: Type.Integer(), v: Type.Number() });
export type UsagePoint = Static<typeof UsagePoint>;

/** CPU in cores or memory in bytes, across the cluster. */
export const ResourceUsage = Type.Object({
  used: Quantity('In use now (CPU: cores, averaged over the rate window; memory: working set)'),
  requested: Quantity(
    'Requests of running and pending pods, from kube-state-metrics; null without it',
  ),
  allocatable: Quantity('Sum of the nodes’ allocatable, from the cluster; null when unknown'),
  capacity: Quantity('Sum of the nodes’ capacity, from the cluster; null when unknown'),
  series: Type.Array(UsagePoint, { description: 'Use over the requested window, oldest first' }),
});
export type ResourceUsage = Static<typeof ResourceUsage>;

export const NamespaceUsage = Type.Object({
  namespace: Type.String(),
  cpu: Quantity('Cores'),
  memory: Quantity('Bytes'),
});
export type NamespaceUsage = Static<typeof NamespaceUsage>;

export const NodeUsage = Type.Object({
  node: Type.String(),
  cpu: Type.Object({ used: Quantity('Cores'), allocatable: Quantity('Cores') }),
  memory: Type.Object({ used: Quantity('Bytes'), allocatable: Quantity('Bytes') }),
});
export type NodeUsage = Static<typeof NodeUsage>;

/**
 * Resource use of a cluster read from the configured metrics server
 * (`metrics.url`), next to what its nodes can give. Without a metrics server
 * the answer is `{configured: false}` and the console leaves the panel out.
 */
export const ClusterUsage = Type.Union([
  Type.Object({ configured: Type.Literal(false) }),
  Type.Object({
    configured: Type.Literal(true),
    time: Timestamp,
    stepSeconds: Type.Integer({ description: 'Distance between the points of the trends' }),
    cpu: ResourceUsage,
    memory: ResourceUsage,
    namespaces: Type.Array(NamespaceUsage, {
      description: 'The namespaces using the most CPU or memory now, most CPU first',
    }),
    nodes: Type.Array(NodeUsage, { description: 'Every node, by name' }),
    unavailable: Type.Array(Type.Object({ part: Type.String(), reason: Type.String() }), {
      description: 'Parts the metrics server or the cluster could not answer; the rest stands',
    }),
  }),
]);
export type ClusterUsage = Static<typeof ClusterUsage>;
