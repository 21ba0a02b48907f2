// the README's example: a CI bot's JFrog token, rotated every 30 days, readable by CodeBuild
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../../src';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? path.join(__dirname, 'cdk.out') });
const stack = new Stack(app, 'JfrogTokenRotationExample', {
  env: { account: '123456789012', region: 'eu-west-1' },
});

// an admin token a JFrog administrator put into Secrets Manager once
const adminToken = secretsmanager.Secret.fromSecretNameV2(stack, 'JfrogAdminToken', 'jfrog/admin-token');

const rotation = new JfrogTokenRotation(stack, 'ArtifactoryToken', {
  jfrogUrl: 'https://acme.jfrog.io',
  username: 'ci-bot',
  scope: JfrogTokenScope.groups('readers'),
  interval: Duration.days(30),
  credentials: JfrogCredentials.adminToken(adminToken),
});

// the CI system that reads the current token
const ciRole = new iam.Role(stack, 'CodeBuildRole', {
  assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
});
rotation.grantRead(ciRole);

const assembly = app.synth();
const template = path.join(assembly.directory, stack.templateFile);
console.log(`synthesized ${stack.stackName}: ${template}`);
