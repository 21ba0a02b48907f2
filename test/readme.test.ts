import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

// the README's props table is what users read instead of API.md: GIVEN the README and the jsii
// assembly of the current sources, THEN the table names exactly the construct's props, says
// "(required)" for exactly the required ones, and does not contradict a literal @default; and
// the contents and in-page links point at headings that exist.

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const PROPS_FQN = 'cdk-jfrog-token-rotation.JfrogTokenRotationProps';

interface JsiiProperty {
  readonly name: string;
  readonly optional?: boolean;
  readonly docs?: { readonly default?: string };
}
interface JsiiType {
  readonly fqn: string;
  readonly interfaces?: string[];
  readonly properties?: JsiiProperty[];
}
interface Assembly {
  readonly types?: Record<string, JsiiType>;
  readonly dependencies?: Record<string, string>;
  readonly schema?: string;
  readonly filename?: string;
}
interface Row {
  readonly names: string[];
  readonly defaultCell: string;
}

/** the newest modification time of the sources the assembly is compiled from (the handler is not part of the API) */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'handler') newest = Math.max(newest, newestSource(file));
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.lambda.ts')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

function readJson(file: string): Assembly {
  // the consumer test compiles with jsii at the same time and may be rewriting .jsii: retry a
  // half-written file instead of failing on it
  for (let attempt = 1; ; attempt++) {
    try {
      const assembly = JSON.parse(fs.readFileSync(file, 'utf8')) as Assembly;
      return assembly.schema === 'jsii/file-redirect'
        ? JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(path.dirname(file), assembly.filename!))).toString('utf8'))
        : assembly;
    } catch (e) {
      if (attempt === 5) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
    }
  }
}

const dependencies = new Map<string, Assembly>();

/** every property of an interface, its own and those it inherits (from this or another assembly) */
function propsOf(fqn: string, local: Assembly): JsiiProperty[] {
  let type = local.types?.[fqn];
  if (!type) {
    const dependency = Object.keys(local.dependencies ?? {}).find((name) => fqn.startsWith(`${name}.`));
    if (!dependency) throw new Error(`${fqn} is in neither this assembly nor one of its dependencies`);
    if (!dependencies.has(dependency)) dependencies.set(dependency, readJson(path.join(root, 'node_modules', dependency, '.jsii')));
    type = dependencies.get(dependency)!.types?.[fqn];
    if (!type) throw new Error(`${fqn} is not in ${dependency}'s assembly`);
  }
  const inherited = (type.interfaces ?? []).flatMap((parent) => propsOf(parent, local));
  const own = type.properties ?? [];
  // an own property overrides an inherited one of the same name
  return [...inherited.filter((p) => !own.some((o) => o.name === p.name)), ...own];
}

/** splits a table row on the pipes outside backticks */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let code = false;
  for (const char of line.trim().replace(/^\|/, '').replace(/\|$/, '')) {
    if (char === '`') code = !code;
    if (char === '|' && !code) {
      out.push(cell.trim());
      cell = '';
    } else {
      cell += char;
    }
  }
  return [...out, cell.trim()];
}

/** the rows of every table in `## Props` whose first column is "prop" */
function readmeRows(): Row[] {
  const section = /^## Props\n([\s\S]*?)(?=^## )/m.exec(readme);
  if (!section) throw new Error('README.md has no "## Props" section');
  const rows: Row[] = [];
  let inTable = false;
  for (const line of section[1].split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const [first, second] = cells(line);
    if (first === 'prop') {
      inTable = true;
    } else if (inTable && !/^-+$/.test(first)) {
      rows.push({ names: [...first.matchAll(/`(\w+)`/g)].map((m) => m[1]), defaultCell: second ?? '' });
    }
  }
  return rows;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * what a literal @default must appear as in the README's default column, or undefined for a
 * default in words ("- twice `interval` plus one day"), which only a reader can compare
 */
function expectedDefault(jsiiDefault: string): RegExp | undefined {
  const plain = jsiiDefault.trim();
  if (plain === 'true' || plain === 'false') return new RegExp(`^\`?${plain}\`?$`);
  const quoted = /^'([^']*)'$/.exec(plain);
  if (quoted) return new RegExp(`^\`?${escapeRegExp(quoted[1])}\`?$`);
  const duration = /^Duration\.(\w+?)s?\((\d+)\)$/.exec(plain);
  if (duration) return new RegExp(`\\b${duration[2]} ${duration[1]}${duration[2] === '1' ? '' : 's'}\\b`);
  // an enum member: logs.RetentionDays.ONE_YEAR reads "one year"
  const member = /^[\w.]+\.([A-Z][A-Z0-9_]*)$/.exec(plain);
  if (member) return new RegExp(`\\b${member[1].toLowerCase().replace(/_/g, ' ')}\\b`, 'i');
  return undefined;
}

