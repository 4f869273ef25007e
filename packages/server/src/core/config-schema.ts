import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Profile } from '@kubeops/contracts';
import { AiSettingsSchema } from '../providers/ai/settings.js';
import { MetricsSettingsSchema } from '../providers/metrics/settings.js';
import { StorageSettingsSchema } from '../providers/storage/settings.js';
import { EXPORT_FORMATS } from '../inspector/export-formats.js';
// TypeBox checks no string formats by itself: this registers the http(s) URL ones config uses.
import './http-url.js';

const Port = (def: number) => Type.Integer({ minimum: 0, maximum: 65535, default: def });
const Seconds = (def: number) =>
  Type.Integer({ minimum: 1, maximum: 10 * 365 * 86400, default: def });
const Obj = <T extends Record<string, TSchema>>(props: T) =>
  Type.Object(props, { additionalProperties: false, default: {} });

/** Stream and consumer names NATS accepts (no dots, wildcards or spaces). */
const NATS_NAME = '^[A-Za-z0-9_-]{1,64}$';

export const TRUST_PROXY_HELP =
  'set the number of proxies in front of KubeOps (e.g. 1 behind an Ingress controller) or a list of their addresses/CIDRs (e.g. ["10.0.0.0/8"]); true would trust any X-Forwarded-For a client sends';

export const TARGETS = ['all', 'api', 'cdc', 'inspector'] as const;
export type Target = (typeof TARGETS)[number];

/**
 * Every setting KubeOps reads. Each leaf can come from the YAML file (same
 * nesting), from the environment as KUBEOPS_<PATH_IN_SNAKE_CASE> (e.g.
 * auth.lockout.maxFailuresPerAccount ← KUBEOPS_AUTH_LOCKOUT_MAX_FAILURES_PER_ACCOUNT),
 * and for a few from command-line flags.
 */
/**
 * What KubeOps puts before every user and group it impersonates. Never empty
 * (a user or IdP group could then be named like any cluster group) and never
 * under `system:`, which Kubernetes keeps for its own users and groups
 * (`system:masters` is cluster-admin).
 */
const ImpersonationPrefix = Type.String({
  default: 'kubeops:',
  minLength: 1,
  pattern: '^(?!system:)',
  errorMessage: 'must not be empty nor start with "system:" (reserved by Kubernetes)',
});

