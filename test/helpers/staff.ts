import type { StaffRole } from '../../server/platform/actor.js';
import type { Clock } from '../../server/platform/clock.js';
import type { DbOrTrx } from '../../server/db/database.js';
import { newId } from '../../server/platform/ids.js';
import { newSessionToken } from '../../server/platform/sessions.js';

/**
 * A staff account with `roles` and a live session, inserted directly: staff sign-in (password, TOTP, lock-out) is
 * tested in its own module; the other tests need a signed-in member of staff and nothing else.
 */
export async function signedInStaff(
  ctx: { db: DbOrTrx; clock: Clock },
  roles: readonly StaffRole[],
  displayName = '测试',
): Promise<{ token: string; id: string }> {
  const now = ctx.clock.now();
  const id = newId('stf', now.getTime());
  await ctx.db
    .insertInto('staff_accounts')
    .values({
      id,
      username: `t_${id.slice(-10).toLowerCase()}`,
      display_name: displayName,
      password_hash: 'x',
      totp_secret_cipher: 'x',
      roles: [...roles],
      created_at: now,
    })
    .execute();
  const { token, hash } = newSessionToken('staff');
  await ctx.db
    .insertInto('staff_sessions')
    .values({ id: newId('ses', now.getTime()), staff_id: id, token_hash: hash, created_at: now, last_seen_at: now })
    .execute();
  return { token, id };
}
