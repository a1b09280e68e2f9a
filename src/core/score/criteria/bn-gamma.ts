// Network slimming: |γ| of the BatchNormalization scaling the channel. A residual group has one BN
// per branch: one vector each, combined by scoreGroups' aggregate.
import { constantThroughIdentity } from '../../graph/ir.js';
import { tensorToFloat32 } from '../../onnx/tensor.js';
import { forEachMemberChannel } from '../magnitude.js';
import type { Criterion } from './types.js';

export const bnGammaCriterion: Criterion<'bn-gamma'> = {
  id: 'bn-gamma',
  name: 'BN |γ|',
  description: 'Absolute BatchNorm scale of the channel (network slimming); needs BN kept in the model.',
  needsImages: false,
  score(job) {
    const perGroup = new Map(job.groups.map((g) => [g.id, [] as Float64Array[]]));
    for (const m of job.analysis.members) {
      if (m.kind !== 'slice' || m.node.opType !== 'BatchNormalization' || m.inputIndex !== 1) continue;
      const t = constantThroughIdentity(job.analysis.ir, m.node.input[1])?.tensor;
      if (!t) continue;
      const gamma = tensorToFloat32(t);
      const vectors = new Map<string, Float64Array>();
      forEachMemberChannel(job.analysis, m, (groupId, channel, pos) => {
        const list = perGroup.get(groupId);
        if (!list) return;
        let v = vectors.get(groupId);
        if (!v) {
          vectors.set(groupId, (v = new Float64Array(job.groups.find((g) => g.id === groupId)!.channels)));
          list.push(v);
        }
        v[channel] = Math.abs(gamma[pos]!);
      });
    }
    return { perGroup, missing: 'no BatchNormalization scales these channels (BN fused into Conv)' };
  },
};
