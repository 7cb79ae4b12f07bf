import { SecretMasker } from './secret-masker.js';
import { secretsFromEnv } from './secret-values.js';

let shared: SecretMasker | undefined;

/**
 * The masker for everything this process writes: tasks inherit the supervisor's
 * environment, so its secret-looking variables are the ones a task could print.
 */
export function processMasker(): SecretMasker {
  shared ??= new SecretMasker(secretsFromEnv(process.env));
  return shared;
}
