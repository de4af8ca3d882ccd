import { z } from 'zod';
import { isoDateTime } from '../common.js';

/** Staff sign-in with password and TOTP, and account creation by the security administrator (M§38, 等保三级). */

export const staffRoles = [
  'underwriter',
  'callback_agent',
  'claims_handler',
  'complaint_handler',
  'compliance_officer',
  'auditor',
  'system_admin',
  'security_admin',
  'audit_admin',
] as const;
export type StaffRole = (typeof staffRoles)[number];
export const staffRole = z.enum(staffRoles);

export const staffSignInBody = z
  .object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256), totp: z.string().trim().min(1).max(10) })
  .strict()
  .meta({ id: 'StaffSignIn' });
export const staffSession = z.object({ token: z.string(), staffId: z.string(), roles: z.array(staffRole) }).meta({ id: 'StaffSession' });
export const staffMe = z
  .object({
    staffId: z.string(),
    username: z.string(),
    displayName: z.string(),
    roles: z.array(staffRole),
    lastLoginAt: isoDateTime.nullable(),
  })
  .meta({ id: 'StaffMe' });
export const createStaffBody = z
  .object({
    username: z.string().trim().min(1).max(64),
    displayName: z.string().trim().min(1).max(50),
    password: z.string().min(1).max(256),
    roles: z.array(staffRole).min(1).max(staffRoles.length),
  })
  .strict()
  .meta({ id: 'CreateStaff' });
export const staffCreated = z.object({ staffId: z.string(), totpSecret: z.string(), otpauthUrl: z.string() }).meta({ id: 'StaffCreated' });
