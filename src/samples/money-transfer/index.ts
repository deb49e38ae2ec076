/**
 * The money-transfer sample (`dendrites/samples/money-transfer`): a CommandDomain written
 * against the public API only, as a user would write one. Accounts are opened and money
 * moves between them; a balance is the sum of the account's ledger entries, so a
 * duplicate delivery shows as a wrong balance until the compensation job corrects it.
 *
 * `domain` is what the command graphs and `compensate` take; `demo` is what
 * `dendrites demo` runs; the rest are the helpers tests, examples and benchmarks use.
 *
 * @example examples/cqrs-money-transfer.ts
 *
 * @module dendrites/samples/money-transfer
 */

/** The CommandDomain of the sample (see domain.ts). */
export { domain } from './domain.js';

/** The sample as `dendrites demo` runs it (see scenario.ts). */
export { demo, sampleCommands, badCommands, NOT_AVRO, type SampleOptions, type SampleCommands } from './scenario.js';

/** The command on the wire: Avro schema, type, builders, encoding, record key. */
export {
  type Command,
  type CommandAction,
  type CommandData,
  type CommandMeta,
  COMMAND_ACTIONS,
  commandSchema,
  commandType,
  openAccount,
  transferMoney,
  encodeCommand,
  decodeCommand,
  validateCommand,
  commandKey,
  commandRecord,
} from './commands.js';

/** The rules, pure: validation, ledger movements, compensation arithmetic. */
export {
  type MoneyCommand,
  type LedgerMovement,
  type DeliveryEntry,
  parseMoneyCommand,
  deliveryEntries,
  deliveryEntryId,
  compensationEntryId,
  compensationMovements,
  onceOnlyBalances,
} from './model.js';

/** The sample's tables and reads. */
export { createMoneyTransferTables, moneyTransferTablesCql, balanceOf, balancesOf, openedAccounts, LEDGER_ENTRIES_TABLE, ACCOUNTS_TABLE } from './ledger.js';
