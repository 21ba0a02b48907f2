import { awscdk, javascript, JsonFile } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

// aws-cdk-lib: two versions on purpose.
// - the peer floor (cdkVersion) is what consumers need, as low as the features allow:
//   lambda.LoggingFormat (JSON logs) arrived in 2.127.0, the newest API the construct uses.
//   .ci/floor-check compiles src/ against exactly this version, so it cannot drift upwards.
// - the devDependency we build and test against is 2.257.0: integ-runner 2.197 (the current
//   one) reads cloud assemblies only up to aws-cdk-lib 2.257.0, while cdk-nag 3 needs about
//   2.276; cdk-nag 2.38 (the Aspect API) works on 2.257.
const CDK_FLOOR = '2.127.0';
const CDK_DEV = '2.257.0';

// the handler calls Secrets Manager, SSM and EventBridge through the AWS SDK v3 clients, bundled at this
// exact version (CONTRIBUTING.md says why bundled, not the runtime's): FIPS, dual-stack and
// custom endpoints, clock-skew correction, retries and typed errors are AWS's code, not ours
const AWS_SDK = '3.1164.0';

const project = new awscdk.AwsCdkConstructLibrary({
  author: 'cdk-jfrog-token-rotation contributors',
  authorAddress: 'cdk-jfrog-token-rotation@users.noreply.github.com',
  cdkVersion: CDK_FLOOR,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  // the toolchain runs on Node 20 and later; CI runs it on Node 24, the handler's Lambda runtime
  minNodeVersion: '20.0.0',
  workflowNodeVersion: '24.x',
  name: 'cdk-jfrog-token-rotation',
  description: 'An AWS CDK construct that keeps a JFrog access token in AWS Secrets Manager and rotates it with Secrets Manager\'s native rotation protocol.',
  keywords: ['cdk', 'awscdk', 'jfrog', 'artifactory', 'secrets-manager', 'rotation', 'access-token'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  defaultReleaseBranch: 'main',
  repositoryUrl: 'https://github.com/cdk-jfrog-token-rotation/cdk-jfrog-token-rotation.git',
  tsconfigDevFile: 'tsconfig.dev.json',
  // lint src and test against tsconfig.dev.json, which includes both
  // lint without rewriting files (`npx projen eslint --fix` fixes locally): CI must fail on a
  // lint error, not pass and leave a diff
  eslintOptions: { dirs: ['src'], projectService: false, tsconfigPath: './tsconfig.dev.json', commandOptions: { fix: false } },
  peerDependencyOptions: { pinnedDevDependency: false },
  devDeps: [
    `aws-cdk-lib@${CDK_DEV}`,
    'constructs@10.5.1',
    // bundled into the handler (esbuild), so devDependencies: consumers never install them
    `@aws-sdk/client-secrets-manager@${AWS_SDK}`,
    `@aws-sdk/client-ssm@${AWS_SDK}`,
    // the event the handler puts on the default bus after each promotion (bundled)
    `@aws-sdk/client-eventbridge@${AWS_SDK}`,
    // the tests only: the queue a rule in moto delivers that event to
    `@aws-sdk/client-sqs@${AWS_SDK}`,
    '@types/aws-lambda@^8',
    'aws-sdk-client-mock@^4',
    // the tests only: the External Secrets recipe's manifests, parsed and checked against the stack
    'yaml@^2.9.1',
    // structured, redacted JSON logs and EMF metrics in the handler (bundled)
    '@aws-lambda-powertools/logger@^2.36.0',
    '@aws-lambda-powertools/metrics@^2.36.0',
    // the AWS SDK's SigV4 signer: the STS request JfrogCredentials.awsIamRole() exchanges (bundled)
    '@smithy/signature-v4@^5',
    // the settings schema (src/contract/settings.ts): the handler validates with it (bundled); the
    // construct imports only its type
    'zod@^4',
    // the AwsSolutions gate in the tests; 2.38 is the line that runs on aws-cdk-lib 2.257
    'cdk-nag@~2.38.2',
    // integration test in the ecosystem's form; integ-runner 2.197 reads assemblies up to 2.257
    '@aws-cdk/integ-runner@2.197.10',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    // mutation testing (npm run mutation); the 9.x line: 10.x needs Node 22, this machine has 20
    '@stryker-mutator/core@~9.6.1',
    '@stryker-mutator/jest-runner@~9.6.1',
    '@stryker-mutator/typescript-checker@~9.6.1',
    // model-based and property tests: random sequences of rotations, hand writes, label moves,
    // replays and JFrog faults against the trust invariants (test/handler/invariants.test.ts)
    'fast-check@^4',
  ],
  publishToPypi: {
    distName: 'cdk-jfrog-token-rotation',
    module: 'cdk_jfrog_token_rotation',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkjfrogtokenrotation',
    mavenGroupId: 'io.github.cdk-jfrog-token-rotation',
    mavenArtifactId: 'cdk-jfrog-token-rotation',
  },
  // the handler's entry lives in src/handler/ and its construct in src/construct/ (where their
  // code runs): declared below rather than discovered, which would put both side by side
  lambdaAutoDiscover: false,
  jestOptions: {
    updateSnapshot: UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      testTimeout: 60_000,
      // the emulators are real servers: one test file at a time keeps two cores responsive
      maxWorkers: 2,
    },
  },
  gitignore: ['/cdk.out', '/examples/**/cdk.out', '/.tmp'],
});

