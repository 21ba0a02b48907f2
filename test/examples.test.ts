import * as fs from 'fs';
import * as path from 'path';

// examples/python/app.py cannot synthesize here (no PyPI); it must stay in step with the
// TypeScript example, which the consumer test synthesizes from the packed library
const read = (file: string) => fs.readFileSync(path.join(__dirname, '..', 'examples', file), 'utf8');
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function tsProps(source: string): Record<string, string> {
  const block = /new JfrogTokenRotation\(this, 'ArtifactoryToken', \{([\s\S]*?)\n {4}\}\);/.exec(source)![1];
  return Object.fromEntries([...block.matchAll(/^\s+(\w+): (.+?),$/gm)].map((m) => [snake(m[1]), m[2].replace(/'/g, '"')]));
}

function pyProps(source: string): Record<string, string> {
  const block = /JfrogTokenRotation\(\s*self,\s*"ArtifactoryToken",([\s\S]*?)\n {8}\)/.exec(source)![1];
  return Object.fromEntries([...block.matchAll(/^\s+(\w+)=(.+?),$/gm)].map((m) => [m[1], m[2]]));
}

const pythonic = (value: string) => value
  .replace(/JfrogCredentials\.adminToken\(adminToken\)/, 'JfrogCredentials.admin_token(admin_token)');

test('the Python example sets the same props to the same values as the TypeScript one', () => {
  const ts = tsProps(read('typescript/stack.ts'));
  const py = pyProps(read('python/app.py'));
  expect(Object.keys(ts).length).toBeGreaterThanOrEqual(5);
  expect(py).toEqual(Object.fromEntries(Object.entries(ts).map(([k, v]) => [k, pythonic(v)])));
});

test('both examples create the same other resources and grant', () => {
  const ts = read('typescript/stack.ts');
  const py = read('python/app.py');
  for (const [tsText, pyText] of [
    ["fromSecretNameV2(this, 'JfrogAdminToken', 'jfrog/admin-token')", 'from_secret_name_v2(\n            self, "JfrogAdminToken", "jfrog/admin-token"'],
    ["new iam.Role(this, 'CodeBuildRole'", 'iam.Role(\n            self,\n            "CodeBuildRole"'],
    ['grantRead(ciRole)', 'grant_read(ci_role)'],
  ]) {
    expect(ts).toContain(tsText);
    expect(py).toContain(pyText);
  }
});
