import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Corrections to the pinned ministack release, applied to its installed files by the harness
 * (process mode) so that IAM is evaluated as AWS documents it. Each says what ministack does,
 * what AWS does, and where AWS says so; each is also an upstream report. A patch whose anchor
 * is gone (another release) fails the install loudly instead of being skipped.
 */
export interface MinistackPatch {
  id: string;
  /** Relative to the installed `ministack` package. */
  file: string;
  anchor: string;
  replacement: string;
  why: string;
}

export const MINISTACK_PATCHES: MinistackPatch[] = [
  {
    id: 'ecs-runtask-resource',
    file: 'core/iam_actions.py',
    why:
      'ecs:RunTask and ecs:StartTask are authorized on the task definition ARN, with the cluster ' +
      'in the ecs:cluster condition key (Service Authorization Reference, "Actions, resources, and ' +
      'condition keys for Amazon ECS"); ministack 1.5.33 checks them against the cluster ARN, so a ' +
      'least-privilege role (RunTask on the task definition, ArnEquals ecs:cluster) is denied.',
    anchor: `    if service == "ecs":
        cluster = _safe_json_field(body, "cluster")
        if cluster:`,
    replacement: `    if service == "ecs":
        _target = headers.get("x-amz-target", "")
        _task_def = _safe_json_field(body, "taskDefinition")
        if _task_def and _target.endswith((".RunTask", ".StartTask")):
            if _task_def.startswith("arn:"):
                return _task_def
            return f"arn:aws:ecs:{region}:{account_id}:task-definition/{_task_def}"
        cluster = _safe_json_field(body, "cluster")
        if cluster:`,
  },
  {
    id: 'ecs-cluster-condition-key',
    file: 'app.py',
    why:
      'The ecs:cluster condition key (the cluster ARN; "default" when the request names none) is ' +
      'set for ECS task actions on AWS; ministack 1.5.33 sets no ECS condition keys, so a ' +
      'condition on it never matches.',
    anchor: `                else None
            )
            if service == "logs":`,
    replacement: `                else None
            )
            if service == "ecs":
                _cluster = ""
                try:
                    _cluster = (json.loads(body or b"{}") or {}).get("cluster") or "default"
                except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
                    pass
                if _cluster and not _cluster.startswith("arn:"):
                    _cluster = f"arn:aws:ecs:{region}:{get_account_id()}:cluster/{_cluster}"
                if _cluster:
                    service_context = {"ecs:cluster": _cluster}
            if service == "logs":`,
  },
  {
    id: 'ecr-describe-repositories-resource',
    file: 'core/iam_actions.py',
    why:
      'ecr:DescribeRepositories names its repositories in `repositoryNames` and is authorized on ' +
      'those repositories (Service Authorization Reference for Amazon ECR); ministack 1.5.33 reads ' +
      'only `repositoryName`, checks "*", and so denies the CDK bootstrap image-publishing role, ' +
      'whose grant names the assets repository: `cdk deploy` of a stack with a Docker image asset fails.',
    anchor: `    if service == "ecr":
        name = _safe_json_field(body, "repositoryName")
        if name:`,
    replacement: `    if service == "ecr":
        name = _safe_json_field(body, "repositoryName")
        if not name:
            try:
                _names = (json.loads(body or b"{}") or {}).get("repositoryNames") or []
            except (ValueError, UnicodeDecodeError, AttributeError):
                _names = []
            if len(_names) == 1 and isinstance(_names[0], str):
                name = _names[0]
        if name:`,
  },
  {
    id: 'ecs-task-role-credentials',
    file: 'services/ecs.py',
    why:
      'A Fargate task calls AWS with session credentials of its task role, in AWS_REGION / ' +
      'AWS_DEFAULT_REGION (Amazon ECS Developer Guide, "Task IAM role" and "Fargate task ' +
      'environment variables"). ministack 1.5.33 serves fixed credentials of a role of its own at ' +
      'AWS_CONTAINER_CREDENTIALS_FULL_URI, over plain HTTP to a non-loopback host (the AWS SDKs ' +
      'refuse such a URI), and sets no region: under AUTH a task either cannot sign or is never ' +
      'checked against its task role. Corrected as ministack does for Lambda: a session of the task ' +
      'role, in the environment. MINISTACK_ECS_TASK_ENDPOINT_URL, when set, is the AWS_ENDPOINT_URL ' +
      'tasks get (an IP: S3 clients then address buckets by path).',
    anchor: `    env["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"`,
    replacement: `    env["AWS_ENDPOINT_URL"] = os.environ.get("MINISTACK_ECS_TASK_ENDPOINT_URL") or f"http://{host}:{port}"
    env.setdefault("AWS_REGION", get_region())
    env.setdefault("AWS_DEFAULT_REGION", get_region())
    from ministack import app as _app
    _role_arn = td.get("taskRoleArn") or ""
    if _app.AUTH and _role_arn and "AWS_ACCESS_KEY_ID" not in env:
        import hashlib as _hashlib
        from ministack.services import sts as _sts
        _digest = _hashlib.sha256(f"{task_arn}:{_role_arn}".encode()).hexdigest()
        _access_key = f"ASIA{_digest[:16].upper()}"
        _secret = _hashlib.sha256(f"secret:{_digest}".encode()).hexdigest()
        _token = _hashlib.sha256(f"token:{_digest}".encode()).hexdigest()
        _session_name = task_arn.rsplit("/", 1)[-1][:64]
        _sts.register_session(_access_key, {
            "Arn": f"arn:aws:sts::{get_account_id()}:assumed-role/{_role_arn.rsplit('/', 1)[-1]}/{_session_name}",
            "UserId": f"{_role_arn.rsplit('/', 1)[-1]}:{_session_name}",
            "SecretAccessKey": _secret,
            "SessionToken": _token,
        })
        env["AWS_ACCESS_KEY_ID"] = _access_key
        env["AWS_SECRET_ACCESS_KEY"] = _secret
        env["AWS_SESSION_TOKEN"] = _token`,
  },
  {
    id: 'sfn-ecs-run-task-sync-output',
    file: 'services/stepfunctions.py',
    why:
      "A Step Functions `ecs:runTask.sync` state returns the stopped task (DescribeTasks' task, its keys " +
      "in PascalCase: `Containers[0].ExitCode`), and fails with States.TaskFailed, the task's description " +
      'as the cause, when its container did not exit 0 (Step Functions Developer Guide, "Run Amazon ECS ' +
      'or Fargate tasks with Step Functions"). ministack 1.5.33 returns the whole DescribeTasks answer in ' +
      'camelCase and never fails the state, so a definition written for AWS reads no exit code.',
    anchor: `        result = _poll_ecs_tasks(cluster, task_arns)

    return result`,
    replacement: `        result = _poll_ecs_tasks(cluster, task_arns)

        def _pascal(d):
            if isinstance(d, list):
                return [_pascal(v) for v in d]
            if not isinstance(d, dict):
                return d
            return {(k[0].upper() + k[1:] if k else k): _pascal(v) for k, v in d.items()}

        _task = _pascal((result.get("tasks") or [{}])[0])
        if any(c.get("ExitCode") != 0 for c in _task.get("Containers") or [{}]):
            raise _ExecutionError("States.TaskFailed", json.dumps(_task))
        return _task

    return result`,
  },
  {
    id: 's3-missing-key-403-without-list',
    file: 'app.py',
    why:
      'S3 answers GetObject / HeadObject of a missing key with 404 only to a caller allowed ' +
      's3:ListBucket on the bucket, and with 403 AccessDenied otherwise (GetObject API reference, ' +
      '"Permissions"); ministack 1.5.33 answers 404 to everyone. Checked as a listing of the key ' +
      'as prefix, as the harness proxy does for the callers whose secret it knows; this covers the ' +
      'session credentials ministack mints for functions and tasks, which the proxy cannot sign for.',
    anchor: `        status, resp_headers, resp_body = await handler(method, path, headers, body, query_params)`,
    replacement: `        status, resp_headers, resp_body = await handler(method, path, headers, body, query_params)
        if AUTH and service == "s3" and status == 404 and method in ("GET", "HEAD"):
            _bucket, _, _key = path.lstrip("/").partition("/")
            if _bucket and _key and (method == "HEAD" or b"<Code>NoSuchKey</Code>" in (resp_body or b"")):
                _denied = _enforce_data_plane(
                    "s3", "s3:ListBucket", headers, query_params, "", resource_arn=f"arn:aws:s3:::{_bucket}",
                    service_context={"s3:prefix": unquote(_key)},
                )
                if _denied:
                    status = 403
                    resp_headers = {"Content-Type": "application/xml"}
                    resp_body = b"" if method == "HEAD" else (
                        b'<?xml version="1.0" encoding="UTF-8"?>\\n'
                        b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
                    )`,
  },
];

/** A fingerprint of the patch set, so a changed patch reinstalls the virtualenv. */
export function patchesFingerprint(patches: MinistackPatch[] = MINISTACK_PATCHES): string {
  return createHash('sha256').update(JSON.stringify(patches)).digest('hex').slice(0, 12);
}

/** Applies every patch to the installed package folder; throws when an anchor is not found once. */
export function applyMinistackPatches(packageDir: string, patches: MinistackPatch[] = MINISTACK_PATCHES): void {
  for (const p of patches) {
    const path = join(packageDir, p.file);
    const text = readFileSync(path, 'utf8');
    const at = text.indexOf(p.anchor);
    if (at < 0 || text.indexOf(p.anchor, at + 1) >= 0) {
      throw new Error(`ministack patch ${p.id}: its anchor is not found exactly once in ${p.file}`);
    }
    writeFileSync(path, text.replace(p.anchor, p.replacement));
  }
}
