/**
 * ESLint rule `layering/imports`: which folder may import which, checked on resolved paths (not on the specifier's
 * text, so `../../api/contract.js` and `../api/contract.js` are the same file) — the picture of DESIGN.md as a check.
 *
 * Options: one array of zones, each
 *   { from: 'main/engine/', forbid: ['main/api/', 'onnxruntime-node'], allow?: ['main/api/contract.ts'], why: '…' }
 * `from` and the `forbid`/`allow` entries are repository-relative prefixes ('main/engine/') or files ('main/start.ts',
 * matched without their extension, since NodeNext code imports './x.js' for './x.ts'); an entry without a slash
 * or a dot at the start is a package name ('onnxruntime-node', also matching 'onnxruntime-node/…'). `forbid: ['*']`
 * forbids every import not in `allow`. Static imports, `export … from`, `import type` and literal dynamic imports
 * count; a dynamic import of a computed specifier cannot be resolved and is left alone.
 */
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file lives in <root>/lint/. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const stripExt = (p) => p.replace(/\.(d\.)?(ts|mts|cts|js|mjs|cjs|svelte)$/, '');
const toPosix = (p) => p.split(sep).join('/');

/** Does repository path `rel` (posix, no extension stripping yet) match the prefix or file `entry`? */
function pathMatches(rel, entry) {
  if (entry.endsWith('/')) return rel.startsWith(entry);
  return stripExt(rel) === stripExt(entry);
}

const isPackageEntry = (entry) => !entry.includes('/') || (entry.startsWith('@') && entry.split('/').length === 2);

/** What an import specifier names: { kind: 'path', rel } for a file in the repository, { kind: 'package', name }. */
function resolveSpecifier(spec, filename) {
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const abs = resolve(dirname(filename), spec);
    return { kind: 'path', rel: toPosix(relative(ROOT, abs)) };
  }
  if (spec.startsWith('node:')) return { kind: 'package', name: spec };
  const parts = spec.split('/');
  return { kind: 'package', name: spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] };
}

function targetMatches(target, entry) {
  if (entry === '*') return true;
  if (target.kind === 'package') return isPackageEntry(entry) && target.name === entry;
  return !isPackageEntry(entry) && pathMatches(target.rel, entry);
}

export const importsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the layering of the code base (which folder may import which).' },
    schema: [{ type: 'array' }],
    messages: { forbidden: '{{from}} may not import {{target}}: {{why}}' },
  },
  create(context) {
    const zones = context.options[0] ?? [];
    const filename = context.filename ?? context.getFilename();
    const self = toPosix(relative(ROOT, filename));
    const active = zones.filter((z) => pathMatches(self, z.from));
    if (!active.length) return {};

    function check(node, source) {
      if (!source || typeof source.value !== 'string') return;
      const target = resolveSpecifier(source.value, filename);
      for (const z of active) {
        if ((z.allow ?? []).some((a) => targetMatches(target, a))) continue;
        if (!z.forbid.some((f) => targetMatches(target, f))) continue;
        context.report({
          node: source,
          messageId: 'forbidden',
          data: { from: self, target: target.kind === 'package' ? target.name : target.rel, why: z.why },
        });
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source : null),
      TSImportEqualsDeclaration: (node) =>
        check(node, node.moduleReference.type === 'TSExternalModuleReference' ? node.moduleReference.expression : null),
    };
  },
};

export default { meta: { name: 'layering' }, rules: { imports: importsRule } };
