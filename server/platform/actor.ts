import type { StaffRole } from '@wangbao/contracts/console';
import { AppError } from './errors.js';

// The roles are the contracts': the console offers the same list the server authorises against.
export { staffRoles, type StaffRole } from '@wangbao/contracts/console';

/** Who acts, passed as one object to every use case; services authorise against it, not the routes. */
export type Actor =
  | { type: 'consumer'; id: string; ip?: string; userAgent?: string }
  | { type: 'staff'; id: string; roles: StaffRole[]; ip?: string; userAgent?: string }
  | { type: 'system'; id: string }
  | { type: 'provider'; id: string }
  | { type: 'anonymous'; ip?: string; userAgent?: string };

export const systemActor: Actor = { type: 'system', id: 'wangbao' };

export function actorId(actor: Actor): string | null {
  return actor.type === 'anonymous' ? null : actor.id;
}

/** Requires a staff actor holding one of the roles (least privilege, 等保三级). */
export function requireRole(actor: Actor, ...roles: StaffRole[]): Extract<Actor, { type: 'staff' }> {
  // No session at all is a 401 (sign in); a session of the wrong kind or role is a 403.
  if (actor.type === 'anonymous') throw new AppError('UNAUTHENTICATED', `A staff session is required (${roles.join(' or ')})`);
  if (actor.type !== 'staff') throw new AppError('FORBIDDEN', `Requires staff role: ${roles.join(' or ')}`);
  if (!roles.some((r) => actor.roles.includes(r))) throw new AppError('FORBIDDEN', `Requires role: ${roles.join(' or ')}`);
  return actor;
}

export function requireConsumer(actor: Actor): Extract<Actor, { type: 'consumer' }> {
  if (actor.type !== 'consumer') throw new AppError('UNAUTHENTICATED', 'A consumer session is required');
  return actor;
}

/** Fields that need a role to see in full; everyone else sees them masked (M§38). */
export function canSeeFullPersonalData(actor: Actor): boolean {
  return actor.type === 'staff' && actor.roles.some((r) => r === 'underwriter' || r === 'callback_agent' || r === 'claims_handler');
}
