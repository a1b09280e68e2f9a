// Optimizers over plain Float32Array parameters: what the training loop (trainer.ts) steps after each
// mini-batch. Each optimizer lives here as data (one entry of OPTIMIZERS); the CLI, the worker protocol
// and the studio read that list. The gradient a step receives is already averaged over the batch.

export type OptimizerId = 'sgd' | 'adamw';

export interface OptimizerSettings {
  /** Momentum (SGD) or β1 (AdamW). */
  momentum: number;
  /** SGD only: Nesterov's look-ahead form of momentum. */
  nesterov: boolean;
  /** Decoupled weight decay (AdamW) / L2 added to the gradient (SGD); not applied to 1-D tensors (biases, BN). */
  weightDecay: number;
  /** AdamW only. */
  beta2: number;
  eps: number;
}

export const DEFAULT_OPTIMIZER_SETTINGS: Readonly<OptimizerSettings> = { momentum: 0.9, nesterov: true, weightDecay: 5e-4, beta2: 0.999, eps: 1e-8 };

/** One parameter tensor: its values (updated in place) and whether weight decay applies to it. */
export interface Parameter {
  name: string;
  value: Float32Array;
  decay: boolean;
}

export interface Optimizer {
  /** Updates every parameter in place from its gradient (same order as the parameters) at learning rate `lr`. */
  step(grads: readonly Float32Array[], lr: number): void;
}

export interface OptimizerInfo {
  id: OptimizerId;
  name: string;
  description: string;
  create(params: readonly Parameter[], settings: OptimizerSettings): Optimizer;
}

function checkShapes(params: readonly Parameter[], grads: readonly Float32Array[]): void {
  if (grads.length !== params.length) throw new Error(`optimizer: ${grads.length} gradients for ${params.length} parameters`);
  grads.forEach((g, i) => {
    if (g.length !== params[i]!.value.length) throw new Error(`optimizer: gradient of "${params[i]!.name}" has ${g.length} values, the parameter ${params[i]!.value.length}`);
  });
}

/** SGD with (Nesterov) momentum, as torch.optim.SGD computes it. */
function createSgd(params: readonly Parameter[], s: OptimizerSettings): Optimizer {
  const velocity = params.map((p) => new Float32Array(p.value.length));
  let first = true;
  return {
    step(grads, lr) {
      checkShapes(params, grads);
      params.forEach((p, k) => {
        const w = p.value;
        const g = grads[k]!;
        const v = velocity[k]!;
        const wd = p.decay ? s.weightDecay : 0;
        for (let i = 0; i < w.length; i++) {
          const d = g[i]! + wd * w[i]!;
          // torch initialises the buffer with the first gradient (no dampening).
          v[i] = first ? d : s.momentum * v[i]! + d;
          w[i] = w[i]! - lr * (s.nesterov ? d + s.momentum * v[i]! : v[i]!);
        }
      });
      first = false;
    },
  };
}

/** AdamW (decoupled weight decay), as torch.optim.AdamW computes it. */
function createAdamW(params: readonly Parameter[], s: OptimizerSettings): Optimizer {
  const m = params.map((p) => new Float32Array(p.value.length));
  const v = params.map((p) => new Float32Array(p.value.length));
  let t = 0;
  return {
    step(grads, lr) {
      checkShapes(params, grads);
      t++;
      const c1 = 1 - s.momentum ** t;
      const c2 = 1 - s.beta2 ** t;
      params.forEach((p, k) => {
        const w = p.value;
        const g = grads[k]!;
        const mk = m[k]!;
        const vk = v[k]!;
        const decay = p.decay ? 1 - lr * s.weightDecay : 1;
        for (let i = 0; i < w.length; i++) {
          mk[i] = s.momentum * mk[i]! + (1 - s.momentum) * g[i]!;
          vk[i] = s.beta2 * vk[i]! + (1 - s.beta2) * g[i]! * g[i]!;
          w[i] = w[i]! * decay - (lr * (mk[i]! / c1)) / (Math.sqrt(vk[i]! / c2) + s.eps);
        }
      });
    },
  };
}

export const OPTIMIZERS: readonly OptimizerInfo[] = [
  { id: 'sgd', name: 'SGD', description: 'stochastic gradient descent with (Nesterov) momentum', create: createSgd },
  { id: 'adamw', name: 'AdamW', description: 'Adam with decoupled weight decay', create: createAdamW },
];

export const OPTIMIZER_IDS: readonly OptimizerId[] = OPTIMIZERS.map((o) => o.id);

export function optimizerInfo(id: string): OptimizerInfo {
  const o = OPTIMIZERS.find((x) => x.id === id);
  if (!o) throw new Error(`unknown optimizer "${id}"; choose one of: ${OPTIMIZER_IDS.join(', ')}`);
  return o;
}

/**
 * torch's parameter groups: each parameter steps with `optimizerOf(name)` when that names one, the
 * rest with `fallback`, all at the same learning rate (GDP's gates keep SGD's steps, whose size their
 * schedule sets, while the weights move with AdamW).
 */
export function createGroupedOptimizer(params: readonly Parameter[], settings: OptimizerSettings, fallback: OptimizerId, optimizerOf: (name: string) => OptimizerId | undefined): Optimizer {
  const groups = new Map<OptimizerId, number[]>();
  params.forEach((p, k) => {
    const id = optimizerOf(p.name) ?? fallback;
    groups.set(id, [...(groups.get(id) ?? []), k]);
  });
  const parts = [...groups].map(([id, at]) => ({ at, optimizer: optimizerInfo(id).create(at.map((k) => params[k]!), settings) }));
  return {
    step(grads, lr) {
      checkShapes(params, grads);
      for (const { at, optimizer } of parts) optimizer.step(at.map((k) => grads[k]!), lr);
    },
  };
}
