/** The money-transfer sample domain: commands, events, ledger, compensation. */
import type { CompensationDomain } from '../internal/compensation/bucket.js';
import { compensation, type MoneyCommand } from './money-transfer.js';

export * from './money-transfer.js';
export * from './ledger.js';
export * from './ledger-schema.js';

/** The money-transfer domain as the compensation job uses it. */
export const moneyTransferCompensation: CompensationDomain<MoneyCommand> = {
  decode: (json) => JSON.parse(json) as MoneyCommand,
  compensate: compensation,
};
