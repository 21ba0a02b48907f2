"""moto's server, with Secrets Manager's rotation corners made to behave as the real service does.

Run as `python3 moto_server.py -H 127.0.0.1 -p PORT` (the same arguments as `python3 -m moto.server`).

moto 5 gets three things wrong that the rotation tests depend on, so they are patched here:
- RotateSecret: the real service stages a new version with AWSPENDING and no value, then invokes
  the rotation function; it refuses to start while AWSPENDING sits on a version that is not
  AWSCURRENT. moto invokes functions only through its Docker-based Lambda and, without one,
  labels the value-less version AWSCURRENT. Here RotateSecret stages the version and stops: the
  test harness then invokes the bundled handler step by step, as Secrets Manager would.
- UpdateSecretVersionStage: moving AWSCURRENT does not move moto's notion of the current
  version, so a later PutSecretValue leaves two versions labelled AWSCURRENT.
- DescribeSecret: the real service lists only versions that carry a staging label.
"""
import os
import sys
import threading
import time
import uuid

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import InvalidRequestException, SecretNotFoundException

Backend = models.SecretsManagerBackend


def rotate_secret(self, secret_id, client_request_token=None, rotation_lambda_arn=None,
                  rotation_rules=None, rotate_immediately=True):
    if not self._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = self.secrets[secret_id]
    if rotation_lambda_arn:
        secret.rotation_lambda_arn = rotation_lambda_arn
    if rotation_rules and "AutomaticallyAfterDays" in rotation_rules:
        secret.auto_rotate_after_days = rotation_rules["AutomaticallyAfterDays"]
        secret.next_rotation_date = int(time.time()) + int(rotation_rules["AutomaticallyAfterDays"]) * 86400
    if not secret.rotation_lambda_arn:
        raise InvalidRequestException("No Lambda rotation function ARN is associated with this secret.")
    secret.rotation_requested = True
    secret.rotation_enabled = True
    if rotate_immediately:
        for version_id, version in secret.versions.items():
            stages = version["version_stages"]
            if "AWSPENDING" in stages and "AWSCURRENT" not in stages and version_id != client_request_token:
                raise InvalidRequestException(
                    "A previous rotation isn't complete. That rotation will be reattempted.")
        version_id = client_request_token or str(uuid.uuid4())
        if version_id not in secret.versions:
            secret.remove_version_stages_from_old_versions(["AWSPENDING"])
            secret.versions[version_id] = {
                "createdate": int(time.time()),
                "version_id": version_id,
                "version_stages": ["AWSPENDING"],
            }
        secret.last_rotation_date = int(time.time())
    return secret.to_short_dict()


original_update_stage = Backend.update_secret_version_stage


def update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id):
    result = original_update_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
    if version_stage == "AWSCURRENT" and move_to_version_id:
        self.secrets[secret_id].default_version_id = move_to_version_id
    return result


def form_version_ids_to_stages(self):
    return {k: v["version_stages"] for k, v in self.versions.items() if v["version_stages"]}


Backend.rotate_secret = rotate_secret
Backend.update_secret_version_stage = update_secret_version_stage
models.FakeSecret._form_version_ids_to_stages = form_version_ids_to_stages

def exit_with_parent():
    # a server shared across test runs (MOTO_SHARED_FILE) must not outlive the run that started it
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


if __name__ == "__main__":
    from moto.server import main

    threading.Thread(target=exit_with_parent, daemon=True).start()
    sys.exit(main(sys.argv[1:]))
