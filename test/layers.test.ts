import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The source is a house whose floors point one way: the core (models, db and dialects, schema,
 * routing, migrations, queries, store, config) at the bottom; simulation, run history, reports
 * and the example schemas above it; cli and bench on top; the package entry over all. A module
 * imports (statically or dynamically, types aside) only from its own floor or below, and no
 * import chain leads back to where it started.
 */
const SRC = resolve(import.meta.dirname, '../src');
const FLOORS: Record<string, number> = {
  simulation: 2,
  runs: 2,
  reporting: 2,
  inspect: 2,
  reshard: 2,
  examples: 2,
  cli: 3,
  bench: 3,
};

function floorOf(file: string): number {
  if (file === 'index.ts') return 4;
  return FLOORS[file.split('/')[0] ?? ''] ?? 1;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

/** The modules a file imports at run time (type-only imports are erased). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8').replace(/^import type [^;]*;/gms, '');
  const specifiers = [
    ...text.matchAll(/(?:^|\n)(?:import|export)[^'";]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g),
  ];
  return specifiers.map((m) =>
    relative(SRC, resolve(dirname(join(SRC, file)), (m[1] ?? m[2] ?? '').replace(/\.js$/, '.ts'))),
  );
}

const graph = new Map(sources(SRC).map((f) => [f, importsOf(f)]));

function cycles(): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === 'open') found.push([...path.slice(path.indexOf(dep)), dep].join(' → '));
      else if (!state.has(dep) && graph.has(dep)) visit(dep);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('module layers', () => {
  it('finds the modules and their imports', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('cli/main.ts')?.length).toBeGreaterThan(0);
  });

  it('no module imports from a floor above its own', () => {
    const upward = [...graph].flatMap(([file, deps]) =>
      deps.filter((d) => floorOf(d) > floorOf(file)).map((d) => `${file} → ${d}`),
    );
    expect(upward).toEqual([]);
  });

  it('no chain of imports leads back to where it started', () => {
    expect(cycles()).toEqual([]);
  });
});
