/** Staff: accounts, roles, password and TOTP sign-in. Other modules read a staff member through `findStaffById`. */
export {
  createStaffService,
  bootstrapStaff,
  provisionStaff,
  ADMIN_ROLES,
  TOTP_ISSUER,
  type StaffService,
  type NewStaffInput,
} from './staff.service.js';
export { findStaffById, activeStaffWithRole, existingStaffIds } from './staff.repository.js';
export { seedDemoStaff, formatDemoStaffTable, demoUsername, demoTotpSecret, DEMO_STAFF_PASSWORD, type DemoStaffRow } from './demo-staff.js';
export { totp, totpStep } from './totp.js';