project.tsconfigDev.addInclude('.projenrc.ts');

// the rotation handler: bundled from src/handler/, its generated construct in src/construct/
new awscdk.LambdaFunction(project, {
  entrypoint: 'src/handler/rotation.lambda.ts',
  constructFile: 'src/construct/rotation-function.ts',
  constructName: 'RotationFunction',
  cdkDeps: project.cdkDeps,
  runtime: awscdk.LambdaRuntime.NODEJS_24_X,
  bundlingOptions: {
    // everything bundled: nothing is left for the runtime to provide
    externals: [],
    sourcemap: false,
  },
});
// handler modules are bundled by esbuild: they may import devDependencies (the AWS SDK)
project.eslint?.allowDevDeps('src/handler/**');
// the settings schema: the handler bundles zod; the construct imports only the schema's type
project.eslint?.allowDevDeps('src/contract/settings.ts');

// the bundled handler, as the build writes it and the package ships it
const HANDLER_ASSET = 'assets/handler/rotation.lambda/index.js';
// minify the handler (smaller asset, faster cold start); projen's lambda options lack the flag
const bundleHandler = project.tasks.tryFind('bundle:handler/rotation.lambda');
const esbuildCommand = bundleHandler?.steps[0]?.execArgs?.join(' ') ?? bundleHandler?.steps[0]?.exec;
if (bundleHandler && esbuildCommand && !esbuildCommand.includes('--minify')) {
  // esbuild rewrites its output in place; `npm run demo` (and so the demo test) bundles while
  // other tests run the bundle, which must never read half a file: build beside it, then rename
  // it into place, which replaces the file in one step
  const next = '.tmp/bundle/rotation.lambda.js';
  bundleHandler.reset(`${esbuildCommand.replace(`--outfile=${HANDLER_ASSET}`, `--outfile=${next}`)} --minify --keep-names`);
  bundleHandler.exec(`node -e "fs.mkdirSync(path.dirname('${HANDLER_ASSET}'), { recursive: true }); fs.renameSync('${next}', '${HANDLER_ASSET}')"`);
}

