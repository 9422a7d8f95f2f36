/** Colours for series, chosen to stay distinguishable for common colour-vision deficiencies. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#6b6ecf', '#bab0ac', '#17becf'];

/** The colour for the i-th series (cycling). */
export function colour(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

export const STEP_MARKER = '#8a94a6';
export const FAULT_MARKER = '#d62728';
/** The epidemic model's expected curve: a neutral dark grey, dashed, so it reads as a reference and not as a measurement. */
export const MODEL_LINE = '#555b66';
