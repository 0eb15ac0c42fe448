// Writes syntaxes/netns.tmLanguage.json from scripts/grammar/netns.grammar.mjs (the readable
// source). Owns only the serialisation; test/grammar/grammar.test.ts checks the JSON is current.
// Usage: node scripts/grammar/build.mjs [--check]   (--check: exit 1 if the JSON is out of date)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import grammar from './netns.grammar.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'syntaxes', 'netns.tmLanguage.json');
const text = JSON.stringify(grammar, null, 2) + '\n';
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    console.error('syntaxes/netns.tmLanguage.json is out of date: run node scripts/grammar/build.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
