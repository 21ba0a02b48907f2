// npm run demo: a complete local dry run of a rotation.
//
// It synthesizes the example stack, starts Secrets Manager (moto) and, unless --jfrog-url is
// given, the JFrog emulator, then runs the synthesized handler asset through the four steps
// exactly as Secrets Manager would, printing the secret's versions and labels before and after.
//
//   npm run demo                                   # everything local
//   npm run demo -- --rotations 1
//   npm run demo -- --credentials aws-iam-role   (the function's IAM role exchanged for a token)
//   JFROG_ADMIN_TOKEN=... npm run demo -- --jfrog-url https://acme.jfrog.io --username ci-bot
//   npm run demo -- --jfrog-url https://acme.jfrog.io --admin-token-file ~/.jfrog-admin-token
//
// Against a real JFrog it mints, verifies and revokes real tokens for --username (the secret
// lives in the emulator only); at the end it revokes every token it minted that is still live.
// The admin token is read from the file or the environment and never printed.
//
// `npm run demo -- --help` lists the options. An option it does not know is refused (non-zero exit)
// rather than ignored, and the last line names the JFrog the run tested.
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
  CreateSecretCommand, GetSecretValueCommand, ListSecretVersionIdsCommand, PutSecretValueCommand, RotateSecretCommand, SecretsManagerClient, TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { synthExample } from '../examples/typescript/app';
import { JfrogClient } from '../src/handler/jfrog-client';
import { STEPS } from '../src/handler/steps';
import { ENV, parameterKey, REVOKE_ALL_BUT_TAG, settingsPin } from '../src/contract/rotation-config';
import type { RotationParameter } from '../src/contract/settings';
import { JfrogEmulator } from '../test/emulators/jfrog-emulator';
import { MotoServer } from '../test/emulators/moto';
import { functionArnFor, invokeHandler, logLines } from '../test/support/invoke';

const FUNCTION_NAME = 'jfrog-token-rotation-demo';
const ROLE = 'arn:aws:iam::123456789012:role/jfrog-token-rotation-demo';
/** the deployment's wait leaves the first rotation to Secrets Manager this long (src/handler/deployment.ts GRACE_MS) */
const WAIT_GRACE_MS = 60_000;


interface Options {
  /** admin-token (a token in a secret) or aws-iam-role (the function's role exchanged, emulator only) */
  readonly credentials: 'admin-token' | 'aws-iam-role';
  readonly jfrogUrl?: string;
  readonly adminToken?: string;
  readonly username?: string;
  readonly rotations: number;
}

/** the demo's options, each with what it takes: `npm run demo -- --help` prints them */
const FLAGS: Record<string, { value: string; help: string }> = {
  '--rotations': { value: 'N', help: 'how many rotations to run, 1 to 10 (default 3; 1 with --jfrog-url)' },
  '--username': { value: 'NAME', help: 'the JFrog user the tokens are minted for (default: the example app\'s username)' },
  '--credentials': { value: 'KIND', help: 'what authorizes the mint: admin-token (default; an admin token kept in a secret) or aws-iam-role (the function\'s IAM role exchanged for a token; local emulator only)' },
  '--jfrog-url': { value: 'URL', help: 'run against this JFrog (https) instead of the local emulator: real tokens are minted, verified and revoked for --username, then every token the run minted is revoked; the secret stays in the local Secrets Manager emulator' },
  '--admin-token-file': { value: 'FILE', help: 'with --jfrog-url: the file holding that JFrog\'s admin token (or set JFROG_ADMIN_TOKEN); never printed' },
};

