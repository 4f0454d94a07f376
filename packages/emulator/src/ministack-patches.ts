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
