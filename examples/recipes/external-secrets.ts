// recipe (README "Recipes"): Kubernetes reads the token through the External Secrets Operator
// (ESO), whose SecretStore authenticates as the service account apps/jfrog-token-reader with the IAM role
// below (IAM roles for service accounts); the manifests ESO reads are external-secrets.yaml
import { Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../../src'; // a project of yours imports 'cdk-jfrog-token-rotation'

/** the cluster's OIDC issuer, without https:// (aws eks describe-cluster --query cluster.identity.oidc.issuer) */
export const CLUSTER_OIDC_ISSUER = 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';

export class ExternalSecretsRecipe extends Stack {
  public readonly rotation: JfrogTokenRotation;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const adminToken = secretsmanager.Secret.fromSecretNameV2(this, 'JfrogAdminToken', 'jfrog/admin-token');

    // #region readme
    const clusterToken = new JfrogTokenRotation(this, 'ClusterToken', {
      jfrogUrl: 'https://acme.jfrog.io',
      username: 'k8s-puller',
      scope: JfrogTokenScope.groups('docker-readers'),
      credentials: JfrogCredentials.adminToken(adminToken),
      tokenField: 'password',
      secretName: 'k8s/jfrog-token',
    });

    // the role ESO's SecretStore assumes with the token of its service account
    const cluster = iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(this, 'Cluster',
      `arn:aws:iam::${this.account}:oidc-provider/${CLUSTER_OIDC_ISSUER}`);
    const role = new iam.Role(this, 'ExternalSecretsRole', {
      roleName: 'external-secrets-jfrog-token',
      assumedBy: new iam.WebIdentityPrincipal(cluster.openIdConnectProviderArn, {
        StringEquals: {
          [`${CLUSTER_OIDC_ISSUER}:aud`]: 'sts.amazonaws.com',
          [`${CLUSTER_OIDC_ISSUER}:sub`]: 'system:serviceaccount:apps:jfrog-token-reader',
        },
      }),
    });
    clusterToken.grantRead(role);
    // #endregion readme

    this.rotation = clusterToken;
    this.role = role;
  }
}
