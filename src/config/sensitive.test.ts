import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gitInvocations } from './git-invocations.js';
import { sensitiveMatch, sensitivePatterns } from './sensitive.js';

const patterns = sensitivePatterns(['git reset --hard', 'terraform apply', '  kubectl   delete ', './deploy.sh', '   ']);
const RESET = '\\bgit\\s+reset\\s+--hard\\b';
const APPLY = '\\bterraform\\s+apply\\b';

// [argv, the pattern it waits for (its source), or null when it runs unasked]
const CASES: [string[], string | null][] = [
  [['git', 'push'], '\\bgit\\s+push\\b'],
  [['git', 'push', 'origin', 'main'], '\\bgit\\s+push\\b'],
  [['git', 'pushd'], null],
  [['git', 'log', '--grep', 'push'], null],
  [['git', 'status'], null],
  [['git', '-C', 'x', 'push'], '\\bgit\\s+push\\b'],
  [['git', '-C', 'my dir', 'push'], '\\bgit\\s+push\\b'],
  [['git', '-c', 'a=b', '-C', 'x', 'push', 'origin', 'main'], '\\bgit\\s+push\\b'],
  [['git', '--git-dir=.git', 'push'], '\\bgit\\s+push\\b'],
  [['git', '--git-dir', '.git', '--work-tree', '.', 'push'], '\\bgit\\s+push\\b'],
  [['git', '--no-pager', 'push'], '\\bgit\\s+push\\b'],
  [['git', '-p', '--bare', '--no-optional-locks', '--literal-pathspecs', 'push'], '\\bgit\\s+push\\b'],
  [['git', '--namespace', 'ns', '--config-env', 'a.b=HOME', 'push'], '\\bgit\\s+push\\b'],
  [['/usr/bin/git', '-C', '.', 'push'], '\\bgit\\s+push\\b'],
  // A value option's value is not the subcommand, even when it reads `push`.
  [['git', '-C', 'push', 'status'], null],
  [['git', '-c', 'push.default=current', 'status'], null],
  // `git` is looked for in every word: wrappers run it, and `echo` is asked about too.
  [['env', 'GIT_TRACE=1', 'git', '-C', '.', 'push'], '\\bgit\\s+push\\b'],
  [['timeout', '60', 'git', '--no-pager', 'push'], '\\bgit\\s+push\\b'],
  [['echo', 'git', 'push'], '\\bgit\\s+push\\b'],
  // Shell scripts are read as the shell splits them.
  [['sh', '-c', 'git -C . push'], '\\bgit\\s+push\\b'],
  [['bash', '-lc', 'cd sub && git -c user.name=x push origin HEAD'], '\\bgit\\s+push\\b'],
  [['sh', '-c', 'git -C "my dir" push'], '\\bgit\\s+push\\b'],
  [['sh', '-c', "sh -c 'git --no-pager push'"], '\\bgit\\s+push\\b'],
  [['sh', '-c', 'git -C . status; echo push'], null],
  [['sh', '-c', 'x=$(git -C . rev-parse HEAD) && echo "$x"'], null],
  // The other patterns: as typed, and `sensitive` entries that start with git after git's options.
  [['git', '-C', '.', 'reset', '--hard'], RESET],
  [['git', 'reset', '--soft'], null],
  [['rm', '-rf', 'build'], '\\brm\\s+(-\\w*r\\w*f|-\\w*f\\w*r|-r\\s+-f|-f\\s+-r)\\b'],
  [['terraform', 'apply', '-auto-approve'], APPLY],
  // An entry's words are whole words, with any spaces between them; an empty entry matches nothing.
  [['sh', '-c', 'cd infra && terraform  apply'], APPLY],
  [['terraform', 'applyx'], null],
  [['myterraform', 'apply'], null],
  [['kubectl', 'delete', 'pod', 'x'], '\\bkubectl\\s+delete\\b'],
  [['kubectl', 'deleted'], null],
  [['sh', './deploy.sh', 'prod'], '\\.\\/deploy\\.sh\\b'],
  [['sh', './deploy.shx'], null],
  [['ls', '-la'], null],
];

test('a command waits for the sensitive pattern it matches, git invocations read without their global options', () => {
  const wrong = CASES.filter(([argv, expected]) => (sensitiveMatch(patterns, argv)?.pattern.source ?? null) !== expected).map(([argv, expected]) => `${JSON.stringify(argv)}: expected ${expected ?? 'none'}, got ${sensitiveMatch(patterns, argv)?.pattern.source ?? 'none'}`);
  assert.deepEqual(wrong, []);
});

test('gitInvocations: what git runs, after its options, in argv and in shell strings', () => {
  assert.deepEqual(gitInvocations(['git', '-c', 'a=b', '-C', 'x', 'push', 'origin', 'main']), [['git', 'push', 'origin', 'main']]);
  assert.deepEqual(gitInvocations(['sh', '-c', 'git -C . fetch && git --no-pager push "my remote" | cat']), [
    ['git', 'fetch'],
    ['git', 'push', 'my remote'],
  ]);
  assert.deepEqual(gitInvocations(['git', '-C']), []);
  assert.deepEqual(gitInvocations(['ls', '-la']), []);
});

test('a waiting command names the sensitive command it matched, not a regular expression', () => {
  const match = (argv: string[]): string | undefined => sensitiveMatch(patterns, argv)?.label;
  assert.equal(match(['git', '-C', '.', 'push']), 'git push');
  assert.equal(match(['rm', '-fr', 'dist']), 'rm -rf');
  assert.equal(match(['kubectl', 'delete', 'ns', 'x']), 'kubectl delete');
  assert.equal(match(['sh', '-c', './deploy.sh']), './deploy.sh');
});
