import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseAllDocuments } from 'yaml';
import { settingsOf } from './support/stack';
import { CodeBuildRecipe } from '../examples/recipes/codebuild';
import { EcsRegistryPullRecipe } from '../examples/recipes/ecs-registry-pull';
import { CLUSTER_OIDC_ISSUER, ExternalSecretsRecipe } from '../examples/recipes/external-secrets';
import { GitHubActionsOidcRecipe } from '../examples/recipes/github-actions-oidc';

// the README's recipes (examples/recipes/) synthesize, and give each consumer what it reads and
// no more; the README shows each recipe's code as the file has it

const recipes = path.join(__dirname, '..', 'examples', 'recipes');
const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const env = { account: '123456789012', region: 'eu-west-1' };

/** the one secret the rotation of a recipe created, by its logical id */
function rotatedSecretId(template: Template): string {
  const secrets = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
  expect(secrets).toHaveLength(1);
  return secrets[0];
}

/** every statement of the policies attached to a role */
function statementsOf(template: Template, roleId: string): any[] {
  return Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function roleIdOf(template: Template, stack: Stack, role: { node: { defaultChild?: unknown } }): string {
  const id = stack.getLogicalId(role.node.defaultChild as any);
  expect(template.findResources('AWS::IAM::Role')[id]).toBeDefined();
  return id;
}

describe('ECS pulls from JFrog\'s Docker registry', () => {
  const stack = new EcsRegistryPullRecipe(new App(), 'Ecs', { env });
  const template = Template.fromStack(stack);
  const secret = rotatedSecretId(template);

  test('the container\'s repository credentials are the rotated secret, which holds {username, password}', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({
        Image: 'acme.jfrog.io/docker-local/app:1.4.2',
        RepositoryCredentials: { CredentialsParameter: { Ref: secret } },
      })],
    });
    // ECS reads "username" and "password": the rotation writes the token to password, and the
    // secret starts with the username
    expect(settingsOf(template).tokenField).toBe('password');
    template.hasResourceProperties('AWS::SecretsManager::Secret', { SecretString: '{"username":"ci-bot"}' });
  });

  test('the task\'s execution role (which pulls) may read the secret, and nothing else', () => {
    const roleId = roleIdOf(template, stack, stack.taskDefinition.executionRole as any);
    expect(statementsOf(template, roleId)).toEqual([
      { Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: { Ref: secret } },
    ]);
  });
});

describe('CodeBuild reads the token as a SECRETS_MANAGER environment variable', () => {
  const stack = new CodeBuildRecipe(new App(), 'Build', { env });
  const template = Template.fromStack(stack);
  const secret = rotatedSecretId(template);

  test('the variable names the secret and its JSON key, "<arn>:token"', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({
        EnvironmentVariables: [{ Name: 'JFROG_TOKEN', Type: 'SECRETS_MANAGER', Value: { 'Fn::Join': ['', [{ Ref: secret }, ':token']] } }],
      }),
    });
  });

  test('the project\'s role may read the secret without grantRead: CodeBuild\'s own grant, GetSecretValue alone', () => {
    const roleId = roleIdOf(template, stack, stack.project.role as any);
    const onSecret = statementsOf(template, roleId).filter((s) => JSON.stringify(s.Resource).includes(secret));
    expect(onSecret).toEqual([{ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: secret } }]);
  });
});

describe('GitHub Actions assumes a role by OIDC', () => {
  const stack = new GitHubActionsOidcRecipe(new App(), 'GitHub', { env });
  const template = Template.fromStack(stack);
  const secret = rotatedSecretId(template);
  const roleId = roleIdOf(template, stack, stack.role);

  test('only workflows of one repository and branch, with GitHub\'s audience, may assume the role', () => {
    const role = template.findResources('AWS::IAM::Role')[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRoleWithWebIdentity',
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/app:ref:refs/heads/main' },
      },
    }]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('the role may read the token\'s secret, and do nothing else', () => {
    expect(statementsOf(template, roleId)).toEqual([
      { Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: { Ref: secret } },
    ]);
  });

  test('the workflow finds the secret under a fixed output key', () => {
    template.hasOutput('WorkflowTokenSecretArn', { Value: { Ref: secret } });
  });
});

