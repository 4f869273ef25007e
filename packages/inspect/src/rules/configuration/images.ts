import { str } from '../../kube/fields.js';
import { parseImage } from '../../kube/image.js';
import { containerPatch, imageOf } from '../../kube/workloads.js';
import type { Rule } from '../../rule.js';
import { containerLabel, perTemplateContainer } from '../containers.js';

/** An image with no tag or the tag `latest` and no digest: what runs can change under the same spec. */
function mutableTag(image: string): 'latest' | 'untagged' | undefined {
  const ref = parseImage(image);
  if (ref.digest) return undefined;
  if (ref.tag === undefined) return 'untagged';
  return ref.tag === 'latest' ? 'latest' : undefined;
}

export const imageTagLatest: Rule = {
  id: 'image-tag-latest',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Image uses the latest tag or no tag',
  description:
    'A container image without a fixed version changes under the same spec: rollouts are not repeatable and rollbacks do nothing.',
  check(context) {
    return perTemplateContainer(context, { init: true }, (workload, entry) => {
      const image = imageOf(entry.container);
      const kind = mutableTag(image);
      if (!kind) return undefined;
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} runs image "${image}" ${kind === 'latest' ? 'with the tag latest' : 'without a tag (which means latest)'}.`,
        evidence: [{ type: 'field', path: `${entry.path}.image`, value: image }],
        remediation: {
          summary: 'Use an explicit version tag, ideally pinned by digest.',
          steps: ['Publish images with immutable version tags from CI and reference those.'],
        },
      };
    });
  },
};

export const imageNotPinned: Rule = {
  id: 'image-not-pinned',
  category: 'configuration',
  defaultSeverity: 'low',
  // A fixed version tag is a reasonable choice; digests are house style.
  profile: 'strict',
  title: 'Image is not pinned by digest',
  description: 'A tag can be moved to another image; only a digest guarantees which bytes run.',
  check(context) {
    return perTemplateContainer(context, { init: true }, (workload, entry) => {
      const image = imageOf(entry.container);
      const ref = parseImage(image);
      // Latest and untagged images are the other rule's finding.
      if (ref.digest || mutableTag(image) || image === '') return undefined;
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} runs "${image}" by tag, not by digest.`,
        evidence: [{ type: 'field', path: `${entry.path}.image`, value: image }],
        remediation: {
          summary: 'Reference the image as name:tag@sha256:<digest>.',
          steps: [
            'Resolve the digest with `crane digest` or `docker buildx imagetools inspect` and add it.',
          ],
        },
      };
    });
  },
};

export const imagePullPolicy: Rule = {
  id: 'image-pull-policy',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Pull policy lets nodes run stale images',
  description:
    'With a mutable tag and imagePullPolicy IfNotPresent or Never, each node keeps running whatever it pulled first.',
  check(context) {
    return perTemplateContainer(context, { init: true }, (workload, entry) => {
      const image = imageOf(entry.container);
      const policy = str(entry.container, 'imagePullPolicy');
      if (!mutableTag(image) || (policy !== 'IfNotPresent' && policy !== 'Never')) return undefined;
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} uses "${image}" with imagePullPolicy ${policy}, so different nodes can run different images.`,
        evidence: [
          { type: 'field', path: `${entry.path}.imagePullPolicy`, value: policy },
          { type: 'field', path: `${entry.path}.image`, value: image },
        ],
        remediation: {
          summary: 'Pin the image to a version; until then use imagePullPolicy Always.',
          steps: ['With a pinned tag or digest, IfNotPresent is fine.'],
          patch: {
            type: 'strategic',
            body: containerPatch(workload, entry, { imagePullPolicy: 'Always' }),
          },
        },
      };
    });
  },
};

/**
 * kube-score's container-image-pull-policy: Always everywhere, so a node
 * re-checks the registry (and its credentials) on each start. Opinionated: a
 * pinned tag with IfNotPresent is fine, so only the strict profile asks.
 */
export const imagePullPolicyNotAlways: Rule = {
  id: 'image-pull-policy-not-always',
  category: 'configuration',
  defaultSeverity: 'low',
  profile: 'strict',
  title: 'Pull policy is not Always',
  description:
    'With imagePullPolicy Always a node checks the registry on every start, so a pod only runs an image its pull credentials still grant.',
  check(context) {
    return perTemplateContainer(context, { init: true }, (workload, entry) => {
      const image = imageOf(entry.container);
      const policy = str(entry.container, 'imagePullPolicy');
      // Mutable tags are image-pull-policy's finding; an unset policy on them defaults to Always.
      if (policy === 'Always' || mutableTag(image) || image === '') return undefined;
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} pulls "${image}" with imagePullPolicy ${policy ?? 'unset (IfNotPresent for a tagged image)'}.`,
        evidence: [{ type: 'field', path: `${entry.path}.imagePullPolicy`, value: policy }],
        remediation: {
          summary: 'Set imagePullPolicy: Always.',
          steps: [
            'Registries answer a cached image with a cheap manifest check, so starts stay fast.',
          ],
          patch: {
            type: 'strategic',
            body: containerPatch(workload, entry, { imagePullPolicy: 'Always' }),
          },
        },
      };
    });
  },
};

export const imageRules: Rule[] = [
  imageTagLatest,
  imageNotPinned,
  imagePullPolicy,
  imagePullPolicyNotAlways,
];
