/**
 * Bootstrap confidence intervals, as rouge-score's `scoring.BootstrapAggregator`: `nSamples` resamples (with
 * replacement, size n) of the per-record score rows, the mean of each resample, then the percentiles
 * (1-ci)/2, 50, 1-(1-ci)/2 of those means with numpy's default linear interpolation. `mid` is the median of the
 * bootstrap means (not the plain mean), exactly as rouge-score reports it.
 *
 * The RNG is MT19937 drawn the way numpy's legacy `np.random.seed(seed)` + `np.random.choice(n, size=n)` draws
 * (32-bit outputs, masked rejection sampling), so with the same seed the resample indices — and hence the
 * intervals — equal rouge-score's under `np.random.seed(seed)`.
 */

/** MT19937 (Matsumoto & Nishimura), seeded like numpy's legacy integer seeding (init_genrand). */
export class MT19937 {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, mod 2^32, without losing precision
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      let v = mt[(i + 397) % 624] ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
  }

  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform integer in [0, high), as numpy legacy `randint(0, high)` (masked rejection on 32-bit draws). */
  randint(high: number): number {
    const rng = high - 1;
    if (rng <= 0) return 0;
    if (rng > 0xffffffff) throw new Error('randint: range above 2^32 is not supported');
    let mask = rng;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= rng) return v;
    }
  }
}

/** numpy.percentile with the default 'linear' method, on an already sorted array. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const virtual = (q / 100) * (n - 1);
  const lo = Math.floor(virtual);
  const hi = Math.min(lo + 1, n - 1);
  const t = virtual - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  // numpy's _lerp: a + diff*t, computed from the upper end when t >= 0.5
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

export interface Interval {
  low: number;
  mid: number;
  high: number;
}

export interface BootstrapOptions {
  confidenceInterval?: number; // default 0.95
  nSamples?: number; // default 1000
  seed?: number; // default 123 (the seed rouge-score's tests use)
  /** Continue an existing stream instead of seeding a new one (rouge-score draws all score types from one
   *  global numpy stream, in insertion order). */
  rng?: MT19937;
}

/**
 * Bootstrap over a matrix of rows (one row per record, one column per measure). Returns one interval per column.
 * Rows are resampled jointly, so one RNG stream serves all columns, as in rouge-score.
 */
export function bootstrapMatrix(rows: number[][], options: BootstrapOptions = {}): Interval[] {
  const { confidenceInterval = 0.95, nSamples = 1000, seed = 123 } = options;
  if (confidenceInterval < 0 || confidenceInterval > 1) throw new Error('confidenceInterval must be in [0, 1]');
  if (nSamples <= 0) throw new Error('nSamples must be positive');
  const n = rows.length;
  if (n === 0) return [];
  const cols = rows[0].length;
  const rng = options.rng ?? new MT19937(seed);
  const means: Float64Array[] = Array.from({ length: cols }, () => new Float64Array(nSamples));
  const idx = new Int32Array(n);
  const sums = new Float64Array(cols);
  for (let s = 0; s < nSamples; s++) {
    for (let i = 0; i < n; i++) idx[i] = rng.randint(n);
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const row = rows[idx[i]];
      for (let c = 0; c < cols; c++) sums[c] += row[c];
    }
    for (let c = 0; c < cols; c++) means[c][s] = sums[c] / n;
  }
  const delta = (1 - confidenceInterval) / 2;
  const qs = [100 * delta, 50, 100 * (1 - delta)];
  return means.map((m) => {
    m.sort();
    const [low, mid, high] = qs.map((q) => percentileSorted(m, q));
    return { low, mid, high };
  });
}

/** A one-column bootstrap over plain values. */
export function bootstrapValues(values: number[], options: BootstrapOptions = {}): Interval {
  const [iv] = bootstrapMatrix(
    values.map((v) => [v]),
    options,
  );
  return iv ?? { low: NaN, mid: NaN, high: NaN };
}

export interface PairedDifference extends Interval {
  /** mean of a − b over the records */
  mean: number;
  /** records where a > b, a < b */
  wins: number;
  losses: number;
  /** the interval excludes 0 */
  significant: boolean;
}

/**
 * Paired bootstrap of the mean difference a − b (the same records resampled for both systems), the way two
 * summarizers are compared on one set: a difference whose interval holds 0 is not significant at that level.
 */
export function pairedBootstrap(a: readonly number[], b: readonly number[], options: BootstrapOptions = {}): PairedDifference {
  if (a.length !== b.length) throw new Error(`pairedBootstrap: ${a.length} scores against ${b.length}`);
  const d = a.map((x, i) => x - b[i]);
  const iv = bootstrapValues(d, options);
  const mean = d.length ? d.reduce((s, x) => s + x, 0) / d.length : NaN;
  return {
    ...iv,
    mean,
    wins: d.filter((x) => x > 0).length,
    losses: d.filter((x) => x < 0).length,
    significant: iv.low > 0 || iv.high < 0,
  };
}
