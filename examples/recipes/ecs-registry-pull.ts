// recipe (README "Recipes"): ECS pulls images from JFrog's Docker registry with the rotated token
import { Stack, StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../../src'; // a project of yours imports 'cdk-jfrog-token-rotation'

export class EcsRegistryPullRecipe extends Stack {
  public readonly rotation: JfrogTokenRotation;
  public readonly taskDefinition: ecs.FargateTaskDefinition;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const adminToken = secretsmanager.Secret.fromSecretNameV2(this, 'JfrogAdminToken', 'jfrog/admin-token');

    // #region readme
    // the secret holds {"username": "ci-bot", "password": "<token>", ...}: the shape ECS reads
    const pullToken = new JfrogTokenRotation(this, 'DockerPullToken', {
      jfrogUrl: 'https://acme.jfrog.io',
      username: 'ci-bot',
      scope: JfrogTokenScope.groups('docker-readers'),
      credentials: JfrogCredentials.adminToken(adminToken),
      tokenField: 'password',
      secretName: 'ci/jfrog-docker-pull',
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'App');
    taskDefinition.addContainer('app', {
      // ECS reads the secret when it pulls, and CDK lets the task's execution role read it
      image: ecs.ContainerImage.fromRegistry('acme.jfrog.io/docker-local/app:1.4.2', {
        credentials: pullToken.secret,
      }),
      memoryLimitMiB: 512,
    });
    // #endregion readme

    this.rotation = pullToken;
    this.taskDefinition = taskDefinition;
  }
}