const HELP = [
  'usage: npm run demo -- [options]',
  '',
  'A dry run of rotations on this machine: synthesizes the example app, starts a Secrets Manager',
  'emulator (moto) and, unless --jfrog-url is given, the local JFrog emulator, then runs the',
  'synthesized handler through createSecret, setSecret, testSecret and finishSecret as Secrets',
  'Manager would: a first rotation that fails and one the deploy-time wait sees succeed (local',
  'emulator), the rotations, the "JFrog Token Rotated" event a rule delivers, and the leak',
  'action (local emulator). No AWS account is used. The last line names the JFrog that was tested.',
  '',
  'options:',
  ...Object.entries(FLAGS).map(([flag, { value, help }]) => `  ${`${flag} ${value}`.padEnd(24)} ${help}`),
  `  ${'--help, -h'.padEnd(24)} print this help`,
  '',
  'environment:',
  `  ${'JFROG_ADMIN_TOKEN'.padEnd(24)} with --jfrog-url, the admin token when --admin-token-file is not given`,
  `  ${'NODE_EXTRA_CA_CERTS'.padEnd(24)} with --jfrog-url, a private CA your JFrog's certificate chains to`,
  '',
  'examples:',
  '  npm run demo',
  '  npm run demo -- --credentials aws-iam-role',
  '  JFROG_ADMIN_TOKEN=... npm run demo -- --jfrog-url https://acme.jfrog.io --username ci-bot',
].join('\n');

/** a command line the demo cannot run: said on stderr with a pointer to --help, exit code 2 (projen reports 1) */
class UsageError extends Error {}

/** the flags and their values; refuses what the demo does not know rather than ignoring it */
function readFlags(argv: string[]): Map<string, string> | 'help' {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!FLAGS[flag]) {
      throw new UsageError(arg.startsWith('-')
        ? `unknown option '${flag}'; the options are ${Object.keys(FLAGS).join(', ')} and --help`
        : `unexpected argument '${arg}'; every value follows its option, e.g. --rotations 1`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new UsageError(`${flag} needs a value: ${flag} ${FLAGS[flag].value}`);
    }
    if (flags.has(flag)) throw new UsageError(`${flag} is given twice`);
    flags.set(flag, value);
  }
  return flags;
}

function parseArgs(argv: string[]): Options | 'help' {
  const flags = readFlags(argv);
  if (flags === 'help') return flags;
  const jfrogUrl = flags.get('--jfrog-url');
  const tokenFile = flags.get('--admin-token-file');
  let adminToken: string | undefined;
  if (tokenFile && !jfrogUrl) {
    throw new UsageError('--admin-token-file goes with --jfrog-url: the local emulator makes its own admin token');
  }
  if (jfrogUrl) {
    if (!jfrogUrl.startsWith('https://')) {
      throw new UsageError(`--jfrog-url must be https, got '${jfrogUrl}'`);
    }
    adminToken = tokenFile ? readTokenFile(tokenFile) : process.env.JFROG_ADMIN_TOKEN?.trim();
    if (!adminToken) {
      throw new UsageError('--jfrog-url needs an admin token: --admin-token-file FILE or the JFROG_ADMIN_TOKEN environment variable');
    }
  }
  const rotations = Number(flags.get('--rotations') ?? (jfrogUrl ? 1 : 3));
  if (!Number.isInteger(rotations) || rotations < 1 || rotations > 10) {
    throw new UsageError(`--rotations must be 1 to 10, got '${flags.get('--rotations')}'`);
  }
  const credentials = flags.get('--credentials') ?? 'admin-token';
  if (credentials !== 'admin-token' && credentials !== 'aws-iam-role') {
    throw new UsageError(`--credentials must be admin-token or aws-iam-role, got '${credentials}'`);
  }
  if (credentials === 'aws-iam-role' && jfrogUrl) {
    throw new UsageError('--credentials aws-iam-role runs against the local emulator only: a real JFrog would need a real IAM role and STS');
  }
  return { credentials, jfrogUrl, adminToken, username: flags.get('--username'), rotations };
}

function readTokenFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new UsageError(`--admin-token-file: cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** what the synthesized stack deploys: the function's code and environment, the rotation's settings */
function readExample() {
  const { assemblyDir, templatePath } = synthExample(path.join(__dirname, '..', '.tmp', 'demo.out'));
  const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
  const resources = Object.values<any>(template.Resources);
  const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.[ENV.configPath]);
  const secret = resources.find((r) => r.Type === 'AWS::SecretsManager::Secret');
  const parameter = resources.find((r) => r.Type === 'AWS::SSM::Parameter');
  // the settings as synthesized; references to other resources (the secrets' ARNs) are filled in below
  const settings = JSON.parse(withPlaceholders(parameter.Properties.Value)) as RotationParameter;
  return {
    templatePath,
    handlerPath: path.join(assemblyDir, assetPath(assemblyDir, templatePath, fn.Properties.Code.S3Key), 'index.js'),
    configPath: fn.Properties.Environment.Variables[ENV.configPath] as string,
    settings,
    initialValue: secret.Properties.SecretString as string,
  };
}

/** a CloudFormation string with each reference replaced by a placeholder */
function withPlaceholders(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(withPlaceholders).join(value['Fn::Join'][0]);
  return '(filled in at deployment)';
}

/** the folder of a file asset, by the S3 key the template deploys it under */
function assetPath(assemblyDir: string, templatePath: string, s3Key: string): string {
  const manifest = JSON.parse(fs.readFileSync(templatePath.replace(/\.template\.json$/, '.assets.json'), 'utf8'));
  const hash = String(s3Key).replace(/\.zip$/, '');
  const asset = manifest.files?.[hash];
  if (!asset) throw new Error(`no asset ${hash} in the cloud assembly at ${assemblyDir}`);
  return asset.source.path;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const say = (line = '') => console.log(line);
  if (options === 'help') {
    say(HELP);
    return;
  }
  // what the last line names, so that a green run says which JFrog it proved
  const target = options.jfrogUrl ? `the JFrog at ${options.jfrogUrl}` : 'the local JFrog emulator';

  say('1. synthesizing the example stack (examples/typescript)');
  const example = readExample();
  say(`   template: ${path.relative(process.cwd(), example.templatePath)}`);
  say(`   handler:  ${path.relative(process.cwd(), example.handlerPath)}`);

  say('2. starting the emulators');
  const moto = await MotoServer.start();
  say(`   Secrets Manager (moto): ${moto.endpoint}`);
  let jfrog: JfrogEmulator | undefined;
  let jfrogUrl = options.jfrogUrl;
  let adminToken = options.adminToken;
  let username = options.username ?? example.settings.username;
  if (!jfrogUrl) {
    jfrog = await JfrogEmulator.start();
    jfrogUrl = jfrog.url;
    adminToken = jfrog.seedToken('admin', 'applied-permissions/admin');
    say(`   JFrog Access API (emulator): ${jfrogUrl}`);
    if (options.credentials === 'aws-iam-role') {
      // the function's role, as the demo's AWS key stands for it; an admin maps it to a user once
      jfrog.awsKeys.set('demo', { secretAccessKey: 'demo', roleArn: ROLE });
      jfrog.addUser('rotator', { admin: true });
      jfrog.iamRoleMappings.set(ROLE, 'rotator');
      say(`   IAM role ${ROLE} mapped to the JFrog admin user 'rotator' (PUT /access/api/v1/aws/iam_role, done once by an admin)`);
    }
  } else {
    say(`   JFrog: ${jfrogUrl} (from --jfrog-url; tokens for ${username})`);
  }
  const clientConfig = { endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } };
  const sm = new SecretsManagerClient(clientConfig);
  const ssm = new SSMClient(clientConfig);
  const events = new EventBridgeClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  let exitCode = 0;
  try {
    const credentials = await sm.send(new CreateSecretCommand({ Name: 'jfrog/admin-token', SecretString: JSON.stringify({ token: adminToken }) }));
    const initial = JSON.parse(example.initialValue);
    const secret = await sm.send(new CreateSecretCommand({ Name: 'ci/jfrog-token', SecretString: JSON.stringify({ ...initial, username }) }));
    // rotation on, done by the function (the rotation schedule of the template does this)
    await sm.send(new RotateSecretCommand({ SecretId: secret.ARN, RotationLambdaARN: functionArnFor(FUNCTION_NAME), RotateImmediately: false, RotationRules: { AutomaticallyAfterDays: 30 } }));
    // the rotation's settings parameter, as CloudFormation would create it
    const iamRole = options.credentials === 'aws-iam-role';
    const settings: RotationParameter = {
      ...example.settings,
      secretArn: secret.ARN!,
      jfrogUrl: jfrogUrl,
      username: username!,
      ...(iamRole ? { credentialsKind: 'AWS_IAM_ROLE', credentialsSecretArn: undefined, credentialsField: undefined } : { credentialsSecretArn: credentials.ARN! }),
      metricSecretName: 'ci/jfrog-token',
    };
    const key = parameterKey('ci/jfrog-token');
    const parameterName = `${example.configPath}${key}`;
    await ssm.send(new PutParameterCommand({ Name: parameterName, Type: 'String', Value: JSON.stringify(settings) }));
    const env: Record<string, string> = {
      [ENV.configPath]: example.configPath,
      [ENV.allowedJfrogUrls]: jfrogUrl,
      // what CloudFormation would resolve in the function's environment: the pin of these settings
      [ENV.pins]: settingsPin({ ...settings, key, jfrogUrl: jfrogUrl.replace(/\/$/, ''), credentialsIndex: iamRole ? -1 : 0 }),
      [ENV.credentials]: iamRole ? '' : credentials.ARN!,
      AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
      AWS_ENDPOINT_URL_SSM: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'demo',
      AWS_SECRET_ACCESS_KEY: 'demo',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      // the emulator's throw-away CA; against a real JFrog, a private CA you trust yourself
      ...(jfrog ? { NODE_EXTRA_CA_CERTS: jfrog.tls.caPath } : process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
    };
    // a consumer of the events (publishEvents): a rule on the default bus delivering to a queue
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'jfrog-token-rotated' }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
    await events.send(new PutRuleCommand({ Name: 'jfrog-token-rotated', EventPattern: JSON.stringify({ 'source': ['cdk-jfrog-token-rotation'], 'detail-type': ['JFrog Token Rotated'] }) }));
    await events.send(new PutTargetsCommand({ Rule: 'jfrog-token-rotated', Targets: [{ Id: 'queue', Arn: queueArn }] }));
    env[ENV.eventBus] = 'default';
    env.AWS_ENDPOINT_URL_EVENTBRIDGE = moto.endpoint;
    say(`   secret ${secret.ARN}`);
    say(`   settings ${parameterName} (SSM): ${settings.username}, ${settings.scope}, lifetime ${settings.lifetimeSeconds / 86400} days, credentials ${settings.credentialsKind}`);

    say();
    say('3. the secret before');
    await printVersions(sm, secret.ARN!);

    const minted: string[] = [];
    if (jfrog) {
      say();
      const waitDemo: WaitDemo = {
        sm,
        jfrog,
        handlerPath: example.handlerPath,
        env,
        secretArn: secret.ARN!,
        credentialsArn: credentials.ARN!,
        adminToken: adminToken!,
        iamRole,
        say,
      };
      minted.push(await firstRotationWait(waitDemo));
    }
    /** RotateSecret stages a version with AWSPENDING and no value, then the function runs the four steps */
    const rotation = async (token: string) => {
      await sm.send(new RotateSecretCommand({ SecretId: secret.ARN, ClientRequestToken: token, RotateImmediately: true }));
      for (const step of STEPS) {
        const started = Date.now();
        const result = await invokeHandler(example.handlerPath, { Step: step, SecretId: secret.ARN, ClientRequestToken: token }, env);
        const line = logLines(result.logs).pop() ?? {};
        if (!result.ok) {
          say(`   ✗ ${step.padEnd(13)} ${result.errorType}: ${result.errorMessage}`);
          throw new DemoFailed();
        }
        if (line.result === 'minted') minted.push(line.tokenId);
        say(`   ✓ ${step.padEnd(13)} ${describe(line)} (${Date.now() - started} ms)`);
      }
    };
    for (let r = 1; r <= options.rotations; r++) {
      const token = randomUUID();
      say();
      say(`4.${r} rotation ${r} of ${options.rotations} (ClientRequestToken ${token})`);
      await rotation(token);
    }

    say();
    say('4b. consumers learn of each new token: the "JFrog Token Rotated" event on the default bus (publishEvents), as a rule delivers it');
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const delivered = (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}'));
    say(`   ${delivered.length} event(s) received; the last one's detail (ids and dates, never a token):`);
    for (const line of JSON.stringify(delivered.at(-1)?.detail ?? {}, undefined, 2).split('\n')) say(`   ${line}`);

    if (jfrog) {
      // README "A token leaked": tag the secret with a new version id, then rotate to that version
      const leak = randomUUID();
      say();
      say(`4c. a token leaked: the leak action tags the secret (${REVOKE_ALL_BUT_TAG}=${short(leak)}) and rotates to that version; once its new token is promoted, every other token goes, AWSPREVIOUS's too`);
      await sm.send(new TagResourceCommand({ SecretId: secret.ARN, Tags: [{ Key: REVOKE_ALL_BUT_TAG, Value: leak }] }));
      await rotation(leak);
      const live = jfrog.liveApiTokens(username).map((t) => t.id);
      say(`   JFrog accepts ${live.length} token(s) of ${username} now: ${live.map(short).join(', ')} (AWSCURRENT alone)`);
    }

    say();
    say('5. the secret after');
    if (await printVersions(sm, secret.ARN!)) {
      say('   AWSPENDING,AWSCURRENT on one version is a finished rotation: AWS\'s RotateSecret reference allows AWSPENDING to stay on the version that became AWSCURRENT (or on none), and the next rotation moves it');
    }
    if (jfrog) {
      const live = jfrog.liveApiTokens(username).map((t) => t.id);
      say();
      say(`   JFrog accepts ${live.length} of the ${minted.length} tokens minted: ${live.map(short).join(', ')} (AWSCURRENT${live.length > 1 ? ' and AWSPREVIOUS' : ', after the leak action'}); the rest were revoked`);
    } else {
      say();
      say('6. cleaning up: revoking the tokens this dry run minted at the real JFrog');
      const client = new JfrogClient(new URL(jfrogUrl), { remainingMs: () => 60_000 });
      for (const id of minted) {
        const outcome = await client.revoke({ kind: 'bearer', token: adminToken!, source: 'the admin token' }, id);
        say(`   ${short(id)}: ${outcome}`);
      }
    }
    say();
    say(`dry run complete: mint, verify, promote and revoke all worked against ${target}`);
  } catch (e) {
    exitCode = 1;
    say(`dry run failed against ${target}: ${e instanceof DemoFailed ? 'see the step marked ✗ above' : (e as Error).message}`);
  } finally {
    sm.destroy();
    ssm.destroy();
    events.destroy();
    sqs.destroy();
    await moto.stop();
    await jfrog?.stop();
  }
  process.exitCode = exitCode;
}

