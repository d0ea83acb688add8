import { fileURLToPath } from 'node:url';

export const BASE_YAML = fileURLToPath(new URL('../fixtures/provision/base.yaml', import.meta.url));
export const RULES_YAML = fileURLToPath(new URL('../fixtures/provision/rules.yaml', import.meta.url));
export const BREAKS_YAML = fileURLToPath(new URL('../fixtures/provision/breaks.yaml', import.meta.url));
export const TWO_PBXES_YAML = fileURLToPath(new URL('../fixtures/provision/two-pbxes.yaml', import.meta.url));
