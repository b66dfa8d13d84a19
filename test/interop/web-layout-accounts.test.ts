// The account pages of issue 17 that users and operators reach (own password, new licence, new
// phone), in Debian's chromium at 1366, 390, 360 and 430 px: the same checks as the other layout
// files (test/helpers/layout-suite.ts). The admin's account pages: web-layout-accounts-admin.
import { roleLayoutSuite } from '../helpers/layout-suite.ts';
import { ACCOUNT_PAGES } from '../helpers/cockpit.ts';

roleLayoutSuite('user', { user: ACCOUNT_PAGES.user, operator: ACCOUNT_PAGES.operator });
