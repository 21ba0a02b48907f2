import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

// one direction between the modules of src/: a cycle (even through a type-only import) means two
// files that cannot be read, moved or bundled apart. CONTRIBUTING.md's map says who may import whom.

const SRC = path.join(__dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** each file's imports of other files of src/, resolved to their paths */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const local = importedFiles.map((i) => i.fileName).filter((name) => name.startsWith('.')).map((name) => {
      const base = path.resolve(path.dirname(file), name);
      return [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate)) ?? `${base} (unresolved)`;
    });
    graph.set(file, local);
  }
  return graph;
}

/** every cycle, each as the files in it from its smallest path, found by depth-first search */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  const cycles = new Map<string, string[]>();
  const visit = (file: string, trail: string[]) => {
    const at = trail.indexOf(file);
    if (at >= 0) {
      const cycle = trail.slice(at);
      const start = cycle.indexOf([...cycle].sort()[0]);
      const canonical = [...cycle.slice(start), ...cycle.slice(0, start)];
      cycles.set(canonical.join(' -> '), canonical);
      return;
    }
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
  };
  for (const file of graph.keys()) visit(file, []);
  return [...cycles.values()];
}

test('no import cycle anywhere in src/', () => {
  const graph = importGraph();
  expect(graph.size).toBeGreaterThan(20);
  const unresolved = [...graph.values()].flat().filter((f) => f.endsWith('(unresolved)'));
  expect(unresolved).toEqual([]);
  expect(cyclesOf(graph).map((cycle) => cycle.map((f) => path.relative(SRC, f)).join(' -> '))).toEqual([]);
});

test('the check finds a cycle when there is one (two files, and three)', () => {
  expect(cyclesOf(new Map([['a', ['b']], ['b', ['a']], ['c', []]]))).toEqual([['a', 'b']]);
  expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c']]);
  expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toEqual([]);
});
