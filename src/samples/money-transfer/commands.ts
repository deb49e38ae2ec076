/**
 * The sample's command as it travels on Kafka: its Avro schema (schemas/command.avsc is
 * the same schema for a person to read), its TypeScript shape, builders, and the Avro
 * encoding. One record type for both actions: `action` says which fields of `data` are set.
 * Amounts are whole minor units (cents).
 */
import { randomUUID } from 'node:crypto';
import avro from 'avsc';
import { BadInputError } from 'dendrites';
import { type ProducedRecord } from 'dendrites/cqrs';

/** The actions the sample knows. */
export type CommandAction = 'open-account' | 'transfer-money';

/** Every action the sample knows, in schema order of the fields they set. */
export const COMMAND_ACTIONS: readonly CommandAction[] = ['open-account', 'transfer-money'];

/** The fields of a command; those its action does not use are null. */
export interface CommandData {
  /** open-account: the new account. */
  readonly account_id: string | null;
  /** open-account: who owns it. */
  readonly owner: string | null;
  /** open-account: its opening balance, in cents. */
  readonly initial_balance: number | null;
  /** transfer-money: the account debited. */
  readonly from_account: string | null;
  /** transfer-money: the account credited. */
  readonly to_account: string | null;
  /** transfer-money: the amount, in cents. */
  readonly amount: number | null;
}

/** A command as the Avro schema has it (before `parseMoneyCommand` narrows it). */
export interface Command {
  /** Unique command id (a UUID); redeliveries keep it. */
  readonly id: string;
  /** A CommandAction once validated; any string on the wire. */
  readonly action: string;
  /** The action's fields. */
  readonly data: CommandData;
  /** When the command was issued, ms since the epoch. */
  readonly timestamp: number;
}

/** The Avro schema of a Command: the same as schemas/command.avsc (a unit test keeps them equal). */
export const commandSchema: avro.Schema = {
  type: 'record',
  name: 'Command',
  namespace: 'dendrites.money',
  doc: 'A command of the money-transfer sample domain. `action` says which fields of `data` are set: open-account sets account_id (owner and initial_balance optional); transfer-money sets from_account, to_account and amount. Amounts are whole minor units (cents). Unset fields are null.',
  fields: [
    { name: 'id', type: 'string', doc: 'Unique command id (a UUID); redeliveries keep it.' },
    { name: 'action', type: 'string', doc: '"open-account" or "transfer-money"; a string (Avro enum symbols cannot contain \'-\'), validated by the consumer.' },
    {
      name: 'data',
      type: {
        type: 'record',
        name: 'CommandData',
        fields: [
          { name: 'account_id', type: ['null', 'string'], default: null },
          { name: 'owner', type: ['null', 'string'], default: null },
          { name: 'initial_balance', type: ['null', 'long'], default: null },
          { name: 'from_account', type: ['null', 'string'], default: null },
          { name: 'to_account', type: ['null', 'string'], default: null },
          { name: 'amount', type: ['null', 'long'], default: null },
        ],
      },
    },
    { name: 'timestamp', type: 'long', doc: 'When the command was issued, ms since the epoch.' },
  ],
};

/** The avsc type of a Command (built once from `commandSchema`). */
export const commandType: avro.Type = avro.Type.forSchema(commandSchema);

const EMPTY_DATA: CommandData = { account_id: null, owner: null, initial_balance: null, from_account: null, to_account: null, amount: null };

/** Id and time of a command built here. */
export interface CommandMeta {
  /** Default: a random UUID. */
  readonly id?: string;
  /** Default: now. */
  readonly timestamp?: number;
}

/** An open-account command. */
export function openAccount(data: { readonly account_id: string; readonly owner?: string; readonly initial_balance?: number }, meta: CommandMeta = {}): Command {
  return {
    id: meta.id ?? randomUUID(),
    action: 'open-account',
    data: { ...EMPTY_DATA, account_id: data.account_id, owner: data.owner ?? null, initial_balance: data.initial_balance ?? null },
    timestamp: meta.timestamp ?? Date.now(),
  };
}

/** A transfer-money command. */
export function transferMoney(data: { readonly from_account: string; readonly to_account: string; readonly amount: number }, meta: CommandMeta = {}): Command {
  return {
    id: meta.id ?? randomUUID(),
    action: 'transfer-money',
    data: { ...EMPTY_DATA, from_account: data.from_account, to_account: data.to_account, amount: data.amount },
    timestamp: meta.timestamp ?? Date.now(),
  };
}

/** Avro binary of a command (no framing). Throws a BadInputError if it does not fit the schema. */
export function encodeCommand(command: Command): Buffer {
  const paths: string[] = [];
  if (!commandType.isValid(command, { errorHook: (path) => void paths.push(path.join('.')) })) {
    throw new BadInputError(`not a valid Command (${paths.join(', ')})`);
  }
  return commandType.toBuffer(command);
}

/** Decodes Avro binary written with the command schema; throws if the bytes are not one. */
export function decodeCommand(bytes: Buffer): Command {
  return commandType.fromBuffer(bytes) as Command;
}

/**
 * Checks what the schema cannot: a known action and the fields it needs. Throws a
 * BadInputError naming the problem; fits the `validate` option of `avroDeserializer`.
 * (The command graph's domain goes further: see `parseMoneyCommand`.)
 */
export function validateCommand(command: Command): void {
  const d = command.data;
  const missing = (names: readonly (keyof CommandData)[]): void => {
    const absent = names.filter((n) => d[n] === null);
    if (absent.length > 0) throw new BadInputError(`${command.action} command ${command.id} lacks ${absent.join(', ')}`);
  };
  switch (command.action) {
    case 'open-account':
      missing(['account_id']);
      return;
    case 'transfer-money':
      missing(['from_account', 'to_account', 'amount']);
      if ((d.amount ?? 0) <= 0) throw new BadInputError(`transfer-money command ${command.id} has a non-positive amount`);
      return;
    default:
      throw new BadInputError(`command ${command.id} has an unknown action "${command.action}"`);
  }
}

/** The record key of a command: the account it is about (the debited one for a transfer), so one account's commands share a partition. */
export function commandKey(command: Command): string {
  return command.data.account_id ?? command.data.from_account ?? command.id;
}

/** A command as a record to produce: `{ key: commandKey(c), value: encodeCommand(c) }`. */
export function commandRecord(command: Command): ProducedRecord {
  return { key: commandKey(command), value: encodeCommand(command) };
}