export const ConfigSchema = Obj({
  dataDir: Type.String({ minLength: 1, default: './.kubeops' }),
  targets: Type.Array(Type.Union(TARGETS.map((t) => Type.Literal(t))), {
    minItems: 1,
    default: ['all'],
  }),
  log: Obj({
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  }),
  http: Obj({
    host: Type.String({ minLength: 1, default: '0.0.0.0' }),
    port: Port(8000),
    /**
     * The api's health and metrics port: /healthz, /readyz and /metrics, which
     * the public API port does not serve. 0: no such listener (the chart sets 9464).
     */
    metricsPort: Port(0),
    /** The address users reach KubeOps at; used in the sign-in message and OIDC redirects. */
    publicUrl: Type.Optional(Type.String({ format: 'uri' })),
    /**
     * Which proxies may set X-Forwarded-For: the number of proxy hops in front
     * of KubeOps (1 for an Ingress controller), or the proxies' addresses/CIDRs.
     * 0 trusts none. `true` (trust whatever any client claims) is refused.
     */
    trustProxy: Type.Union(
      [
        Type.Integer({ minimum: 0, maximum: 16 }),
        Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1 }),
      ],
      {
        default: 0,
        errorMessage: TRUST_PROXY_HELP,
      },
    ),
    corsOrigins: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    webRoot: Type.Optional(Type.String({ minLength: 1 })),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
    /** Nesting a JSON request body may have; deeper is a 400 before any schema looks at it. */
    maxJsonDepth: Type.Integer({ minimum: 8, maximum: 1000, default: 64 }),
    /** Every WebSocket (live resources, exec, logs). */
    webSocket: Obj({
      /** Largest frame a client may send; a bigger one closes the socket (1009). */
      maxPayloadBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 65536 }),
      /** Messages a socket may send per second, with bursts up to messageBurst; more closes it (1008). */
      messagesPerSecond: Type.Integer({ minimum: 1, default: 50 }),
      messageBurst: Type.Integer({ minimum: 1, default: 200 }),
      /** How often an open socket's session, user and grants are checked again (revocations also close it at once). */
      accessCheckSeconds: Seconds(30),
      /** Lifetime of the single-use ticket a socket URL carries (POST /api/v1/ws-tickets). */
      ticketTtlSeconds: Type.Integer({ minimum: 5, maximum: 300, default: 30 }),
    }),
    shutdownGraceSeconds: Seconds(25),
  }),
  /** Outgoing connections to addresses people type in (cluster servers at registration, notification webhooks). */
  network: Obj({
    /**
     * Addresses/CIDRs these may reach although KubeOps refuses them by default:
     * loopback, link-local (with cloud metadata, 169.254.169.254) and unspecified,
     * IPv4 and IPv6. E.g. ["127.0.0.1"] for a cluster on the KubeOps host itself.
     */
    allowedTargets: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { default: [] }),
  }),
  /** Change history: what the cdc target captures from every registered cluster, and how long it is kept. */
  cdc: Obj({
    port: Port(8001),
    /**
     * Resources left out everywhere, as `<resource>.<group>` (`leases.coordination.k8s.io`)
     * or `<resource>` for the core group; `*.<group>` leaves out a whole group.
     * Leases only say "still alive" and would bury every real change.
     */
    exclude: Type.Array(Type.String({ minLength: 1 }), {
      default: ['leases.coordination.k8s.io'],
    }),
    /** Per cluster: include (when set, only these) and exclude lists, in the same form. */
    clusters: Type.Record(
      Type.String(),
      Type.Object(
        {
          include: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
          exclude: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        },
        { additionalProperties: false },
      ),
      { default: {} },
    ),
    /** Days of change history kept (whole days are dropped at once: the tables are partitioned by day). */
    retentionDays: Type.Integer({ minimum: 1, default: 90 }),
    /** Days Kubernetes Events are kept (their own table). */
    eventRetentionDays: Type.Integer({ minimum: 1, default: 7 }),
    /** A full copy of the object is stored on create and every this many changes. */
    snapshotEvery: Type.Integer({ minimum: 1, maximum: 10_000, default: 20 }),
    /** Changes written per transaction at most, and how long a change may wait for its batch. */
    batchSize: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
    flushMilliseconds: Type.Integer({ minimum: 1, maximum: 60_000, default: 200 }),
    /**
     * ConfigMap data keys whose values are stored only as keyed hashes, like
     * every Secret value: names with `*` for anything, e.g. ["*.pem", "*password*"].
     */
    redactConfigMapKeys: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
      default: [],
    }),
  }),
  inspector: Obj({
    port: Port(8002),
    /** Formats each finished run's report is also written in to object storage (reports/<cluster>/<run>.<format>); none by default. */
    reportFormats: Type.Array(Type.Union(EXPORT_FORMATS.map((f) => Type.Literal(f))), {
      uniqueItems: true,
      default: [],
    }),
    /** Rule profile of scheduled and on-demand runs: `default` reports defects, `strict` adds house-style checks. */
    profile: Type.Union(Profile.anyOf, { default: 'default' }),
  }),
  database: Obj({
    url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    /** The password for database.url's user when the URL holds none; it need not be URL-encoded. */
    password: Type.Optional(Type.String({ minLength: 1 })),
    /** Schema for KubeOps tables (default: the connection's search_path, usually public). */
    schema: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' })),
    poolSize: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  }),
  encryption: Obj({
    /** base64 of 32 random bytes; generated into the data dir in embedded mode. */
    key: Type.Optional(Type.String({ minLength: 1 })),
    /** Keys being rotated away from: still readable, never used to write. */
    previousKeys: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  }),
  auth: Obj({
    adminUsername: Type.String({ minLength: 1, default: 'admin' }),
    adminPassword: Type.Optional(Type.String({ minLength: 12 })),
    accessTokenTtlSeconds: Seconds(900),
    refreshTokenTtlSeconds: Seconds(7 * 86400),
    cookieSecure: Type.Union(
      [Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')],
      {
        default: 'auto',
      },
    ),
    mfaRequired: Type.Boolean({ default: false }),
    lockout: Obj({
      maxFailuresPerAccount: Type.Integer({ minimum: 1, default: 5 }),
      maxFailuresPerIp: Type.Integer({ minimum: 1, default: 20 }),
      windowSeconds: Seconds(900),
      lockoutSeconds: Seconds(900),
    }),
    impersonation: Obj({
      userPrefix: ImpersonationPrefix,
      groupPrefix: ImpersonationPrefix,
    }),
  }),
  oidc: Obj({
    issuer: Type.Optional(Type.String({ format: 'uri' })),
    clientId: Type.Optional(Type.String({ minLength: 1 })),
    clientSecret: Type.Optional(Type.String({ minLength: 1 })),
    scopes: Type.String({ default: 'openid profile email groups' }),
    usernameClaim: Type.String({ default: 'preferred_username' }),
    groupsClaim: Type.String({ default: 'groups' }),
    /** OIDC group → platform role granted globally, e.g. {"platform-admins": "admin"}. */
    groupRoles: Type.Record(Type.String(), Type.String(), { default: {} }),
    /** Allow an http:// issuer (development and tests only). */
    allowInsecureIssuer: Type.Boolean({ default: false }),
  }),
  rateLimit: Obj({
    max: Type.Integer({ minimum: 1, default: 1200 }),
    windowSeconds: Seconds(60),
  }),
  audit: Obj({
    retentionDays: Type.Integer({ minimum: 1, default: 365 }),
    /** Copy entries to object storage (audit/…ndjson.gz) before retention deletes them; nothing is deleted if the copy fails. */
    archive: Type.Boolean({ default: true }),
  }),
  clusters: Obj({
    /** Where registering "the cluster KubeOps runs in" reads the pod's service account token and CA. */
    serviceAccountDir: Type.String({
      minLength: 1,
      default: '/var/run/secrets/kubernetes.io/serviceaccount',
    }),
  }),
  /** The event bus between processes; with none configured, events stay in the process. */
  bus: Obj({
    nats: Obj({
      /** nats:// or tls:// (TLS required); user:password in the URL are used as credentials. */
      url: Type.Optional(Type.String({ pattern: '^(nats|tls)://' })),
      /** JetStream stream holding KubeOps events; created when missing. */
      stream: Type.String({ pattern: NATS_NAME, default: 'KUBEOPS' }),
      /** Every event subject is `<subjectPrefix>.<subject>`; the stream captures `<subjectPrefix>.>`. */
      subjectPrefix: Type.String({
        pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$',
        default: 'kubeops',
      }),
      /**
       * Durable consumers are named `<durable>-<group>-<subject>`: replicas with the
       * same value share each group's place in the stream, so an event is handled
       * once and nothing published while they are away is lost.
       */
      durable: Type.String({ pattern: NATS_NAME, default: 'kubeops' }),
      /** How long the stream keeps events for consumers that are away. */
      maxAgeSeconds: Seconds(7 * 86400),
      user: Type.Optional(Type.String({ minLength: 1 })),
      password: Type.Optional(Type.String({ minLength: 1 })),
      token: Type.Optional(Type.String({ minLength: 1 })),
      /** A NATS .creds file (user JWT and NKey seed). */
      credsFile: Type.Optional(Type.String({ minLength: 1 })),
      tls: Obj({
        caFile: Type.Optional(Type.String({ minLength: 1 })),
        certFile: Type.Optional(Type.String({ minLength: 1 })),
        keyFile: Type.Optional(Type.String({ minLength: 1 })),
      }),
    }),
    /** Apache Kafka instead of NATS (bus.kafka.brokers set); the Helm chart's KUBEOPS_KAFKA_* names are read too. */
    kafka: Obj({
      /** Bootstrap brokers, host:port. */
      brokers: Type.Array(Type.String({ pattern: '^[^\\s:/]+:[0-9]{1,5}$' }), { default: [] }),
      /** Every subject is the topic `<topicPrefix><subject>`, created when missing. */
      topicPrefix: Type.String({ pattern: '^[A-Za-z0-9._-]{0,100}$', default: 'kubeops.' }),
      /**
       * Consumer groups are named `<consumerGroup>.<group>.<subject>`: replicas with the
       * same value share each group's committed offsets, so an event is handled once and
       * nothing published while they are away is lost.
       */
      consumerGroup: Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$', default: 'kubeops' }),
      clientId: Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$', default: 'kubeops' }),
      /** Partitions of a topic KubeOps creates; events of one key (object) stay in one, in order. */
      partitions: Type.Integer({ minimum: 1, maximum: 1000, default: 6 }),
      /** Replicas of a topic KubeOps creates; 0 leaves it to the brokers' default.replication.factor. */
      replicationFactor: Type.Integer({ minimum: 0, maximum: 16, default: 0 }),
      /** How long a topic KubeOps creates keeps events for consumers that are away (retention.ms). */
      maxAgeSeconds: Seconds(7 * 86400),
      sasl: Obj({
        mechanism: Type.Optional(
          Type.Union([
            Type.Literal('PLAIN'),
            Type.Literal('SCRAM-SHA-256'),
            Type.Literal('SCRAM-SHA-512'),
          ]),
        ),
        username: Type.Optional(Type.String({ minLength: 1 })),
        password: Type.Optional(Type.String({ minLength: 1 })),
      }),
      tls: Obj({
        /** Connect with TLS (also implied by any file below). */
        enabled: Type.Boolean({ default: false }),
        /** CA bundle to verify the brokers with, instead of the system's. */
        caFile: Type.Optional(Type.String({ minLength: 1 })),
        /** Client certificate and key, for brokers that require one. */
        certFile: Type.Optional(Type.String({ minLength: 1 })),
        keyFile: Type.Optional(Type.String({ minLength: 1 })),
      }),
    }),
  }),
  /** OpenTelemetry tracing; off unless an endpoint is set. */
  tracing: Obj({
    /** OTLP/HTTP base URL (spans go to <endpoint>/v1/traces), e.g. http://otel-collector:4318. */
    endpoint: Type.Optional(Type.String({ format: 'uri' })),
    serviceName: Type.String({ minLength: 1, default: 'kubeops' }),
    /** Fraction of new traces recorded (a caller's sampling decision is kept). */
    sampleRatio: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
    /** Extra headers for the collector, e.g. {"authorization": "Bearer ..."}. */
    headers: Type.Record(Type.String(), Type.String(), { default: {} }),
  }),
  /** AI explanations of inspection findings; without a provider, findings keep their rule's explanation. */
  ai: AiSettingsSchema,
  /** Container metric history for the usage and anomaly rules; without a url, runs inspect without it. */
  metrics: MetricsSettingsSchema,
  /** Object storage for backups and archived audit entries (local directory, S3, Azure Blob, GCS). */
  storage: StorageSettingsSchema,
  /** Scheduled `kubeops backup` runs by the server; unset schedule: backups only when run by hand. */
  backup: Obj({
    /** Cron expression (5 or 6 fields), e.g. "0 3 * * *" for 03:00 every day. */
    schedule: Type.Optional(Type.String({ minLength: 9 })),
    /** IANA time zone of the schedule (default UTC). */
    timezone: Type.String({ minLength: 1, default: 'UTC' }),
    /** Scheduled backups kept in storage; older ones are deleted after a new one completes. */
    keep: Type.Integer({ minimum: 1, maximum: 10_000, default: 14 }),
  }),
});

export type Config = Static<typeof ConfigSchema>;
