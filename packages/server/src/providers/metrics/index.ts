export {
  ClusterUsageReader,
  clusterUsageOf,
  type NodeCapacities,
  type NodeCapacity,
} from './cluster-usage.js';
export {
  ContainerMetricsProvider,
  containerMetricsOf,
  type ContainerMetrics,
  type MetricFailure,
  type MetricsScope,
} from './container-metrics.js';
export { PrometheusApi, type RangeSeries, type PrometheusApiOptions } from './prometheus-api.js';
export { MetricsSettingsSchema, type MetricsSettings } from './settings.js';
