/**
 * Learning-rate policies of `c3d train`: Caffe's `fixed` / `step` / `multistep`, PyTorch's cosine
 * annealing, and an optional linear warm-up in front of any of them. Everything is in iterations
 * (converting epochs is the caller's job), and the rate is a pure function of the iteration, so a
 * resumed run needs nothing but its iteration count to continue the schedule exactly.
 */

/** Thrown for a policy or a CLI value that cannot describe a schedule; one line naming the problem. */
export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

export type LrPolicyKind = 'fixed' | 'step' | 'multistep' | 'cosine';

export const LR_POLICY_KINDS: readonly LrPolicyKind[] = Object.freeze(['fixed', 'step', 'multistep', 'cosine']);

export interface LrPolicy {
  kind: LrPolicyKind;
  /** Base learning rate (Caffe's `base_lr`). */
  base: number;
  /** Factor per step / milestone (Caffe's `gamma`); default 0.1, as PyTorch's StepLR and MultiStepLR. */
  gamma?: number;
  /** 'step': iterations between drops (Caffe's `stepsize`). */
  step?: number;
  /** 'multistep': iterations at which the rate drops, increasing (Caffe's `stepvalue`s). */
  milestones?: number[];
  /** 'cosine': iterations of the half cosine (PyTorch's T_max); the rate stays at `min` after it. */
  total?: number;
  /** 'cosine': the final rate (PyTorch's eta_min), default 0. */
  min?: number;
  /** Linear warm-up over the first `warmup` iterations (0 or absent: none). */
  warmup?: number;
}

/**
 * The learning rate at iteration `iter` (0-based: the rate of the iter-th update).
 *
 * - fixed: base.
 * - step: base·γ^⌊iter/step⌋ (Caffe).
 * - multistep: base·γ^(number of milestones ≤ iter) (Caffe; PyTorch MultiStepLR).
 * - cosine: min + (base − min)·(1 + cos(π·iter/total))/2 for iter ≤ total, min after — the closed
 *   form of PyTorch's CosineAnnealingLR, held at its end instead of rising again (the closed form is
 *   periodic), since a run that goes past `total` wants the small rate, not a restart.
 * - warm-up: for iter < warmup the policy's rate is multiplied by (iter + 1)/warmup. The first update
 *   then uses base/warmup — never 0, which would waste an iteration (and with Adam still move the
 *   moments) — and iteration warmup − 1 already uses the full rate, so the policy's value is reached
 *   exactly when warm-up ends, with no jump. The policy runs underneath on the same iteration count
 *   (as mmcv's warm-up does): warm-up scales it, it does not delay it.
 */
export function learningRate(policy: LrPolicy, iter: number): number {
  checkPolicy(policy);
  if (!Number.isSafeInteger(iter) || iter < 0) {
    throw new ScheduleError(`learning rate: iteration must be a non-negative integer, got ${iter}`);
  }
  const gamma = policy.gamma ?? 0.1;
  let lr: number;
  switch (policy.kind) {
    case 'fixed':
      lr = policy.base;
      break;
    case 'step':
      lr = policy.base * gamma ** Math.floor(iter / policy.step!);
      break;
    case 'multistep':
      lr = policy.base * gamma ** policy.milestones!.filter((m) => m <= iter).length;
      break;
    case 'cosine': {
      const min = policy.min ?? 0;
      const t = Math.min(iter, policy.total!);
      lr = min + ((policy.base - min) * (1 + Math.cos((Math.PI * t) / policy.total!))) / 2;
      break;
    }
  }
  const warmup = policy.warmup ?? 0;
  return iter < warmup ? (lr * (iter + 1)) / warmup : lr;
}

/** Throws ScheduleError unless `policy` is complete and consistent; names the offending field. */
export function checkPolicy(policy: LrPolicy): void {
  const fail = (what: string): never => {
    throw new ScheduleError(`lr policy ${policy.kind}: ${what}`);
  };
  if (!LR_POLICY_KINDS.includes(policy.kind)) {
    throw new ScheduleError(`lr policy: unknown kind '${String(policy.kind)}' (known: ${LR_POLICY_KINDS.join(', ')})`);
  }
  if (!Number.isFinite(policy.base) || policy.base <= 0) fail(`base learning rate must be a positive number, got ${policy.base}`);
  if (policy.gamma !== undefined && !(Number.isFinite(policy.gamma) && policy.gamma > 0)) {
    fail(`gamma must be a positive number, got ${policy.gamma}`);
  }
  if (policy.warmup !== undefined && !(Number.isSafeInteger(policy.warmup) && policy.warmup >= 0)) {
    fail(`warm-up must be a non-negative whole number of iterations, got ${policy.warmup}`);
  }
  switch (policy.kind) {
    case 'step':
      if (policy.step === undefined) fail('needs step (iterations between drops)');
      if (!Number.isSafeInteger(policy.step) || policy.step! <= 0) fail(`step must be a positive whole number of iterations, got ${policy.step}`);
      break;
    case 'multistep':
      if (policy.milestones === undefined || policy.milestones.length === 0) fail('needs milestones (iterations at which the rate drops)');
      checkMilestones(policy.milestones!, (what) => fail(what));
      break;
    case 'cosine': {
      if (policy.total === undefined) fail('needs total (iterations of the cosine)');
      if (!Number.isSafeInteger(policy.total) || policy.total! <= 0) fail(`total must be a positive whole number of iterations, got ${policy.total}`);
      const min = policy.min ?? 0;
      if (!Number.isFinite(min) || min < 0 || min > policy.base) fail(`min must be between 0 and the base rate ${policy.base}, got ${min}`);
      break;
    }
    case 'fixed':
      break;
  }
}

function checkMilestones(milestones: readonly number[], fail: (what: string) => never): void {
  milestones.forEach((m, i) => {
    if (!Number.isFinite(m) || m < 0) fail(`milestone ${m} is not a non-negative number`);
    if (i > 0 && m <= milestones[i - 1]!) fail(`milestones must increase, got ${milestones[i - 1]} then ${m}`);
  });
}

/**
 * Parses a CLI milestone list such as `20,40` (spaces allowed) into increasing non-negative numbers,
 * in whatever unit the caller uses (epochs or iterations: converting is the caller's job).
 */
export function parseMilestones(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map((s) => {
    const v = s === '' ? NaN : Number(s);
    if (!Number.isFinite(v) || v < 0) {
      throw new ScheduleError(`milestones '${text}': '${s}' is not a non-negative number (expected e.g. 20,40)`);
    }
    return v;
  });
  checkMilestones(values, (what) => {
    throw new ScheduleError(`milestones '${text}': ${what}`);
  });
  return values;
}
