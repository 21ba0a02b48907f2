// the README's example: a CI bot's JFrog token, rotated every 30 days, readable by CodeBuild
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../../src'; // a project of yours imports 'cdk-jfrog-token-rotation'

export class JfrogTokenRotationExample extends Stack {
  public readonly rotation: JfrogTokenRotation;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // an admin token a JFrog administrator put into Secrets Manager once
    const adminToken = secretsmanager.Secret.fromSecretNameV2(this, 'JfrogAdminToken', 'jfrog/admin-token');

    this.rotation = new JfrogTokenRotation(this, 'ArtifactoryToken', {
      jfrogUrl: 'https://acme.jfrog.io',
      username: 'ci-bot',
      scope: JfrogTokenScope.groups('readers'),
      interval: Duration.days(30),
      credentials: JfrogCredentials.adminToken(adminToken),
    });

    // the CI system that reads the current token
    const ciRole = new iam.Role(this, 'CodeBuildRole', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
    });
    this.rotation.grantRead(ciRole);
  }
}
