/** Which rows of a variable-height list are visible: rows [start, end) and the space before and after them. */
export function visibleRange(count: number, heightOf: (i: number) => number, scrollTop: number, viewport: number,
  overscan = 6): { start: number; end: number; before: number; after: number } {
  let y = 0;
  let start = 0;
  while (start < count && y + heightOf(start) <= scrollTop) {
    y += heightOf(start);
    start++;
  }
  let end = start;
  let yEnd = y;
  while (end < count && yEnd < scrollTop + viewport) {
    yEnd += heightOf(end);
    end++;
  }
  const s = Math.max(0, start - overscan);
  const e = Math.min(count, end + overscan);
  let before = 0;
  for (let i = 0; i < s; i++) before += heightOf(i);
  let after = 0;
  for (let i = e; i < count; i++) after += heightOf(i);
  return { start: s, end: e, before, after };
}
