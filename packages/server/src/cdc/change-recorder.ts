import type { ChangeType } from '@kubeops/contracts';
import type { KubeObject, WatchEventType } from '../kube/watch-loop.js';
import type { ChangeRecord, ObjectState, ResourceKey } from './change-record.js';
import type { ChangeWriter } from './change-writer.js';
import { diffJson } from './json-patch.js';
import type { Logger } from '../core/logging.js';
import {
  changedManagers,
  changedSecretKeys,
  holdsSecrets,
  keyMatcher,
  normalise,
  type ConfigMapRedaction,
  type SecretHasher,
} from './normalise.js';
import type { CaptureTable } from './resource-selection.js';

export interface RecorderOptions {
  table: CaptureTable;
  snapshotEvery: number;
  /** Required when the resource is Secrets: no value is ever stored. */
  secrets: SecretHasher | undefined;
  /** ConfigMap keys (with `*` wildcards) whose values are stored only as keyed hashes. */
  redactConfigMapKeys?: string[];
  logger?: Logger;
  now?: () => Date;
}

/**
 * Turns the raw watch stream of one resource into changes: the diff against
 * the last stored version of each object, who wrote it (managedFields), a
 * snapshot on create and every N changes. A (re)list is compared with the
 * stored state, and what differs (deletes included) is recorded as seen at
 * relist. Must see each object before anything strips it (managedFields).
 */
export class ChangeRecorder {
  private listed: Set<string> | undefined;
  private readonly now: () => Date;
  private readonly hasher: SecretHasher | undefined;
  private readonly redact: ConfigMapRedaction | undefined;

  constructor(
    readonly key: ResourceKey,
    /** uid → last stored state, loaded from cdc_objects. */
    private readonly states: Map<string, ObjectState>,
    private readonly writer: ChangeWriter,
    private readonly options: RecorderOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    if (holdsSecrets(key) && !options.secrets)
      throw new Error('Secrets cannot be recorded without the secret hasher');
    this.hasher = holdsSecrets(key) ? options.secrets : undefined;
    const matches = keyMatcher(options.redactConfigMapKeys ?? []);
    if (key.group === '' && key.resource === 'configmaps' && matches) {
      if (!options.secrets) throw new Error('ConfigMap redaction needs the secret hasher');
      this.redact = { hasher: options.secrets, matches };
    }
  }

  get objectCount(): number {
    return this.states.size;
  }

  /** A list starts (again, when one failed midway): only its own pages count towards deletes. */
  onListStart(): void {
    this.listed = undefined;
  }

  /** The list replaces what the store knows only once complete, so a crash mid-list resumes from before it. */
  onListPage(items: KubeObject[]): void {
    this.listed ??= new Set();
    for (const object of items) {
      const uid = object.metadata.uid ?? '';
      this.listed.add(uid);
      this.record(this.states.has(uid) ? 'MODIFIED' : 'ADDED', object, true);
    }
  }

  onListEnd(resourceVersion: string): void {
    const listed = this.listed ?? new Set<string>();
    this.listed = undefined;
    this.options.logger?.info(
      {
        cluster: this.key.cluster,
        resource: this.key.resource,
        group: this.key.group,
        resourceVersion,
      },
      'listed: compared with the stored state',
    );
    for (const [uid, state] of [...this.states]) {
      if (listed.has(uid)) continue;
      // Deleted while nobody watched: the list's resourceVersion is when it was seen gone.
      this.recordDelete(state, resourceVersion, true);
    }
    this.writer.advance(this.key, resourceVersion);
  }

  onEvent(type: WatchEventType, object: KubeObject, resourceVersion: string): void {
    this.record(type, object, false);
    if (!this.listed) this.writer.advance(this.key, resourceVersion);
  }

  /** A bookmark: nothing changed up to here. */
  onProgress(resourceVersion: string): void {
    if (!this.listed) this.writer.advance(this.key, resourceVersion);
  }

  /** One object that cannot be recorded must not stop the watch (shared with the resource cache) nor the others. */
  private record(type: WatchEventType, object: KubeObject, relist: boolean): void {
    try {
      this.recordOne(type, object, relist);
    } catch (error) {
      this.options.logger?.error(
        { err: error, resource: this.key.resource, name: object.metadata?.name },
        'could not record a change',
      );
    }
  }

  private recordOne(type: WatchEventType, object: KubeObject, relist: boolean): void {
    const uid = object.metadata.uid ?? '';
    const previous = this.states.get(uid);
    const rv = object.metadata.resourceVersion ?? '';
    if (type === 'DELETED') {
      if (previous) this.recordDelete(previous, rv, relist, object);
      return;
    }
    if (previous?.resourceVersion === rv) return;
    const next = normalise(this.key.cluster, object, this.hasher, this.redact);
    const patch = diffJson(previous?.body, next.body);
    const changeType: ChangeType = previous ? 'updated' : 'created';
    const state: ObjectState = {
      uid,
      namespace: object.metadata.namespace ?? '',
      name: object.metadata.name,
      resourceVersion: rv,
      objectVersion: (previous?.objectVersion ?? 0) + (patch.length || !previous ? 1 : 0),
      sinceSnapshot: previous ? previous.sinceSnapshot + (patch.length ? 1 : 0) : 0,
      body: next.body,
      // A cache replay carries no managedFields: keep what was known rather than forget every manager.
      managers:
        object.metadata.managedFields === undefined && previous ? previous.managers : next.managers,
    };
    this.states.set(uid, state);
    if (previous && patch.length === 0) {
      // Only bookkeeping moved (a heartbeat, managedFields): nothing for the history.
      this.writer.add(undefined, { key: this.key, state });
      return;
    }
    const snapshot = !previous || state.sinceSnapshot >= this.options.snapshotEvery;
    if (snapshot) state.sinceSnapshot = 0;
    this.writer.add(
      this.change(state, changeType, rv, relist, {
        generation: next.generation,
        patch: previous ? patch : [],
        snapshot: snapshot ? next.body : null,
        fieldManagers: changedManagers(previous?.managers, state.managers),
        changedSecretKeys: this.hasher ? changedSecretKeys(previous?.body, next.body) : null,
      }),
      { key: this.key, state },
    );
  }

  private recordDelete(
    previous: ObjectState,
    resourceVersion: string,
    relist: boolean,
    last?: KubeObject,
  ): void {
    this.states.delete(previous.uid);
    const final = last ? normalise(this.key.cluster, last, this.hasher, this.redact) : undefined;
    this.writer.add(
      this.change(previous, 'deleted', resourceVersion, relist, {
        generation: final?.generation ?? null,
        patch: [{ op: 'remove', path: '' }],
        snapshot: null,
        fieldManagers: final ? changedManagers(previous.managers, final.managers, false) : [],
        changedSecretKeys: null,
      }),
      { key: this.key, uid: previous.uid, deleted: true },
    );
  }

  private change(
    state: ObjectState,
    type: ChangeType,
    resourceVersion: string,
    seenAtRelist: boolean,
    rest: Pick<
      ChangeRecord,
      'generation' | 'patch' | 'snapshot' | 'fieldManagers' | 'changedSecretKeys'
    >,
  ): ChangeRecord {
    return {
      table: this.options.table,
      key: this.key,
      namespace: state.namespace,
      name: state.name,
      uid: state.uid,
      resourceVersion,
      type,
      observedAt: this.now(),
      objectVersion: type === 'deleted' ? state.objectVersion + 1 : state.objectVersion,
      seenAtRelist,
      ...rest,
    };
  }
}
