// Other versions of schemas/inventory.avsc that producers may still (or already) write
// with, for tests of schema resolution: both resolve into the current reader schema.
import avro from 'avsc';
import { inventorySchema } from 'dendrites/samples/inventory';

interface FieldJson {
  name: string;
  type: unknown;
  default?: unknown;
}
interface RecordJson {
  type: 'record';
  name: string;
  fields: FieldJson[];
}

/** A deep copy of the current schema, its payload branches editable. */
function copy(): { schema: RecordJson & Record<string, unknown>; branch(name: string): RecordJson } {
  const schema = JSON.parse(JSON.stringify(inventorySchema)) as RecordJson & Record<string, unknown>;
  const payload = schema.fields.find((f) => f.name === 'payload');
  const branches = payload?.type as RecordJson[];
  return {
    schema,
    branch: (name) => {
      const found = branches.find((b) => b.name === name);
      if (found === undefined) throw new Error(`no branch ${name}`);
      return found;
    },
  };
}

/** The OLDER schema: SetOrderStatus had no attributes (the reader's default `{}` fills them in). */
export function olderSchema(): avro.Schema {
  const v = copy();
  const status = v.branch('SetOrderStatus');
  status.fields = status.fields.filter((f) => f.name !== 'attributes');
  return v.schema as unknown as avro.Schema;
}

/** The NEWER schema: a command says where it came from, a reservation its sales channel (the reader drops both). */
export function newerSchema(): avro.Schema {
  const v = copy();
  v.schema.fields.push({ name: 'source', type: 'string', default: 'unknown' });
  v.branch('Reserve').fields.push({ name: 'channel', type: 'string', default: 'web' });
  return v.schema as unknown as avro.Schema;
}

/** The avsc types of both, unions wrapped (how their producers encode). */
export const olderType = (): avro.Type => avro.Type.forSchema(olderSchema(), { wrapUnions: 'always' });
export const newerType = (): avro.Type => avro.Type.forSchema(newerSchema(), { wrapUnions: 'always' });
