import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secretsFromEnv } from './secret-values.js';

test('secretsFromEnv: takes values of secret-looking names, longest first, without duplicates', () => {
  const env: NodeJS.ProcessEnv = {
    OPENAI_API_KEY: 'sk-proj-0123456789abcdef',
    GITHUB_TOKEN: 'ghp_AAAABBBBCCCC',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY',
    DB_PASSWORD: 'hunter2hunter2',
    NPM_AUTH_TOKEN: 'npm_12345678',
    my_session_cookie: 'lowercase-name-ok',
    HTTP_AUTHORIZATION: 'Basic dXNlcjpwYXNz',
    GH_TOKEN_COPY: 'ghp_AAAABBBBCCCC',
    // Names that do not look secret, however secret-looking the value.
    HOME: '/home/someone/with-a-long-path',
    EDITOR: 'sk-proj-not-a-key-name',
    LANG: 'en_US.UTF-8',
    GIT_AUTHOR_NAME: 'Jane Developer',
    GIT_AUTHOR_EMAIL: 'jane@example.com',
    // Secret-looking names whose values are too short or plainly not secrets.
    SHORT_TOKEN: 'abc1234',
    PADDED_KEY: '  abc   ',
    FEATURE_AUTH_ENABLED: 'true',
    SESSION_FLAG: 'undefined',
    SSH_AUTH_SOCK: '/tmp/ssh-XXXXabcd/agent.1234',
    XAUTHORITY: '/home/someone/.Xauthority',
    UNSET_SECRET: undefined,
  };
  assert.deepEqual(secretsFromEnv(env), [
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCY',
    'sk-proj-0123456789abcdef',
    'Basic dXNlcjpwYXNz',
    'lowercase-name-ok',
    'ghp_AAAABBBBCCCC',
    'hunter2hunter2',
    'npm_12345678',
  ]);
});

test('secretsFromEnv: PASS is a credential as a word or as PASSWORD, PASSWD, PASSPHRASE, not inside another word', () => {
  const env: NodeJS.ProcessEnv = {
    MYSQL_PASS: 'value-of-MYSQL_PASS',
    PGPASSWORD: 'value-of-PGPASSWORD',
    SMTP_PASSWD: 'value-of-SMTP_PASSWD',
    GPG_PASSPHRASE: 'value-of-GPG_PASSPHRASE',
    PASSWORD2: 'value-of-PASSWORD2',
    TOX_TESTENV_PASSENV: 'OPENAI_API_KEY HOME',
    NO_PROXY_PASSTHROUGH: 'localhost,127.0.0.1',
  };
  assert.deepEqual(secretsFromEnv(env).sort(), Object.keys(env).slice(0, 5).map((name) => `value-of-${name}`).sort());
});

test('secretsFromEnv: exactly 8 characters is enough, and a path with other characters is kept', () => {
  assert.deepEqual(secretsFromEnv({ A_KEY: '12345678', B_KEY: '1234567', C_PASS: '/odd$path!x' }), ['/odd$path!x', '12345678']);
});

test('secretsFromEnv: a multi-line value is kept whole and line by line', () => {
  const pem = '-----BEGIN KEY-----\nMIIBVQIBADANBgkqhkiG9w0B\r\nshort\n-----END KEY-----';
  assert.deepEqual(secretsFromEnv({ DEPLOY_PRIVATE_KEY: pem }), [
    pem,
    'MIIBVQIBADANBgkqhkiG9w0B',
    '-----BEGIN KEY-----',
    '-----END KEY-----',
  ]);
});
