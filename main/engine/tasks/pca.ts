/**
 * Two-component PCA by power iteration, deterministic: fixed start vectors, deflation by orthogonalisation, and a
 * sign convention (the loading with the largest magnitude is positive, the lower coordinate winning ties). Works on
 * the smaller of the covariance (D×D) and Gram (n×n) matrices.
 */

export interface Pca2 {
  mean: Float64Array;
  /** unit principal axes in concept space (a zero vector where the data has no variance left) */
  axes: [Float64Array, Float64Array];
  /** variance along each axis (eigenvalues of the covariance, divided by n) */
  variance: [number, number];
  project(v: ArrayLike<number>): [number, number];
}

const MAX_ITER = 1000;
const TOL = 1e-12;

/** Top eigenvectors of a symmetric PSD m×m matrix (row-major), by power iteration with deflation. */
function topEigen(mat: Float64Array, m: number, count: number): { vectors: Float64Array[]; values: number[] } {
  const vectors: Float64Array[] = [];
  const values: number[] = [];
  const mul = (v: Float64Array): Float64Array => {
    const out = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = 0;
      const row = i * m;
      for (let j = 0; j < m; j++) s += mat[row + j] * v[j];
      out[i] = s;
    }
    return out;
  };
  const deflate = (v: Float64Array) => {
    for (const u of vectors) {
      let d = 0;
      for (let i = 0; i < m; i++) d += u[i] * v[i];
      for (let i = 0; i < m; i++) v[i] -= d * u[i];
    }
  };
  const normalize = (v: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < m; i++) s += v[i] * v[i];
    const n = Math.sqrt(s);
    if (n > 0) for (let i = 0; i < m; i++) v[i] /= n;
    return n;
  };
  let trace = 0;
  for (let i = 0; i < m; i++) trace += mat[i * m + i];
  const eps = Math.max(trace, 1e-300) * 1e-12;
  for (let k = 0; k < count; k++) {
    // deterministic start: the matrix's column with the largest norm after deflation (lies in the range), else e_k
    let v: Float64Array = new Float64Array(m);
    let best = -1;
    for (let j = 0; j < m; j++) {
      const c = new Float64Array(m);
      for (let i = 0; i < m; i++) c[i] = mat[i * m + j];
      deflate(c);
      let s = 0;
      for (let i = 0; i < m; i++) s += c[i] * c[i];
      if (s > best * (1 + 1e-12)) {
        best = s;
        v = c;
      }
    }
    // a slight tilt away from any single column keeps the start off an eigenvector orthogonal to the top one
    for (let i = 0; i < m; i++) v[i] += 1e-3 * Math.sqrt(Math.max(best, 0)) * Math.sin(1 + i * 0.7071);
    deflate(v);
    if (normalize(v) === 0 || best <= eps * eps) {
      vectors.push(new Float64Array(m));
      values.push(0);
      continue;
    }
    let lambda = 0;
    for (let it = 0; it < MAX_ITER; it++) {
      const w = mul(v);
      deflate(w);
      const n = normalize(w);
      if (n <= eps) {
        lambda = 0;
        v = new Float64Array(m);
        break;
      }
      let diff = 0;
      for (let i = 0; i < m; i++) diff = Math.max(diff, Math.abs(w[i] - v[i]));
      v = w;
      lambda = n;
      if (diff < TOL) break;
    }
    vectors.push(v);
    values.push(lambda);
  }
  return { vectors, values };
}

function fixSign(a: Float64Array): void {
  let bi = -1;
  let bv = 0;
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i]) > bv + 1e-12) {
      bv = Math.abs(a[i]);
      bi = i;
    }
  }
  if (bi >= 0 && a[bi] < 0) for (let i = 0; i < a.length; i++) a[i] = -a[i];
}

export function pca2(rows: readonly ArrayLike<number>[]): Pca2 {
  if (rows.length === 0) throw new Error('pca2: no vectors');
  const d = rows[0].length;
  const n = rows.length;
  const mean = new Float64Array(d);
  for (const r of rows) {
    if (r.length !== d) throw new Error('pca2: vectors of different lengths');
    for (let i = 0; i < d; i++) mean[i] += r[i];
  }
  for (let i = 0; i < d; i++) mean[i] /= n;
  const x = rows.map((r) => {
    const c = new Float64Array(d);
    for (let i = 0; i < d; i++) c[i] = r[i] - mean[i];
    return c;
  });
  const axes: Float64Array[] = [];
  let values: number[];
  if (n <= d) {
    // Gram matrix G = X Xᵀ (n×n); axis = Xᵀu / |Xᵀu|
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let s = 0;
        const a = x[i];
        const b = x[j];
        for (let q = 0; q < d; q++) s += a[q] * b[q];
        g[i * n + j] = s;
        g[j * n + i] = s;
      }
    }
    const eig = topEigen(g, n, 2);
    values = eig.values;
    for (const u of eig.vectors) {
      const a = new Float64Array(d);
      for (let i = 0; i < n; i++) if (u[i] !== 0) for (let q = 0; q < d; q++) a[q] += u[i] * x[i][q];
      let s = 0;
      for (let q = 0; q < d; q++) s += a[q] * a[q];
      const nn = Math.sqrt(s);
      if (nn > 0) for (let q = 0; q < d; q++) a[q] /= nn;
      axes.push(a);
    }
  } else {
    const c = new Float64Array(d * d);
    for (const r of x) {
      for (let i = 0; i < d; i++) {
        const ri = r[i];
        if (ri === 0) continue;
        for (let j = i; j < d; j++) c[i * d + j] += ri * r[j];
      }
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) c[i * d + j] = c[j * d + i];
    const eig = topEigen(c, d, 2);
    values = eig.values;
    axes.push(...eig.vectors);
  }
  while (axes.length < 2) {
    axes.push(new Float64Array(d));
    values.push(0);
  }
  for (const a of axes) fixSign(a);
  const ax: [Float64Array, Float64Array] = [axes[0], axes[1]];
  return {
    mean,
    axes: ax,
    variance: [values[0] / n, values[1] / n],
    project(v: ArrayLike<number>): [number, number] {
      let p0 = 0;
      let p1 = 0;
      for (let i = 0; i < d; i++) {
        const c = v[i] - mean[i];
        p0 += c * ax[0][i];
        p1 += c * ax[1][i];
      }
      return [p0, p1];
    },
  };
}
