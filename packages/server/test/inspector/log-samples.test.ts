import type { KubeObject, Snapshot } from '@kubeops/inspect';
import { describe, expect, it } from 'vitest';
import { podsToSample } from '../../src/inspector/collect/log-samples.js';

function pod(
  name: string,
  status: { restarts?: number; ready?: boolean; phase?: string } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop' },
    spec: { containers: [{ name: 'app' }] },
    status: {
      phase: status.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: status.ready === false ? 'False' : 'True' }],
      containerStatuses: [{ name: 'app', restartCount: status.restarts ?? 0 }],
    },
  };
}

const warning = (podName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `${podName}.1`, namespace: 'shop' },
  type: 'Warning',
  involvedObject: { kind: 'Pod', namespace: 'shop', name: podName },
});

const names = (pods: KubeObject[]) => pods.map((p) => p.metadata.name);

describe('which pods a run reads logs of', () => {
  const snapshot: Snapshot = {
    now: '2026-01-01T00:00:00Z',
    objects: [
      pod('healthy'),
      pod('unready', { ready: false }),
      pod('restarting', { restarts: 5 }),
      pod('warned'),
      pod('finished', { phase: 'Succeeded', restarts: 2 }),
    ],
    events: [warning('warned'), warning('warned'), { ...warning('healthy'), type: 'Normal' }],
  };

  it('takes troubled pods only, the most troubled first', () => {
    expect(names(podsToSample(snapshot, 50))).toEqual(['restarting', 'warned', 'unready']);
  });

  it('caps the number of pods', () => {
    expect(names(podsToSample(snapshot, 1))).toEqual(['restarting']);
  });

  it('keeps to the pods a scope allows', () => {
    expect(names(podsToSample(snapshot, 50, (p) => p.metadata.name === 'unready'))).toEqual([
      'unready',
    ]);
  });
});
