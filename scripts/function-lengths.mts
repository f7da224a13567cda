/**
 * The longest functions under main/ (lines from the first to the last line of each function-like node, nested ones
 * counted on their own too). Usage: npx tsx scripts/function-lengths.mts [--max N]  (exit 1 when one is over N).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..');
const max = process.argv.includes('--max') ? Number(process.argv[process.argv.indexOf('--max') + 1]) : Infinity;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return files(p);
    return /\.(ts|mts)$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

const found: { where: string; name: string; lines: number }[] = [];
for (const f of files(join(root, 'main'))) {
  const src = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (n: ts.Node) => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const a = src.getLineAndCharacterOfPosition(n.getStart(src)).line;
      const b = src.getLineAndCharacterOfPosition(n.getEnd()).line;
      const name = (n as ts.FunctionLikeDeclaration).name?.getText(src)
        ?? (ts.isPropertyAssignment(n.parent) || ts.isVariableDeclaration(n.parent) ? n.parent.name.getText(src) : '(anonymous)');
      found.push({ where: `${relative(root, f)}:${a + 1}`, name, lines: b - a + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
}
found.sort((x, y) => y.lines - x.lines);
for (const x of found.slice(0, 10)) console.log(`${String(x.lines).padStart(4)}  ${x.name}  ${x.where}`);
const over = found.filter((x) => x.lines > max);
if (over.length) {
  console.error(`${over.length} function(s) over ${max} lines`);
  process.exit(1);
}
