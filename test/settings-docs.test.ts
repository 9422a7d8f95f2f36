/**
 * The READMEs' flag and scenario-field tables are made from the settings table
 * (peer/settings.ts): this fails when a README was not regenerated after a change.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../peer/settings.js';
import { GENERATED_BLOCKS, REPO_ROOT, withBlock } from '../scripts/settings-docs.js';

describe('tables generated from the settings table', () => {
  it.each(GENERATED_BLOCKS.map((block) => [`${block.file} ${block.name}`, block] as const))('%s is up to date (else: npm run docs:settings)', async (_label, block) => {
    const text = await readFile(join(REPO_ROOT, block.file), 'utf8');
    expect(withBlock(text, block.name, block.render())).toBe(text);
  });

  it('lists every flag of peerlab peer in the README, and every scenario field in the scenario README', async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    const scenarioReadme = await readFile(join(REPO_ROOT, 'lab/scenario/README.md'), 'utf8');
    for (const row of SETTINGS) {
      expect(readme).toMatch(new RegExp(`^\\| \`${row.flag}[ \`]`, 'm'));
      if (row.scenario !== undefined) expect(scenarioReadme).toMatch(new RegExp(`^\\| \`${row.scenario}\` \\| \`${row.flag}\``, 'm'));
    }
  });
});