class DemoFailed extends Error {}

/** what the demo of the deployment's wait works with */
interface WaitDemo {
  readonly sm: SecretsManagerClient;
  readonly jfrog: JfrogEmulator;
  readonly handlerPath: string;
  readonly env: Record<string, string>;
  readonly secretArn: string;
  readonly credentialsArn: string;
  readonly adminToken: string;
  readonly iamRole: boolean;
  readonly say: (line?: string) => void;
}

/**
 * the deployment's wait for the first rotation (waitForFirstRotation), as aws-cdk's provider
 * framework runs it: first with a credential that fails (a wrong admin token, or a role nobody
 * mapped yet), then fixed. returns the id of the token the first rotation minted
 */
async function firstRotationWait(o: WaitDemo): Promise<string> {
  const { sm, jfrog, say } = o;
  const waitEvent = (startedAt: number) => ({
    RequestType: 'Create',
    ResourceType: 'Custom::JfrogTokenFirstRotation',
    ResourceProperties: { Secrets: [o.secretArn] },
    JfrogWaitStartedAt: startedAt,
  });
  say('3b. the first deployment waits for the first rotation (waitForFirstRotation: RotateSecret only starts it)');
  if (o.iamRole) {
    jfrog.iamRoleMappings.delete(ROLE);
    say('   deploying before the role is mapped (awsIamRole(): deploy, map, then deploy again with the wait)');
  } else {
    await sm.send(new PutSecretValueCommand({ SecretId: o.credentialsArn, SecretString: JSON.stringify({ token: 'not-the-admin-token' }) }));
    say('   deploying with a wrong admin token in jfrog/admin-token');
  }
  const first = randomUUID();
  await sm.send(new RotateSecretCommand({ SecretId: o.secretArn, ClientRequestToken: first, RotateImmediately: true }));
  const attempt = await invokeHandler(o.handlerPath, { Step: 'createSecret', SecretId: o.secretArn, ClientRequestToken: first }, o.env);
  say(`   ✗ Secrets Manager's first rotation: createSecret failed (${attempt.errorType})`);
  // a minute later the wait runs the staged rotation itself, and fails with the step's own error
  const failed = await invokeHandler(o.handlerPath, waitEvent(Date.now() - WAIT_GRACE_MS - 1_000), o.env);
  if (failed.ok) throw new Error('the wait succeeded with a credential that cannot mint');
  say(`   ✗ the deployment fails: ${failed.errorMessage}`);
  if (o.iamRole) {
    jfrog.iamRoleMappings.set(ROLE, 'rotator');
    say('   the admin maps the role (PUT /access/api/v1/aws/iam_role), then deploys again');
  } else {
    await sm.send(new PutSecretValueCommand({ SecretId: o.credentialsArn, SecretString: JSON.stringify({ token: o.adminToken }) }));
    say('   the admin puts the right token into jfrog/admin-token, then deploys again');
  }
  const done = await invokeHandler(o.handlerPath, waitEvent(Date.now() - WAIT_GRACE_MS - 1_000), o.env);
  const current = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: o.secretArn, VersionStage: 'AWSCURRENT' }))).SecretString ?? '{}');
  if (!done.ok || (done.value as { IsComplete?: boolean })?.IsComplete !== true || !current.tokenId) {
    say(`   ✗ the deployment fails again: ${done.errorMessage ?? 'the wait is not complete'}`);
    throw new DemoFailed();
  }
  say(`   ✓ the deployment succeeds: the wait reran the staged rotation, AWSCURRENT holds token ${short(current.tokenId)}, which JFrog accepted before its promotion`);
  return current.tokenId;
}

