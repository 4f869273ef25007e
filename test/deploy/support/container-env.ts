import type { Manifest } from './chart.js';

/**
 * What a KubeOps container of a rendered release runs with, resolved the way
 * the kubelet resolves it: envFrom, then env in order with $(VAR) expanded
 * from the variables defined before it, secretKeyRef and configMapKeyRef from
 * the rendered Secrets and ConfigMaps (or from Secrets the user creates
 * beforehand, which a release only names), and the files its volumes mount.
 */
export interface ContainerRun {
  /** <kind>/<name>/<container>, for messages. */
  where: string;
  args: string[];
  env: Record<string, string>;
  /** Mount path → files in it (relative path → content); an emptyDir or claim mounts an empty directory. */
  mounts: Record<string, Record<string, string>>;
}

/**
 * Where the values of Secrets the release refers to but does not create come
 * from; `optional` says the release can do without the key.
 */
export type UserSecrets = (secret: string, key: string, optional: boolean) => string | undefined;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}
interface EnvFrom {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  envFrom?: EnvFrom[];
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string }>;
}
interface Volume {
  name: string;
  secret?: { secretName: string; items?: Array<{ key: string; path: string }>; optional?: boolean };
  configMap?: { name: string; items?: Array<{ key: string; path: string }>; optional?: boolean };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}

const podSpec = (m: Manifest): PodSpec | undefined => {
  const spec = m.spec as { template?: { spec?: PodSpec } } & Partial<PodSpec>;
  if (m.kind === 'Pod') return spec as PodSpec;
  if (m.kind === 'CronJob') {
    return (m.spec as { jobTemplate: { spec: { template: { spec: PodSpec } } } }).jobTemplate.spec
      .template.spec;
  }
  return spec?.template?.spec;
};

/** The KubeOps image, whatever registry global.imageRegistry puts in front of it. */
const isKubeOpsImage = (image: string) => /(^|\/)kubeops\/kubeops[:@]/.test(image);

/** $(VAR) expanded from what is defined; $$ is a literal $, an unknown reference stays as written. */
function expand(value: string, defined: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name?: string) =>
    match === '$$' ? '$' : name !== undefined && name in defined ? defined[name]! : match,
  );
}

export class Release {
  private readonly secrets = new Map<string, Record<string, string>>();
  private readonly configMaps = new Map<string, Record<string, string>>();

  constructor(
    readonly manifests: Manifest[],
    private readonly userSecrets: UserSecrets,
    private readonly namespace = 'kubeops',
  ) {
    for (const m of manifests) {
      if (m.kind === 'Secret') {
        const data = Object.entries((m.data as Record<string, string>) ?? {}).map(
          ([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')] as const,
        );
        const stringData = Object.entries((m.stringData as Record<string, string>) ?? {});
        this.secrets.set(m.metadata.name, Object.fromEntries([...data, ...stringData]));
      }
      if (m.kind === 'ConfigMap') {
        this.configMaps.set(m.metadata.name, (m.data as Record<string, string>) ?? {});
      }
    }
  }

  /** Every container running the KubeOps image, in every workload of the release. */
  kubeOpsContainers(): ContainerRun[] {
    const runs: ContainerRun[] = [];
    for (const m of this.manifests) {
      const spec = podSpec(m);
      if (!spec) continue;
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        if (isKubeOpsImage(c.image)) runs.push(this.resolve(m, spec, c));
      }
    }
    return runs;
  }

  private secretValue(name: string, key: string, optional = false): string | undefined {
    const rendered = this.secrets.get(name);
    return rendered ? rendered[key] : this.userSecrets(name, key, optional);
  }

  private resolve(m: Manifest, spec: PodSpec, c: Container): ContainerRun {
    const where = `${m.kind}/${m.metadata.name}/${c.name}`;
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      const prefix = from.prefix ?? '';
      if (from.configMapRef) {
        const data = this.configMaps.get(from.configMapRef.name);
        if (!data && !from.configMapRef.optional)
          throw new Error(`${where}: envFrom ConfigMap ${from.configMapRef.name} is not rendered`);
        for (const [k, v] of Object.entries(data ?? {})) env[prefix + k] = v;
      }
      if (from.secretRef) {
        const data = this.secrets.get(from.secretRef.name);
        if (!data && !from.secretRef.optional)
          throw new Error(`${where}: envFrom Secret ${from.secretRef.name} is not rendered`);
        for (const [k, v] of Object.entries(data ?? {})) env[prefix + k] = v;
      }
    }
    for (const v of c.env ?? []) {
      if (v.value !== undefined) {
        env[v.name] = expand(v.value, env);
        continue;
      }
      const ref = v.valueFrom?.secretKeyRef ?? v.valueFrom?.configMapKeyRef;
      if (ref) {
        const value = v.valueFrom?.secretKeyRef
          ? this.secretValue(ref.name, ref.key, ref.optional ?? false)
          : this.configMaps.get(ref.name)?.[ref.key];
        if (value !== undefined) env[v.name] = value;
        else if (!ref.optional)
          throw new Error(
            `${where}: ${v.name} needs key ${ref.key} of ${ref.name}, which is missing`,
          );
        continue;
      }
      const field = v.valueFrom?.fieldRef?.fieldPath;
      if (field === 'metadata.namespace') env[v.name] = this.namespace;
      else if (field) env[v.name] = `${m.metadata.name}-0`;
    }
    const mounts: ContainerRun['mounts'] = {};
    for (const mount of c.volumeMounts ?? []) {
      const volume = spec.volumes?.find((vol) => vol.name === mount.name);
      if (!volume) throw new Error(`${where}: volume ${mount.name} is not defined`);
      mounts[mount.mountPath] = this.volumeFiles(where, volume);
    }
    return { where, args: c.args ?? [], env, mounts };
  }

  private volumeFiles(where: string, volume: Volume): Record<string, string> {
    const source = volume.secret
      ? {
          name: volume.secret.secretName,
          ...volume.secret,
          read: (k: string) =>
            this.secretValue(volume.secret!.secretName, k, volume.secret!.optional ?? false),
        }
      : volume.configMap
        ? {
            ...volume.configMap,
            read: (k: string) => this.configMaps.get(volume.configMap!.name)?.[k],
          }
        : undefined;
    if (!source) return {};
    const files: Record<string, string> = {};
    for (const item of source.items ?? []) {
      const content = source.read(item.key);
      if (content === undefined) {
        if (source.optional) continue;
        throw new Error(`${where}: volume ${volume.name} needs key ${item.key} of ${source.name}`);
      }
      files[item.path] = content;
    }
    if (!source.items) {
      const all = volume.secret ? this.secrets.get(source.name) : this.configMaps.get(source.name);
      Object.assign(files, all ?? {});
    }
    return files;
  }
}
