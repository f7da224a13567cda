import type { ConceptMapPoint } from '../../../main/api/contract.js';

export interface PlacedPoint extends ConceptMapPoint {
  px: number;
  py: number;
}

/** Scales projected points into a w×h box with a margin, keeping the aspect ratio (y grows upwards). */
export function layoutPoints(points: ConceptMapPoint[], w: number, h: number, margin = 20): PlacedPoint[] {
  points = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (points.length === 0) return [];
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
  const span = Math.max(maxX - minX, maxY - minY, 1e-9);
  const scale = Math.min(w - 2 * margin, h - 2 * margin) / span;
  const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  return points.map((p) => ({ ...p, px: w / 2 + (p.x - cx) * scale, py: h / 2 - (p.y - cy) * scale }));
}
