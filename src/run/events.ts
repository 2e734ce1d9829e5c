// What a build reports while it runs, as data: every progress mode renders these events
// (term draws them, plain prints lines, json writes them as NDJSON). The JSON Schema of the
// NDJSON stream is `schema --events`; bump EVENTS_VERSION on any change a parser would notice.
import Type, { type Static } from 'typebox';

export const EVENTS_VERSION = 1 as const;

const head = <T extends string>(type: T) => ({
  type: Type.Literal(type),
  /** ISO 8601, UTC, milliseconds */
  time: Type.String({ format: 'date-time' }),
  v: Type.Literal(EVENTS_VERSION, { description: 'schema version of the event stream' }),
});
const strict = { additionalProperties: false } as const;

export const BuildStart = Type.Object(
  {
    ...head('build-start'),
    image: Type.String({ description: 'the image reference as given' }),
    id: Type.String({ description: 'the image ID (sha256 hex)' }),
    digest: Type.Optional(Type.String({ description: 'the manifest digest, when the storage knows it' })),
    types: Type.Array(Type.String(), { description: 'the disk types being built' }),
    installer: Type.String({ description: 'native, bootc or bootupd' }),
    stages: Type.Integer({ minimum: 0, description: 'how many stages the build has' }),
    diskBytes: Type.Integer({ minimum: 0, description: 'the virtual size of the disk' }),
  },
  strict,
);

export const StageStart = Type.Object(
  { ...head('stage-start'), stage: Type.Integer({ minimum: 1 }), stages: Type.Integer({ minimum: 1 }), title: Type.String() },
  strict,
);

export const StageEnd = Type.Object(
  { ...head('stage-end'), stage: Type.Integer({ minimum: 1 }), title: Type.String(), seconds: Type.Number({ minimum: 0 }) },
  strict,
);

export const Progress = Type.Object(
  {
    ...head('progress'),
    stage: Type.Integer({ minimum: 0, description: 'the stage it belongs to; 0 before the first (pulling, importing)' }),
    task: Type.String({ description: 'what is progressing, e.g. "pull", "qcow2", "layer 3/7"' }),
    done: Type.Number({ minimum: 0 }),
    total: Type.Optional(Type.Number({ minimum: 0, description: 'absent while unknown' })),
    unit: Type.Union([Type.Literal('bytes'), Type.Literal('percent'), Type.Literal('items')]),
  },
  strict,
);

export const Message = Type.Object(
  {
    ...head('message'),
    level: Type.Union([Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('status')], {
      description: 'status: what a long step is doing (pulling, importing), shown at every log level',
    }),
    text: Type.String(),
  },
  strict,
);

export const Artifact = Type.Object(
  {
    ...head('artifact'),
    path: Type.String({ description: 'absolute path in the builder (under the output directory)' }),
    artifactType: Type.String({ description: 'the disk type(s) it serves, e.g. "qcow2" or "raw,ami"' }),
    bytes: Type.Integer({ minimum: 0, description: 'file size' }),
    allocatedBytes: Type.Integer({ minimum: 0, description: 'blocks the file takes on disk (sparse files take less than their size)' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    seconds: Type.Number({ minimum: 0, description: 'how long after the disk was ready the artifact was' }),
  },
  strict,
);

export const BuildEnd = Type.Object(
  {
    ...head('build-end'),
    ok: Type.Boolean({ description: 'build: it succeeded; verify (which ends with it too): every boot passed' }),
    exitCode: Type.Integer({ minimum: 0 }),
    seconds: Type.Number({ minimum: 0 }),
    error: Type.Optional(Type.Object({ id: Type.String(), message: Type.String() }, strict)),
  },
  strict,
);

export const Booted = Type.Object(
  {
    ...head('booted'),
    artifact: Type.String({ description: 'the disk image verify booted' }),
    firmware: Type.Union([Type.Literal('bios'), Type.Literal('uefi'), Type.Literal('uefi-secure')]),
    accel: Type.Union([Type.Literal('kvm'), Type.Literal('tcg')]),
    outcome: Type.Union([Type.Literal('pass'), Type.Literal('verify-failed'), Type.Literal('boot-timeout'), Type.Literal('boot-failed')]),
    seconds: Type.Number({ minimum: 0 }),
    failed: Type.Array(Type.String(), { description: 'the checks that failed' }),
  },
  strict,
);

export const Event = Type.Union([BuildStart, StageStart, StageEnd, Progress, Message, Artifact, Booted, BuildEnd]);
export type Event = Static<typeof Event>;
export type EventOf<T extends Event['type']> = Extract<Event, { type: T }>;
/** An event as a caller reports it: the renderer stamps time and version. */
export type EventInput = Event extends infer E ? (E extends Event ? Omit<E, 'time' | 'v'> : never) : never;

/** The event as written: its time and schema version added, durations in milliseconds'
 * precision (0.101, not 0.10119882299999995). */
export function stamp(event: EventInput, now = new Date()): Event {
  const rounded = 'seconds' in event ? { seconds: Math.round(event.seconds * 1000) / 1000 } : {};
  return { ...event, ...rounded, time: now.toISOString(), v: EVENTS_VERSION } as Event;
}

/** The published JSON Schema of one NDJSON line. */
export function eventsJsonSchema(): object {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'deb-bootc-image-builder --progress json event',
    description: 'One line of the NDJSON stream written by --progress json',
    ...Event,
  };
}
