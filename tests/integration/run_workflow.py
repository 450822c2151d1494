#!/usr/bin/env python3
"""Run one job of a GitHub Actions workflow here, step by step, as a runner
would, for tests/integration/test_workflow.sh (there is no GitHub here).

  run_workflow.py WORKFLOW JOB --workspace DIR --temp DIR --project REPO
                  --head SHA --base-ref BRANCH --source DIR --artifacts DIR
                  [--event pull_request|push]

What it emulates, and how:
  the event             pull_request (the default, head: the pull request's
                         head) or push (head: the pushed commit, GITHUB_SHA);
                         a job's `if: github.event_name == '...'` skips it
                         (outcome "skipped", exit 0) for the other event
  run:                   bash -e with the step's script, in the workspace, with
                         the job's env, GITHUB_BASE_REF, GITHUB_EVENT_NAME,
                         GITHUB_SHA, GITHUB_WORKSPACE,
                         RUNNER_TEMP, and fresh GITHUB_ENV, GITHUB_PATH and
                         GITHUB_STEP_SUMMARY files per step (read back after it,
                         as the runner does: KEY=VALUE lines, one path a line;
                         the summaries are appended to DIR/summary.md)
  actions/checkout       without `repository`: REPO cloned into the workspace
                         (fetched again when it is there) and `ref` checked out;
                         with `repository` and `path`: the benchfs source under
                         test (--source) cloned there, whatever `ref` says
  actions/upload-artifact  `path` must be a non-empty directory; copied to
                         --artifacts/<name>
  if: always()           runs after a failed step; a step without `if` does not
  ${{ ... }}             github.event.pull_request.head.sha, github.sha,
                         github.event_name, env.NAME, runner.temp; any other
                         expression is an error, so the
                         workflow cannot drift from what this checks
`runs-on`, `container`, `concurrency` and `permissions` are not emulated: the test runs on Debian 12, the
container's system. Prints each step and its outcome; writes
--temp/outcome.json ({"steps": [{"name", "outcome", "exit"}], "result"}).
Exit status 0 when the job succeeded, 1 when a step failed, 2 on a workflow
this cannot run.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

EXPR = re.compile(r'\$\{\{\s*(.*?)\s*\}\}')


def die(msg):
    print(f'run_workflow: {msg}', file=sys.stderr)
    sys.exit(2)


def expand(value, ctx):
    def one(m):
        expr = m.group(1)
        if expr in ('github.event.pull_request.head.sha', 'github.sha'):
            return ctx['head']
        if expr == 'github.event_name':
            return ctx['event']
        if expr == 'runner.temp':
            return ctx['temp']
        if expr.startswith('env.') and expr[4:] in ctx['env']:
            return ctx['env'][expr[4:]]
        die(f'expression not emulated: ${{{{ {expr} }}}}')
    return EXPR.sub(one, str(value))


def git(*args, cwd=None):
    subprocess.run(['git', *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def checkout(step, ctx):
    w = {k: expand(v, ctx) for k, v in (step.get('with') or {}).items()}
    ws = ctx['workspace']
    if 'repository' in w:
        if 'path' not in w:
            die('a checkout of another repository needs a path')
        dest = os.path.join(ws, w['path'])
        if not os.path.isdir(dest):
            src = ctx['source']
            if os.path.isdir(os.path.join(src, '.git')):
                git('clone', '--quiet', src, dest)
            else:
                # Build directories sit at the top; a source file may
                # start with "build" too (config/build_mode.c).
                def top_builds(d, names):
                    if not os.path.samefile(d, src):
                        return []
                    return [n for n in names if n.startswith('build')]
                shutil.copytree(src, dest, symlinks=True, ignore=top_builds)
        return 0
    if os.path.isdir(os.path.join(ws, '.git')):
        git('fetch', '--quiet', '--prune', 'origin', cwd=ws)
    else:
        git('clone', '--quiet', ctx['project'], '.', cwd=ws)
    git('checkout', '--quiet', '--force', w.get('ref') or 'HEAD', cwd=ws)
    return 0


def upload(step, ctx):
    w = {k: expand(v, ctx) for k, v in (step.get('with') or {}).items()}
    path = w.get('path', '')
    if not os.path.isdir(path) or not os.listdir(path):
        print(f'  upload-artifact: {path} is not a non-empty directory', file=sys.stderr)
        return 1
    dest = os.path.join(ctx['artifacts'], w.get('name', 'artifact'))
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(path, dest, symlinks=True)
    return 0


def run_script(step, ctx, index):
    files = {}
    for name in ('GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'):
        files[name] = os.path.join(ctx['temp'], f'_step{index}_{name.lower()}')
        open(files[name], 'w').close()
    script = os.path.join(ctx['temp'], f'_step{index}.sh')
    with open(script, 'w') as f:
        f.write(step['run'])
    env = dict(ctx['env'])
    env.update(files)
    env['PATH'] = os.pathsep.join(ctx['path'] + [env.get('PATH', '')])
    code = subprocess.run(['bash', '-e', script], cwd=ctx['workspace'], env=env).returncode
    for line in open(files['GITHUB_ENV']).read().splitlines():
        if '=' in line:
            key, value = line.split('=', 1)
            ctx['env'][key] = value
    ctx['path'][:0] = [p for p in open(files['GITHUB_PATH']).read().splitlines() if p]
    with open(os.path.join(ctx['temp'], 'summary.md'), 'a') as out:
        out.write(open(files['GITHUB_STEP_SUMMARY']).read())
    return code


def main():
    p = argparse.ArgumentParser()
    p.add_argument('workflow')
    p.add_argument('job')
    for opt in ('workspace', 'temp', 'project', 'head', 'base-ref', 'source', 'artifacts'):
        p.add_argument('--' + opt, required=True)
    p.add_argument('--event', choices=('pull_request', 'push'), default='pull_request')
    a = p.parse_args()
    wf = yaml.safe_load(open(a.workflow))
    job = (wf.get('jobs') or {}).get(a.job) or die(f'no job {a.job}')
    env = dict(os.environ)
    env.update({'GITHUB_BASE_REF': a.base_ref if a.event == 'pull_request' else '',
                'GITHUB_EVENT_NAME': a.event, 'GITHUB_SHA': a.head if a.event == 'push' else '',
                'GITHUB_WORKSPACE': a.workspace, 'RUNNER_TEMP': a.temp, 'CI': 'true',
                'GITHUB_ACTIONS': 'true'})
    ctx = {'workspace': a.workspace, 'temp': a.temp, 'project': a.project, 'head': a.head,
           'source': a.source, 'artifacts': a.artifacts, 'env': env, 'path': [],
           'event': a.event}
    cond = job.get('if')
    if cond is not None:
        m = re.fullmatch(r"github\.event_name == '([a-z_]+)'", str(cond).strip())
        if not m:
            die(f'job {a.job}: if: {cond} is not emulated')
        if m.group(1) != a.event:
            print(f'job {a.job}: skipped (event {a.event})')
            json.dump({'steps': [], 'result': 'skipped'},
                      open(os.path.join(a.temp, 'outcome.json'), 'w'), indent=1)
            return 0
    for key, value in (job.get('env') or {}).items():
        env[key] = expand(value, ctx)
    outcome = {'steps': [], 'result': 'success'}
    failed = False
    for i, step in enumerate(job.get('steps') or []):
        name = step.get('name') or step.get('uses') or f'step {i + 1}'
        cond = step.get('if')
        if cond not in (None, 'always()'):
            die(f'step {name}: if: {cond} is not emulated')
        if failed and cond != 'always()':
            outcome['steps'].append({'name': name, 'outcome': 'skipped', 'exit': None})
            print(f'- {name}: skipped')
            continue
        uses = step.get('uses', '')
        if 'run' in step:
            code = run_script(step, ctx, i)
        elif uses.startswith('actions/checkout@'):
            code = checkout(step, ctx)
        elif uses.startswith('actions/upload-artifact@'):
            code = upload(step, ctx)
        else:
            die(f'step {name}: {uses or "this step"} is not emulated')
        ok = code == 0
        outcome['steps'].append({'name': name, 'outcome': 'success' if ok else 'failure',
                                 'exit': code})
        print(f'- {name}: {"success" if ok else f"failure (exit {code})"}', flush=True)
        failed = failed or not ok
    outcome['result'] = 'failure' if failed else 'success'
    json.dump(outcome, open(os.path.join(a.temp, 'outcome.json'), 'w'), indent=1)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
