// A --progress json stream as a test reads it: every line one event, each valid against the
// schema `schema --events` publishes (the same typebox definition), no terminal codes.
import Value from 'typebox/value';
import { expect } from 'vitest';
import { Event, type EventOf } from '../../src/run/events.js';

export type BuildEvent = Event;

export function parseEvents(text: string): Event[] {
  expect(text).not.toMatch(/\u001b/);
  const lines = text.trimEnd().split('\n');
  const events = lines.map((line) => JSON.parse(line) as Event);
  const invalid = events.flatMap((event, i) => [...Value.Errors(Event, event)].map((e) => `line ${i + 1} (${event.type}): ${e.instancePath} ${e.message}`));
  expect(invalid).toEqual([]);
  return events;
}

export function ofType<T extends Event['type']>(events: Event[], type: T): EventOf<T>[] {
  return events.filter((e): e is EventOf<T> => e.type === type);
}

/** Stages start in order, each ended before the next starts, the last one open if it failed. */
export function checkStages(events: Event[], { finished }: { finished: boolean }): void {
  const starts = ofType(events, 'stage-start');
  const ends = ofType(events, 'stage-end');
  expect(starts.map((s) => s.stage)).toEqual(starts.map((_, i) => i + 1));
  expect(ends.map((s) => s.stage)).toEqual(finished ? starts.map((s) => s.stage) : starts.slice(0, ends.length).map((s) => s.stage));
  const times = events.map((e) => Date.parse(e.time));
  expect(times).toEqual([...times].sort((a, b) => a - b));
}
