// Image facts for planning tests: the frozen inspection of the example image, and variants.
import { readFileSync } from 'node:fs';
import type { ImageFacts } from '../../src/image/facts.js';

const base = JSON.parse(readFileSync(new URL('../fixtures/facts/debian-trixie.json', import.meta.url), 'utf8')) as ImageFacts;

/** A deep copy of the example image's facts with `change` applied. */
export function exampleFacts(change: (facts: ImageFacts) => void = () => {}): ImageFacts {
  const facts = structuredClone(base);
  change(facts);
  return facts;
}