// no package without its handler: a tarball without the bundle installs fine and fails every
// consumer's synth with CannotFindAsset. `compile` alone does not bundle (pre-compile does), so
// every packaging task checks first and names the fix (the Python and Java packages embed the
// npm tarball, so they need it too)
const checkHandlerAsset = project.addTask('check-handler-asset', {
  description: `Fail unless the bundled handler (${HANDLER_ASSET}) exists; the packaging tasks run it first`,
  exec: `node -e "if (!fs.existsSync('${HANDLER_ASSET}')) { console.error('cannot package: ${HANDLER_ASSET} (the bundled rotation handler) is missing, and a package without it fails the synth of every app that uses it (CannotFindAsset). Run: npx projen bundle (the build runs it), then package again.'); process.exit(1); }"`,
});
for (const name of ['package:js', 'package:python', 'package:java']) {
  project.tasks.tryFind(name)?.prependSpawn(checkHandlerAsset);
}

// type-check everything the build does not compile (tests, examples, scripts): ts-jest alone
// lets some type errors through
project.testTask.prependExec('tsc --noEmit -p tsconfig.dev.json');
// the handler and its emulator tests run the bundled asset, so build it before testing
const bundle = project.tasks.tryFind('bundle');
if (bundle) {
  project.testTask.prependSpawn(bundle);
}

// the package ships the construct and the bundled handler; the handler's sources compiled to
// lib/ would only be dead weight that requires devDependencies
project.npmignore?.exclude('/examples/', '/scripts/', '/.ci/', '/lib/handler/', '/lib/rotation.lambda.*', '/.tmp/', '/BENCHMARKS.md');

// the main job: synthesize the example app and say where its template is
const example = project.addTask('example', {
  description: 'Synthesize the example app (examples/typescript) and print where the template is',
});
if (bundle) {
  example.spawn(bundle);
}
const tsNode = 'ts-node --project tsconfig.dev.json';
example.exec(`${tsNode} examples/typescript/app.ts`);

// the local dry run: both emulators, the synthesized handler, the four steps
const demo = project.addTask('demo', {
  description: 'Dry-run a rotation locally: Secrets Manager and JFrog emulators, the synthesized handler, the four steps (npm run demo -- --help lists the options)',
  // the AWS SDK's notice about Node 20 is noise in a demo
  env: { NODE_NO_WARNINGS: '1' },
});
if (bundle) {
  demo.spawn(bundle);
}
// the README's `npm run demo -- --jfrog-url ...` reaches the script only through a step that
// receives the task's arguments (the task-level option applies to an `exec` given with it); an
// argument list, so that a value is passed as typed, never read by a shell. --transpile-only:
// type-checking the demo and everything it imports took ts-node some 30 s before the first line
// (even before --help); the test task type-checks scripts/ (tsc -p tsconfig.dev.json, which sets
// isolatedModules, so transpiling file by file is safe)
demo.execArgs(['ts-node', '--transpile-only', '--project', 'tsconfig.dev.json', 'scripts/demo.ts'], { receiveArgs: true });

// the benchmark: prints figures (BENCHMARKS.md says how to read them), asserts nothing
const bench = project.addTask('bench', {
  description: 'Measure the handler (size, cold start, memory), a rotation (time, calls) and synthesis (1/10/100 rotations) against baselines',
  env: { NODE_NO_WARNINGS: '1' },
});
if (bundle) {
  bench.spawn(bundle);
}
bench.exec(`${tsNode} scripts/bench.ts`);

// the model-based hunt for trust holes at length: `npm test` runs a dozen random sequences per
// kind, this runs hundreds (INVARIANT_RUNS and INVARIANT_SEED override; a failure prints its seed)
project.addTask('invariants', {
  description: 'Run the trust invariants against many random sequences of rotations, crafted steps, hand writes and JFrog faults',
  env: { INVARIANT_RUNS: '$(echo ${INVARIANT_RUNS:-300})' },
  exec: 'jest --coverage=false test/handler/invariants.test.ts -t "random sequences"',
  receiveArgs: true,
});