function short(id: string | undefined): string {
  return id ? `${id.slice(0, 8)}…` : '-';
}

function describe(line: Record<string, any>): string {
  switch (line.result) {
    case 'minted': return `minted token ${short(line.tokenId)}, expires ${line.expiresAt}`;
    case 'nothing-to-set': return 'nothing to change at JFrog';
    case 'verified': return `JFrog accepts ${short(line.tokenId)} (/access/api/v1/tokens/me)`;
    case 'promoted': return `AWSCURRENT → ${short(line.tokenId)}${line.revokedTokenId ? `, revoked ${short(line.revokedTokenId)}` : ''}`;
    default: return String(line.result);
  }
}

/** prints the secret's versions; says whether one of them carries both AWSPENDING and AWSCURRENT */
async function printVersions(sm: SecretsManagerClient, arn: string): Promise<boolean> {
  const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }));
  const rows = (versions.Versions ?? []).sort((a, b) => (a.CreatedDate?.getTime() ?? 0) - (b.CreatedDate?.getTime() ?? 0));
  console.log(`   ${'version'.padEnd(11)} ${'labels'.padEnd(26)} ${'tokenId'.padEnd(11)} expiresAt`);
  for (const v of rows) {
    const value = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: v.VersionId }));
    const json = JSON.parse(value.SecretString ?? '{}');
    const labels = (v.VersionStages ?? []).join(',') || '(none)';
    console.log(`   ${short(v.VersionId).padEnd(11)} ${labels.padEnd(26)} ${short(json.tokenId).padEnd(11)} ${json.expiresAt ?? '-'}`);
  }
  return rows.some((v) => v.VersionStages?.includes('AWSPENDING') && v.VersionStages.includes('AWSCURRENT'));
}

main().catch((e) => {
  if (e instanceof UsageError) {
    console.error(`npm run demo: ${e.message}\n(npm run demo -- --help lists the options)`);
    process.exitCode = 2;
    return;
  }
  console.error(`dry run failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
