// recipe (README "Recipes"): a GitHub Actions workflow assumes a role by OIDC and reads the token
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../../src'; // a project of yours imports 'cdk-jfrog-token-rotation'

export class GitHubActionsOidcRecipe extends Stack {
  public readonly rotation: JfrogTokenRotation;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const adminToken = secretsmanager.Secret.fromSecretNameV2(this, 'JfrogAdminToken', 'jfrog/admin-token');

    // #region readme
    const workflowToken = new JfrogTokenRotation(this, 'WorkflowToken', {
      jfrogUrl: 'https://acme.jfrog.io',
      username: 'ci-bot',
      scope: JfrogTokenScope.groups('readers'),
      credentials: JfrogCredentials.adminToken(adminToken),
      outputName: 'WorkflowToken',
    });

    // GitHub's OIDC provider, created once per account (iam.OpenIdConnectProvider)
    const github = iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(this, 'GitHub',
      `arn:aws:iam::${this.account}:oidc-provider/token.actions.githubusercontent.com`);
    const role = new iam.Role(this, 'WorkflowRole', {
      // only workflows of acme/app on main may assume it
      assumedBy: new iam.WebIdentityPrincipal(github.openIdConnectProviderArn, {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/app:ref:refs/heads/main' },
      }),
      maxSessionDuration: Duration.hours(1),
    });
    workflowToken.grantRead(role);
    // #endregion readme

    this.rotation = workflowToken;
    this.role = role;
  }
}