// mutation testing: how many deliberate bugs in the handler modules the in-process tests catch
// (TESTING.md says how to read it). not part of `test` or CI: it takes minutes, and its report
// is a figure to read, not a gate
new JsonFile(project, 'stryker.config.json', {
  // Stryker refuses unknown keys, projen's marker among them
  marker: false,
  obj: {
    $schema: './node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    packageManager: 'npm',
    testRunner: 'jest',
    checkers: ['typescript'],
    tsconfigFile: 'tsconfig.dev.json',
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    coverageAnalysis: 'perTest',
    // the modules that decide what to mint, promote and revoke, with which credential, and which
    // settings to accept. the e2e tests run the bundled handler in a child process, which a mutant
    // of the source never reaches, so only the in-process tests take part
    mutate: ['src/handler/steps.ts', 'src/handler/revocation.ts', 'src/handler/credentials.ts', 'src/handler/config.ts'],
    // a module-level constant is used by every test: mutating it would rerun them all for little
    ignoreStatic: true,
    jest: {
      projectType: 'custom',
      config: {
        preset: 'ts-jest',
        testEnvironment: 'node',
        testMatch: [
          '<rootDir>/test/handler/config.test.ts',
          '<rootDir>/test/handler/credentials.test.ts',
          '<rootDir>/test/handler/revocation.test.ts',
          '<rootDir>/test/handler/step-context.test.ts',
          '<rootDir>/test/handler/steps.test.ts',
          '<rootDir>/test/handler/steps.mocked-secrets-manager.test.ts',
        ],
        transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json', isolatedModules: true }] },
      },
      enableFindRelatedTests: false,
    },
    reporters: ['clear-text', 'progress', 'html', 'json'],
    htmlReporter: { fileName: '.tmp/mutation/index.html' },
    jsonReporter: { fileName: '.tmp/mutation/mutation.json' },
    // a second run retests only the mutants of changed code, or covered by changed tests
    incremental: true,
    incrementalFile: '.tmp/mutation/stryker-incremental.json',
    tempDirName: '.tmp/stryker',
    // Stryker gives half the processes to the type checker, which is idle after its first pass:
    // 4 means two test runners, one per core
    concurrency: 4,
    timeoutMS: 20_000,
  },
});
project.addTask('mutation', {
  description: 'Mutation testing of the handler modules (StrykerJS); prints the score per module',
  // one moto server for every run of the tests (one per mutant) instead of one each
  exec: 'rm -f .tmp/moto-shared.json && MOTO_SHARED_FILE=$PWD/.tmp/moto-shared.json stryker run',
});
project.npmignore?.exclude('/stryker.config.json');

// integ-runner: `integ` verifies the committed snapshots (part of `test`); `integ:update`
// re-synthesizes them without deploying; `integ:deploy` really deploys (needs an AWS account,
// a JFrog and its admin token in Secrets Manager: see CONTRIBUTING.md)
const integ = project.addTask('integ', {
  description: 'Verify the integration test snapshots (test/integ.*.ts)',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
  exec: 'integ-runner --language typescript --directory test',
  receiveArgs: true,
});
project.addTask('integ:update', {
  description: 'Re-synthesize the integration test snapshots without deploying',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
  exec: 'integ-runner --language typescript --directory test --update-on-failed --dry-run',
  receiveArgs: true,
});
project.addTask('integ:deploy', {
  description: 'Deploy the integration tests, run their assertions, destroy them (needs AWS)',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
  exec: 'integ-runner --language typescript --directory test --update-on-failed --force',
  receiveArgs: true,
});
project.testTask.spawn(integ);

// jsii compatibility with the last release. skipped only when npm answers that the package was
// never published (E404); a registry that cannot be reached fails, so a release cannot slip
// through unchecked
project.addTask('compat:released', {
  description: 'Check API compatibility (jsii-diff) against the latest release on npm; fails when npm cannot be asked',
  exec: 'bash .ci/compat-released',
});

project.synth();
