#!/usr/bin/env python3
"""The README's example in Python: a CI bot's JFrog token, rotated every 30 days, readable by
CodeBuild. Kept in step with examples/typescript/stack.ts (a test compares the two).

    pip install aws-cdk-lib constructs cdk-jfrog-token-rotation
    cdk synth --app "python3 app.py"
"""
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cdk_jfrog_token_rotation import (
    JfrogCredentials,
    JfrogTokenRotation,
    JfrogTokenScope,
)


class JfrogTokenRotationExample(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)

        # an admin token a JFrog administrator put into Secrets Manager once
        admin_token = secretsmanager.Secret.from_secret_name_v2(
            self, "JfrogAdminToken", "jfrog/admin-token"
        )

        self.rotation = JfrogTokenRotation(
            self,
            "ArtifactoryToken",
            jfrog_url="https://acme.jfrog.io",
            username="ci-bot",
            scope=JfrogTokenScope.groups("readers"),
            interval=Duration.days(30),
            credentials=JfrogCredentials.admin_token(admin_token),
        )

        # the CI system that reads the current token
        ci_role = iam.Role(
            self,
            "CodeBuildRole",
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
        )
        self.rotation.grant_read(ci_role)


app = App()
JfrogTokenRotationExample(
    app,
    "JfrogTokenRotationExample",
    env=Environment(account="123456789012", region="eu-west-1"),
)
app.synth()
