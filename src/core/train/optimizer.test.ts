import { describe, expect, it } from 'vitest';
import { createGroupedOptimizer, optimizerInfo, DEFAULT_OPTIMIZER_SETTINGS, type Parameter } from './optimizer.js';
import { scheduleInfo } from './schedule.js';

// Reference values from torch 1.13 (torch.optim.SGD nesterov / AdamW with weight decay on the 2-D
// weight only, OneCycleLR defaults), computed once with /usr/bin/python3 and pasted here.
const W0 = [1.54099607, -0.293428898, -2.17878938, 0.568431258, -1.08452237, -1.39859545, 0.403346837, 0.838026345, -0.719257593, -0.403343529, -0.596635342, 0.182036489];
const B0 = [-0.856674612, 1.10060418, -1.07118738, 0.122701243];
const GRADS: [number[], number[]][] = [
  [[-0.566317499, 0.373114645, -0.891995311, -1.50910771, 0.370393544, 1.45650256, 0.939809918, 0.774848819, 0.191869423, 1.26379478, -1.29043508, -0.791102707], [-0.0208794735, -0.718480051, 0.518636763, -1.31252193]],
  [[0.191995069, 0.542771339, -2.21877933, 0.258984536, -1.02970219, -0.50075841, 0.273367733, -0.918099999, -0.0404210873, 0.288116813, -0.00753730815, -0.914495468], [-1.08858371, -0.266596317, 0.189423457, -0.21902281]],
  [[2.0575912, -0.0354218818, 0.062718831, -0.766306281, 1.09925056, 2.75653839, 0.175283328, -0.931521118, -1.50548971, -0.660982549, 1.32320166, 0.0371143036], [-0.284909308, -0.133441746, 1.89291048, 3.11104417]],
  [[-0.458395809, -0.335988075, -1.5699861, 1.23150039, 1.39463174, 1.1711024, 0.433511943, -1.73425019, -1.3360486, 0.887096047, 0.767957449, 0.0571129993], [0.223958388, 0.551964283, -0.578797996, 0.0177221168]],
  [[0.131826356, 1.01976681, -0.446838886, 0.452022463, -0.975924432, 0.711237192, -0.758226454, -0.643583059, -0.646152377, -0.15909262, -1.77866364, 0.847651243], [0.245942831, -0.131167874, -0.178518072, -0.595893085]],
];
const TORCH = {
  sgd: { w: [1.09387982, -0.773906767, -0.33497718, 0.998899162, -1.38797438, -3.24581337, -0.1853147, 1.74868929, 0.220565528, -1.08505607, -0.306902498, 0.730359077], b: [-0.410546958, 1.46765852, -1.85196924, -0.134083807] },
  adamw: { w: [1.56079161, -0.648148775, -1.74764276, 0.790001333, -1.21729314, -1.74775815, 0.0363678187, 0.935724437, -0.656514287, -0.695658624, -0.447863609, 0.524149537], b: [-0.533614635, 1.40978229, -1.42172861, 0.222559348] },
};
const ONE_CYCLE_20 = [0.004, 0.0131671843, 0.0371671843, 0.0668328157, 0.0908328157, 0.1, 0.0987464006, 0.0950484632, 0.0890916178, 0.0811745654, 0.0716943002, 0.0611262022, 0.0500002, 0.0388741978, 0.0283060998, 0.0188258346, 0.0109087822, 0.0049519368, 0.00125399938, 4e-07];

function runOptimizer(id: 'sgd' | 'adamw'): Parameter[] {
  const params: Parameter[] = [
    { name: 'w', value: Float32Array.from(W0), decay: true },
    { name: 'b', value: Float32Array.from(B0), decay: false },
  ];
  const opt = optimizerInfo(id).create(params, { ...DEFAULT_OPTIMIZER_SETTINGS, weightDecay: 0.01 });
  for (const [gw, gb] of GRADS) opt.step([Float32Array.from(gw), Float32Array.from(gb)], 0.1);
  return params;
}

describe('optimizers match torch.optim', () => {
  for (const id of ['sgd', 'adamw'] as const) {
    it(`${id} after five steps`, () => {
      const [w, b] = runOptimizer(id);
      TORCH[id].w.forEach((v, i) => expect(w!.value[i]).toBeCloseTo(v, 5));
      TORCH[id].b.forEach((v, i) => expect(b!.value[i]).toBeCloseTo(v, 5));
    });
  }

  it('parameter groups: each parameter steps as its own optimizer would (torch param groups)', () => {
    const params: Parameter[] = [
      { name: 'w', value: Float32Array.from(W0), decay: true },
      { name: 'b', value: Float32Array.from(B0), decay: false },
    ];
    const opt = createGroupedOptimizer(params, { ...DEFAULT_OPTIMIZER_SETTINGS, weightDecay: 0.01 }, 'adamw', (name) => (name === 'b' ? 'sgd' : undefined));
    for (const [gw, gb] of GRADS) opt.step([Float32Array.from(gw), Float32Array.from(gb)], 0.1);
    TORCH.adamw.w.forEach((v, i) => expect(params[0]!.value[i]).toBeCloseTo(v, 5));
    TORCH.sgd.b.forEach((v, i) => expect(params[1]!.value[i]).toBeCloseTo(v, 5));
  });

  it('refuses gradients that do not match the parameters', () => {
    const opt = optimizerInfo('sgd').create([{ name: 'w', value: new Float32Array(3), decay: true }], DEFAULT_OPTIMIZER_SETTINGS);
    expect(() => opt.step([new Float32Array(2)], 0.1)).toThrow(/gradient of "w" has 2 values, the parameter 3/);
    expect(() => optimizerInfo('lion')).toThrow(/choose one of: sgd, adamw/);
  });
});

describe('learning-rate schedules', () => {
  it('one-cycle equals torch OneCycleLR', () => {
    const s = scheduleInfo('one-cycle');
    ONE_CYCLE_20.forEach((lr, t) => expect(s.rate(t, 20, 0.1)).toBeCloseTo(lr, 9));
  });

  it('cosine warms up, peaks at the rate and ends at 0', () => {
    const s = scheduleInfo('cosine');
    const rates = Array.from({ length: 100 }, (_, t) => s.rate(t, 100, 0.5));
    expect(Math.max(...rates)).toBeCloseTo(0.5, 6);
    expect(rates[0]).toBeLessThan(0.5);
    expect(rates[99]).toBeLessThan(0.001);
  });
});
