// recipe (README "Recipes"): a CodeBuild project gets the current token as an environment variable
import { Stack, StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../../src'; // a project of yours imports 'cdk-jfrog-token-rotation'

export class CodeBuildRecipe extends Stack {
  public readonly rotation: JfrogTokenRotation;
  public readonly project: codebuild.Project;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const adminToken = secretsmanager.Secret.fromSecretNameV2(this, 'JfrogAdminToken', 'jfrog/admin-token');

    // #region readme
    const buildToken = new JfrogTokenRotation(this, 'BuildToken', {
      jfrogUrl: 'https://acme.jfrog.io',
      username: 'ci-bot',
      scope: JfrogTokenScope.groups('readers'),
      credentials: JfrogCredentials.adminToken(adminToken),
      secretName: 'ci/jfrog-build',
    });

    const project = new codebuild.Project(this, 'Build', {
      environmentVariables: {
        // "<secret>:<JSON key>": CodeBuild reads AWSCURRENT when each build starts, and CDK
        // lets the project's role read the secret (no grantRead needed)
        JFROG_TOKEN: {
          type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER,
          value: `${buildToken.secret.secretArn}:token`,
        },
      },
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        phases: {
          build: {
            commands: ['curl -fsS -H "Authorization: Bearer $JFROG_TOKEN" -O https://acme.jfrog.io/artifactory/generic-local/app/1.4.2/app.tgz'],
          },
        },
      }),
    });
    // #endregion readme

    this.rotation = buildToken;
    this.project = project;
  }
}
