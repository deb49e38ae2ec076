import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import avro from 'avsc';
import { BadInputError } from '../../errors.js';

/**
 * The sample command of the money-transfer domain (schemas/command.avsc), as TypeScript.
 * `data` is one record with optional (null) fields; `action` says which are set.
 * Amounts are whole minor units (cents).
 */
export type CommandAction = 'open-account' | 'transfer-money';

export const COMMAND_ACTIONS: readonly CommandAction[] = ['open-account', 'transfer-money'];

export interface CommandData {
  readonly account_id: string | null;
  readonly owner: string | null;
  readonly initial_balance: number | null;
  readonly from_account: string | null;
  readonly to_account: string | null;
  readonly amount: number | null;
}

export interface Command {
  readonly id: string;
  /** A CommandAction once validated; any string on the wire. */
  readonly action: string;
  readonly data: CommandData;
  /** ms since the epoch. */
  readonly timestamp: number;
}

/** The schema of schemas/command.avsc, parsed (the file ships with the package). */
export const commandSchema: avro.Schema = JSON.parse(
  readFileSync(new URL('../../../schemas/command.avsc', import.meta.url), 'utf8'),
) as avro.Schema;

/** The avsc type of a Command. */
export const commandType: avro.Type = avro.Type.forSchema(commandSchema);

const EMPTY_DATA: CommandData = { account_id: null, owner: null, initial_balance: null, from_account: null, to_account: null, amount: null };

export interface CommandMeta {
  /** Default: a random UUID. */
  readonly id?: string;
  /** Default: now. */
  readonly timestamp?: number;
}

/** An open-account command. */
export function openAccount(
  data: { readonly account_id: string; readonly owner?: string; readonly initial_balance?: number },
  meta: CommandMeta = {},
): Command {
  return {
    id: meta.id ?? randomUUID(),
    action: 'open-account',
    data: { ...EMPTY_DATA, account_id: data.account_id, owner: data.owner ?? null, initial_balance: data.initial_balance ?? null },
    timestamp: meta.timestamp ?? Date.now(),
  };
}

/** A transfer-money command. */
export function transferMoney(
  data: { readonly from_account: string; readonly to_account: string; readonly amount: number },
  meta: CommandMeta = {},
): Command {
  return {
    id: meta.id ?? randomUUID(),
    action: 'transfer-money',
    data: { ...EMPTY_DATA, from_account: data.from_account, to_account: data.to_account, amount: data.amount },
    timestamp: meta.timestamp ?? Date.now(),
  };
}

/** Avro binary of a command (no framing). Throws BadInputError if it does not fit the schema. */
export function encodeCommand(command: Command): Buffer {
  const paths: string[] = [];
  if (!commandType.isValid(command, { errorHook: (path) => void paths.push(path.join('.')) })) {
    throw new BadInputError(`not a valid Command (${paths.join(', ')})`);
  }
  return commandType.toBuffer(command);
}

/** Decodes Avro binary written with schemas/command.avsc. */
export function decodeCommand(bytes: Buffer): Command {
  return commandType.fromBuffer(bytes) as Command;
}

/**
 * Checks what the schema cannot: a known action and the fields it needs. Throws a
 * BadInputError naming the problem; use it as the `validate` option of avroDeserializer.
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
      if ((d.amount as number) <= 0) throw new BadInputError(`transfer-money command ${command.id} has a non-positive amount`);
      return;
    default:
      throw new BadInputError(`command ${command.id} has an unknown action "${command.action}"`);
  }
}
