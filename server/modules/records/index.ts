/**
 * Records: the life of a sale's trace records (requirements §2.4, M§33) — retention, disputes that hold them,
 * crypto-shredding after retention, replay of a sale and the auditor's export bundle. It reads the other modules
 * through their faces and the ledger core through `server/ledger`.
 */
export { createRecordsService, DISPUTE_KINDS, type DisputeKind, type RecordsService } from './records.service.js';
export { createReplayService, type ReplayService } from './replay.service.js';
export { retentionEnd, retentionReport, saleRetentions, type RetentionRules, type SaleRetention } from './retention.js';
export { exportPolicyBundle, type LedgerBundle } from './export.js';
