// integration test: deploys the construct, lets the deployment rotate once, rotates again, and
// checks the staging labels. `npm test` verifies its snapshot; `npx projen integ:deploy` runs
// it for real, given an AWS account, a JFrog and an admin token in Secrets Manager:
//   -c jfrogUrl=https://acme.jfrog.io -c jfrogUser=integ-bot -c adminTokenSecretName=jfrog/admin-token
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../src';

const app = new App();
const stack = new Stack(app, 'JfrogTokenRotationInteg');
const context = (key: string, fallback: string): string => app.node.tryGetContext(key) ?? fallback;

const adminToken = secretsmanager.Secret.fromSecretNameV2(stack, 'AdminToken', context('adminTokenSecretName', 'jfrog/integ-admin-token'));
const rotation = new JfrogTokenRotation(stack, 'Token', {
  jfrogUrl: context('jfrogUrl', 'https://acme.jfrog.io'),
  username: context('jfrogUser', 'integ-bot'),
  scope: JfrogTokenScope.user(),
  credentials: JfrogCredentials.adminToken(adminToken),
  interval: Duration.days(1),
  tokenLifetime: Duration.days(3),
});

// diffAssets: the snapshot holds the bundled handler, so a handler change without `integ:update` fails `npm test`
const integ = new IntegTest(app, 'Rotation', { testCases: [stack], diffAssets: true });

// the deployment rotated once (rotateImmediatelyOnUpdate); rotate a second time...
const rotate = integ.assertions.awsApiCall('SecretsManager', 'rotateSecret', { SecretId: rotation.secret.secretArn });
// ...and wait until the second rotation finished: a version holds AWSPREVIOUS, one AWSCURRENT, and none is left pending alone
const versions = integ.assertions.awsApiCall('SecretsManager', 'listSecretVersionIds', { SecretId: rotation.secret.secretArn })
  .expect(ExpectedResult.objectLike({
    Versions: Match.arrayWith([
      Match.objectLike({ VersionStages: Match.arrayWith(['AWSCURRENT']) }),
      Match.objectLike({ VersionStages: ['AWSPREVIOUS'] }),
    ]),
  }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });
rotate.next(versions);

// the health check vouches for the new token (an error would come back as the payload)
integ.assertions.invokeFunction({
  functionName: rotation.rotationFunction.functionName,
  payload: JSON.stringify({ jfrogTokenRotationHealthCheck: { secretId: rotation.secret.secretArn } }),
}).expect(ExpectedResult.objectLike({ StatusCode: 200, Payload: 'null' }));