/** GitHub's anchor for a heading */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

let props: JsiiProperty[];

beforeAll(() => {
  const assemblyFile = path.join(root, '.jsii');
  // npm test runs before the build compiles, and src/ may have changed since the last compile
  if (!fs.existsSync(assemblyFile) || fs.statSync(assemblyFile).mtimeMs < newestSource(path.join(root, 'src'))) {
    execFileSync(process.execPath, [require.resolve('jsii/bin/jsii'), '--silence-warnings=reserved-word'], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
    });
  }
  props = propsOf(PROPS_FQN, readJson(assemblyFile));
}, 300_000);

describe('README.md', () => {
  test('the props table names every prop of JfrogTokenRotationProps, and no other', () => {
    // WHEN
    const inReadme = readmeRows().flatMap((row) => row.names);
    // THEN
    expect(props.length).toBeGreaterThan(0);
    expect(inReadme.filter((name, i) => inReadme.indexOf(name) !== i)).toEqual([]);
    expect({
      missingFromReadme: props.map((p) => p.name).filter((name) => !inReadme.includes(name)).sort(),
      notInCode: inReadme.filter((name) => !props.some((p) => p.name === name)).sort(),
    }).toEqual({ missingFromReadme: [], notInCode: [] });
  });

  test('the props table says "(required)" for exactly the required props', () => {
    const rows = readmeRows();
    const wrong = props.flatMap((prop) => {
      const row = rows.find((r) => r.names.includes(prop.name));
      // a prop without a row: the test above names it
      if (!row || (row.defaultCell === '(required)') === !prop.optional) return [];
      return [`${prop.name} is ${prop.optional ? 'optional' : 'required'}, the README's default says '${row.defaultCell}'`];
    });
    expect(wrong).toEqual([]);
  });

  test('a literal @default (true, \'token\', Duration.days(30), ONE_YEAR) reads the same in the props table', () => {
    const rows = readmeRows();
    const compared = props.flatMap((prop) => {
      const row = rows.find((r) => r.names.includes(prop.name));
      const expected = prop.docs?.default === undefined ? undefined : expectedDefault(prop.docs.default);
      return row && expected ? [{ prop, cell: row.defaultCell, agrees: expected.test(row.defaultCell) }] : [];
    });
    // the comparison must not silently compare nothing
    expect(compared.length).toBeGreaterThan(0);
    expect(compared.filter((c) => !c.agrees).map((c) => `${c.prop.name}: @default ${c.prop.docs!.default}, the README says '${c.cell}'`)).toEqual([]);
  });

  test('every in-page link names a heading, and the contents list every ## section', () => {
    // GIVEN the headings outside code blocks
    const prose = readme.replace(/^```[\s\S]*?^```/gm, '');
    const headings = [...prose.matchAll(/^(#{2,3}) (.+)$/gm)].map((m) => ({ level: m[1].length, anchor: anchor(m[2]) }));
    const links = [...prose.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    const contents = /^\*\*Contents\*\*\n([\s\S]*?)^## /m.exec(prose);
    // THEN
    expect(links.filter((link) => !headings.some((h) => h.anchor === link))).toEqual([]);
    expect(contents).not.toBeNull();
    const listed = [...contents![1].matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(headings.filter((h) => h.level === 2 && !listed.includes(h.anchor)).map((h) => h.anchor)).toEqual([]);
  });
});