describe('Kubernetes reads the token through the External Secrets Operator', () => {
  const stack = new ExternalSecretsRecipe(new App(), 'Eso', { env });
  const template = Template.fromStack(stack);
  const secret = rotatedSecretId(template);
  const roleId = roleIdOf(template, stack, stack.role);
  const manifests = parseAllDocuments(fs.readFileSync(path.join(recipes, 'external-secrets.yaml'), 'utf8')).map((d) => d.toJS());
  const kind = (k: string) => {
    const found = manifests.filter((m) => m.kind === k);
    expect(found).toHaveLength(1);
    return found[0];
  };

  test('the manifests parse: a service account, a SecretStore and an ExternalSecret of external-secrets.io/v1, in one namespace', () => {
    expect(manifests.map((m) => [m.apiVersion, m.kind])).toEqual([
      ['v1', 'ServiceAccount'], ['external-secrets.io/v1', 'SecretStore'], ['external-secrets.io/v1', 'ExternalSecret'],
    ]);
    expect(new Set(manifests.map((m) => m.metadata.namespace)).size).toBe(1);
  });

  test('the service account carries the recipe\'s role, which trusts exactly that service account of the cluster', () => {
    const account = kind('ServiceAccount');
    const role = template.findResources('AWS::IAM::Role')[roleId];
    expect(account.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(`arn:aws:iam::${env.account}:role/${role.Properties.RoleName}`);
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRoleWithWebIdentity',
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::${env.account}:oidc-provider/${CLUSTER_OIDC_ISSUER}` },
      Condition: {
        StringEquals: {
          [`${CLUSTER_OIDC_ISSUER}:aud`]: 'sts.amazonaws.com',
          [`${CLUSTER_OIDC_ISSUER}:sub`]: `system:serviceaccount:${account.metadata.namespace}:${account.metadata.name}`,
        },
      },
    }]);
  });

  test('the SecretStore reads Secrets Manager in the stack\'s region as that service account', () => {
    const store = kind('SecretStore');
    expect(store.spec.provider.aws).toEqual({
      service: 'SecretsManager',
      region: env.region,
      auth: { jwt: { serviceAccountRef: { name: kind('ServiceAccount').metadata.name } } },
    });
  });

  test('the ExternalSecret reads the rotated secret\'s username and password (tokenField), through that store', () => {
    const external = kind('ExternalSecret');
    expect(external.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: kind('SecretStore').metadata.name });
    const secretName = template.findResources('AWS::SecretsManager::Secret')[secret].Properties.Name;
    expect(external.spec.data.map((d: any) => d.remoteRef)).toEqual([
      { key: secretName, property: 'username' },
      { key: secretName, property: settingsOf(template).tokenField },
    ]);
    expect(external.spec.target.template.type).toBe('kubernetes.io/dockerconfigjson');
  });

  test('the role may read the token\'s secret, and do nothing else', () => {
    expect(statementsOf(template, roleId)).toEqual([
      { Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: { Ref: secret } },
    ]);
  });
});

describe('the README shows each recipe as its file has it', () => {
  /** the lines between `// #region readme` and `// #endregion readme`, de-indented */
  const region = (file: string) => {
    const source = fs.readFileSync(path.join(recipes, file), 'utf8');
    const match = /^( *)\/\/ #region readme\n([\s\S]*?)^ *\/\/ #endregion readme$/m.exec(source);
    expect(match).not.toBeNull();
    return match![2].split('\n').map((line) => line.startsWith(match![1]) ? line.slice(match![1].length) : line).join('\n').trimEnd();
  };
  const codeBlocks = [...readme.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], text: m[2].trimEnd() }));

  test.each(['ecs-registry-pull.ts', 'codebuild.ts', 'github-actions-oidc.ts', 'external-secrets.ts'])('%s', (file) => {
    expect(codeBlocks.filter((b) => b.lang === 'ts').map((b) => b.text)).toContainEqual(region(file));
  });

  test('external-secrets.yaml', () => {
    const manifests = fs.readFileSync(path.join(recipes, 'external-secrets.yaml'), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n').trimEnd();
    expect(codeBlocks.filter((b) => b.lang === 'yaml').map((b) => b.text)).toContainEqual(manifests);
  });
});
