import { Type, type Static } from '@sinclair/typebox';

/**
 * Where the inspector reads container metric history: any server speaking
 * the Prometheus HTTP API (Prometheus, VictoriaMetrics, Thanos, Mimir).
 * Without a url, runs inspect without metrics and the usage rules stay quiet.
 */
export const MetricsSettingsSchema = Type.Object(
  {
    /** Base URL of the query API, e.g. http://prometheus:9090 or http://vmselect:8481/select/0/prometheus. */
    url: Type.Optional(Type.String({ format: 'uri' })),
    /** Sent as `Authorization: Bearer <token>`; wins over username/password when both are set. */
    token: Type.Optional(Type.String({ minLength: 1 })),
    /** HTTP basic authentication (a reverse proxy or vmauth in front of the server). */
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String({ minLength: 1 })),
    /** Extra request headers, e.g. {"authorization": "Basic ..."} or a tenant header. */
    headers: Type.Record(Type.String(), Type.String(), { default: {} }),
    /** Accept any server certificate (self-signed endpoints inside the cluster). */
    insecureSkipTlsVerify: Type.Boolean({ default: false }),
    /** PEM file of the CA that signed the server's certificate (a private CA), trusted besides the system's. */
    caFile: Type.Optional(Type.String({ minLength: 1 })),
    /** How much history each run reads. */
    lookbackMinutes: Type.Integer({ minimum: 10, maximum: 30 * 24 * 60, default: 24 * 60 }),
    /** Resolution of the history; lookback / step must stay within 11,000 points a series. */
    stepSeconds: Type.Integer({ minimum: 10, maximum: 3600, default: 300 }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 }),
    /** Label that tells clusters apart when one server holds several, matched against the cluster name. */
    clusterLabel: Type.Optional(Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' })),
  },
  { additionalProperties: false, default: {} },
);

export type MetricsSettings = Static<typeof MetricsSettingsSchema>;
